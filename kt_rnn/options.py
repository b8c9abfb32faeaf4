"""The search's options (`build_parser`), and the parser both command lines build on.

`build_parser` is the one list of the search's options: the command line parses
argv with it, and `kt_rnn.tune` takes its defaults and names from it, so neither
imports the other. Options are matched exactly and a near miss is answered with
"did you mean": argparse would take `--tune units_0` as `--tuner units_0` (an
abbreviation), so a mistyped or newly added option could silently become another one.

Pure Python: no TensorFlow, Keras or KerasTuner import.
"""

import argparse
import difflib
import re
import textwrap
from typing import Any, NoReturn

from hypermodels.space import SearchSpace
from kt_rnn import config as config_lib
from kt_rnn import presets, tasks
from kt_rnn.errors import UsageError
from kt_rnn.runtime import devices, roles

_UNRECOGNIZED = re.compile(r"unrecognized arguments: (.*)")


def _duration(text: str) -> float:
    """`config.duration` as an argparse type: a bad duration is a usage error (exit 2) naming the forms."""
    try:
        return config_lib.duration(text)
    except UsageError as e:
        raise argparse.ArgumentTypeError(str(e).removeprefix("--time-limit ")) from None


class Parser(argparse.ArgumentParser):
    """`argparse.ArgumentParser` without abbreviations, suggesting the closest option on a typo."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> NoReturn:
        found = _UNRECOGNIZED.match(message)
        if found:
            message += "".join(self._hint(arg) for arg in found.group(1).split() if arg.startswith("--"))
        super().error(message)

    def _hint(self, arg: str) -> str:
        options = [s for action in self._actions for s in action.option_strings if s.startswith("--")]
        close = difflib.get_close_matches(arg.split("=")[0], options, n=1)
        return f" (did you mean {close[0]}?)" if close else ""


def build_parser() -> Parser:
    """Returns the `argparse.ArgumentParser` of the search command."""
    parser = Parser(
        prog="python -m kt_rnn.search",
        description="Tune a recurrent network with KerasTuner, log every trial to "
        "TensorBoard and export the best model as a SavedModel that serves raw input "
        "(text, numeric sequences) and answers in the data's own units.",
        epilog=_wrap("Outputs: LOGDIR/PROJECT/{tuner,tensorboard,best}. Re-running the same "
                      "command resumes the search.") + "\n" + _hyperparameters_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("dataset", nargs="?", choices=config_lib.DATASETS,
                        help="imdb (the IMDB reviews), text (your texts: --data FOLDER or FILE.csv), "
                        "sequence (your numeric sequences: --data FILE.npz), timeseries (a series to "
                        "forecast: --data FILE.csv --target COLUMN); or `dataset = ...` in --config")
    parser.add_argument("--config", metavar="FILE.toml", help="run file: any option below as `name = value` "
                        "(e.g. max-trials = 20, fix = [\"cell=lstm\"]); options given here override it. "
                        "The resolved options are saved as LOGDIR/PROJECT/config.toml")
    data = parser.add_argument_group("data")
    data.add_argument("--data", metavar="PATH", help="imdb: an aclImdb directory or aclImdb_v1.tar.gz "
                      "(default: $KT_RNN_DATA, else a cached download); text: a folder with one subfolder "
                      "of .txt files per class, or a CSV/TSV table; sequence: an .npz with x and y "
                      "(optional x_test, y_test)")
    data.add_argument("--test-data", metavar="PATH", help="text: a separate test set in the same form as "
                      "--data (default: a stratified --test-split of --data)")
    data.add_argument("--test-split", type=float, default=0.2, metavar="F", help="text, sequence: fraction "
                      "held out for the test score when the data has no test part (default 0.2)")
    data.add_argument("--text-column", metavar="NAME|INDEX", help="text table: the text column "
                      "(name or 0-based index; default: detected)")
    data.add_argument("--label-column", metavar="NAME|INDEX", help="text table: the label column "
                      "(name or 0-based index; default: detected)")
    data.add_argument("--task", choices=tasks.PROBLEMS, help="sequence: classification or regression "
                      "(default: integer y is classification, float y regression)")
    forecast = parser.add_argument_group("forecasting (the timeseries dataset: --data FILE.csv)")
    forecast.add_argument("--target", metavar="COLUMN", help="the column to forecast (required)")
    forecast.add_argument("--features", metavar="COLS", help="other columns used as inputs, comma-separated, "
                          "or `all` for every numeric column (default: the target alone)")
    forecast.add_argument("--date-column", metavar="COLUMN", help="dates: rows are ordered by them (default: "
                          "row order is time order)")
    forecast.add_argument("--horizon", type=int, metavar="N", help="steps forecast at once (default 1)")
    forecast.add_argument("--season", type=int, metavar="N", help="seasonal period in steps, e.g. 12 for "
                          "monthly data (default 1): the seasonal-naive baseline and MASE use it")
    forecast.add_argument("--validation-size", type=_steps, metavar="N|F", help="steps (or a fraction) before "
                          "the test part used for selection (default: about 15%% of the rows, in whole horizons)")
    forecast.add_argument("--stride", type=int, metavar="N", help="steps between forecast origins (default 1)")
    forecast.add_argument("--folds", type=int, metavar="K", help="rolling-origin validation: each trial trains and "
                          "is scored K times, on validation parts of --validation-size steps that end where the "
                          "validation part ends, each fold trained only on the steps before its own; the objective "
                          "is their mean (default: 3 for a series of under 300 training windows, else 1)")
    forecast.add_argument("--fill-missing", choices=config_lib.FILL_MODES, help="fill missing values instead "
                          "of stopping: ffill, interpolate, or drop the rows")
    forecast.add_argument("--categorical", action="append", metavar="COLUMN", help="one-hot encode this "
                          "feature column (repeatable)")
    data.add_argument("--validation-split", type=float, default=0.2, metavar="F",
                      help="fraction of the training split held out for selection (default 0.2)")
    data.add_argument("--train-size", type=int, metavar="N", help="use N training examples (default all)")
    data.add_argument("--test-size", type=_steps, metavar="N", help="score on N test examples (default all); "
                      "timeseries: the last N steps (or a fraction) are the test part")
    data.add_argument("--max-tokens", type=int, metavar="N", help="text: vocabulary size (default 20000)")
    data.add_argument("--sequence-length", type=int, metavar="N", help="text: tokens per text (default 200)")
    tuning = parser.add_argument_group("tuning")
    tuning.add_argument("--tuner", choices=config_lib.TUNERS, help="the search algorithm (default hyperband)")
    tuning.add_argument("--max-trials", type=int, metavar="N",
                        help=f"trial budget (default {config_lib.DEFAULT_MAX_TRIALS}; "
                        "Hyperband: its full schedule unless given)")
    tuning.add_argument("--max-epochs", type=int, metavar="N", help="epochs per trial at most (default 10; a "
                        "short series: planned from its training windows, up to 100)")
    tuning.add_argument("--factor", type=int, metavar="N", help="Hyperband reduction factor (default 3)")
    tuning.add_argument("--time-limit", type=_duration, metavar="DURATION", help="end the search "
                        "within this time (90s, 10m, 1h, 1h30m): no trial starts that the time left cannot hold "
                        "(judged by the trials this run has timed) and a trial still running at the limit stops "
                        "after its epoch; the refit and export follow. Default: no limit")
    tuning.add_argument("--executions-per-trial", type=int, default=1, metavar="N")
    tuning.add_argument("--objective", choices=config_lib.OBJECTIVES, help="what trials are ranked by "
                        "(default: val_accuracy for classification, val_loss for regression; val_auc: "
                        "binary only; val_macro_f1 for imbalanced classes; val_mae: regression)")
    tuning.add_argument("--patience", type=int, metavar="N", help="non-Hyperband trials "
                        "stop after N epochs without a lower validation loss (default 3)")
    tuning.add_argument("--seed", type=int, default=42)
    tuning.add_argument("--fix", action="append", default=[], metavar="NAME=VALUE",
                        help="fix one hyperparameter, e.g. --fix cell=lstm (repeatable)")
    tuning.add_argument("--space", metavar="FILE.toml", help="choices/ranges per hyperparameter")
    tuning.add_argument("--tune", metavar="NAME[,NAME...]", help="search only these hyperparameters, e.g. "
                        "--tune units_0,learning_rate,batch_size; every other one is fixed at its default")
    tuning.add_argument("--jit", choices=config_lib.JIT_MODES, default="auto",
                        help="XLA compilation of training steps (auto: Keras's choice, off on a CPU, where it made "
                        "trials 1.3-1.6x slower; on a GPU where the model allows, from 2,000 training examples)")
    tuning.add_argument("--preset", choices=sorted(presets.PRESETS), help="a measured budget and space "
                        f"(options given with it override it): {presets.help_text()}")
    tuning.add_argument("--quick", action="store_true", help="--preset quick")
    console = parser.add_argument_group("console")
    console.add_argument("--verbose", action="store_true", help="KerasTuner's table of every hyperparameter "
                         "at each trial's start (default: one line with those that differ from the best trial)")
    console.add_argument("--quiet", action="store_true", help="one line per trial, no per-epoch lines")
    failures = parser.add_argument_group("failures and resuming")
    failures.add_argument("--max-failures", type=int, default=3, metavar="N", help="stop the search "
                          "(state saved) when N trials in a row have failed (default 3)")
    failures.add_argument("--max-crashes", type=int, default=3, metavar="N", help="mark a trial "
                          "FAILED once its process has died N times while running it (default 3)")
    failures.add_argument("--extend-budget", action="store_true", help="resume a search with a "
                          "different --max-trials (other changed settings need --overwrite)")
    scale = parser.add_argument_group("distributed search (KerasTuner's chief and workers; "
                                      "or its KERASTUNER_* variables)")
    scale.add_argument("--role", choices=(roles.CHIEF, roles.WORKER), help="chief: serve the search's "
                       "oracle and export the best model; worker: run trials for the chief. Every process "
                       "gets the same options and the same --logdir (a shared filesystem across hosts)")
    scale.add_argument("--oracle", metavar="HOST:PORT", help="the chief's address (the chief listens on it; "
                       "0.0.0.0:PORT for every interface)")
    scale.add_argument("--worker-id", metavar="NAME", help="a worker's unique name; restarted under the same "
                       "name, it takes its trial back")
    scale.add_argument("--worker-timeout", type=float, metavar="S", help="chief: re-queue the trial of a "
                       f"worker silent this long (default {roles.DEFAULT_WORKER_TIMEOUT:.0f} s)")
    scale.add_argument("--chief-timeout", type=float, metavar="S", help="worker: stop, state saved, when the "
                       f"chief has not answered this long (default {roles.DEFAULT_CHIEF_TIMEOUT:.0f} s)")
    device = parser.add_argument_group("devices")
    device.add_argument("--gpus", metavar="IDS", help="GPUs this process trains on, e.g. 0 or 0,1 (one per "
                        "worker pins workers to GPUs); none: the CPU only (default: every GPU)")
    device.add_argument("--mixed-precision", action="store_true", help="float16 compute on a GPU, bfloat16 on "
                        "a CPU; outputs and losses stay float32")
    device.add_argument("--strategy", choices=devices.STRATEGIES, default="default", help="mirrored: each "
                        "trial trains on every visible GPU; batch_size is then the global batch, split "
                        "evenly over the GPUs (default: one device)")
    output = parser.add_argument_group("output")
    output.add_argument("--logdir", default="logs", help="root of all outputs (default logs/)")
    output.add_argument("--project", help="subdirectory of LOGDIR (default: the dataset name)")
    output.add_argument("--overwrite", action="store_true", help="discard an earlier search and start afresh")
    output.add_argument("--export-only", action="store_true", help="export from a finished search, no tuning")
    output.add_argument("--no-refit", action="store_true", help="export the best trial's own "
                        "weights instead of refitting on train + validation")
    output.add_argument("--no-base-fallback", action="store_true", help="timeseries: export the best "
                        "trial's network even where its base alone (e.g. the seasonal-naive forecast) scored a "
                        "lower validation MAE (by default that base is exported instead)")
    output.add_argument("--baselines", choices=config_lib.BASELINE_MODES, default="all", help="all: fit the "
                        "classical models a practitioner tries first on the same training data and score them on "
                        "the same test part (text: TF-IDF + logistic regression; timeseries: AutoETS and "
                        "AutoARIMA); none: skip them (default all)")
    output.add_argument("--ensemble", type=int, metavar="K", help="export the average of the K best trials "
                        "with distinct hyperparameters, each refit (K times the refit's cost); classes and "
                        "sequences, not forecasts (default 1)")
    return parser


def _steps(text: str) -> int | float:
    """A number of steps, or a fraction of the rows ("0.2")."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number of steps or a fraction. Received: {text!r}") from None


def _hyperparameters_help() -> str:
    lines = [f"Hyperparameters ({', '.join(task.datasets)}): " + ", ".join(SearchSpace(task.params).names)
             for task in tasks.TASKS.values()]
    return "\n".join(map(_wrap, lines))


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=100, subsequent_indent="  ")
