"""The search's options, as one table (`table()`), and what is built from it.

Each row (`kt_rnn.option.Option`) says an option's name, type, default, help,
group, the tasks it applies to, whether it is part of the search's identity
(`search.json`), and its validation. The rows common to every task are `COMMON`;
each task declares its own (`kt_rnn.tasks.Task.options`). From the table come
the command line's parser (`build_parser`), the values `kt_rnn.tune` and run
files give (`resolve`, `convert`), `--help`'s groups and the run file's form.
Adding an option is adding a row.

The parser matches options exactly and answers a near miss with "did you mean":
argparse would take `--tune units_0` as `--tuner units_0` (an abbreviation), so a
mistyped or newly added option could silently become another one.

Pure Python: no TensorFlow, Keras or KerasTuner import.
"""

import argparse
import difflib
import json
import os
import re
import sys
import textwrap
from collections.abc import Mapping
from typing import Any, NoReturn

from hypermodels.space import SearchSpace
from kt_rnn import objectives, presets, tasks
from kt_rnn.errors import UsageError
from kt_rnn.option import POSITIONAL, REPEAT, SWITCH, Option, duration, seconds, steps  # noqa: F401  (the table's own)
from kt_rnn.runtime import devices, roles
from kt_rnn.search import kinds

TUNERS = tuple(kinds.KINDS)
OBJECTIVES = tuple(objectives.OBJECTIVES)
JIT_MODES = ("auto", "on", "off")
BASELINE_MODES = ("all", "none")  # the classical models fitted beside the network (kt_rnn.tasks.baselines)

# --help's groups, in order: {group: title}. Options of the group "" come first, untitled; a task's own
# group (its title is its key) comes after "data".
GROUPS = {
    "": "",
    "data": "data",
    "tuning": "tuning",
    "console": "console",
    "failures": "failures and resuming",
    "distributed": "distributed search (KerasTuner's chief and workers; or its KERASTUNER_* variables)",
    "devices": "devices",
    "output": "output",
}


def _dataset() -> Option:
    """The positional: its choices are the datasets of the tasks registered now."""
    return Option(
        "dataset",
        "imdb (the IMDB reviews), text (your texts: --data FOLDER or FILE.csv), sequence (your "
        "numeric sequences: --data FILE.npz), timeseries (a series to forecast: --data FILE.csv --target "
        "COLUMN); or `dataset = ...` in --config",
        kind=POSITIONAL,
        choices=tasks.datasets(),
        identity=True,
    )


# The options of every task, in --help's order; each task adds its own (`kt_rnn.tasks.Task.options`).
COMMON: tuple[Option, ...] = (
    Option(
        "config",
        'run file: any option below as `name = value` (e.g. max-trials = 20, fix = ["cell=lstm"]); '
        "options given here override it. The resolved options are saved as LOGDIR/PROJECT/config.toml",
        metavar="FILE.toml",
        saved=False,
    ),
    # data
    Option(
        "data",
        "imdb: an aclImdb directory or aclImdb_v1.tar.gz (default: $KT_RNN_DATA, else a cached "
        "download); text: a folder with one subfolder of .txt files per class, or a CSV/TSV table; sequence: "
        "an .npz with x and y (optional x_test, y_test)",
        "data",
        metavar="PATH",
        path=True,
    ),
    Option(
        "test_split",
        "text, sequence: fraction held out for the test score when the data has no test part (default 0.2)",
        "data",
        float,
        0.2,
        metavar="F",
        identity=True,
        fraction=True,
    ),
    Option(
        "validation_split",
        "fraction of the training split held out for selection (default 0.2)",
        "data",
        float,
        0.2,
        metavar="F",
        identity=True,
        fraction=True,
    ),
    Option(
        "train_size",
        "use N training examples (default all)",
        "data",
        int,
        metavar="N",
        identity=True,
        minimum=1,
        preset=True,
    ),
    Option(
        "test_size",
        "score on N test examples (default all); timeseries: the last N steps (or a fraction) are the test part",
        "data",
        steps,
        metavar="N",
        identity=True,
        minimum=1,
        steps=True,
        preset=True,
    ),
    Option(
        "max_tokens",
        "text: vocabulary size (default 20000)",
        "data",
        int,
        20_000,
        metavar="N",
        identity=True,
        minimum=3,
        preset=True,
    ),
    Option(
        "sequence_length",
        "text: tokens per text (default 200)",
        "data",
        int,
        200,
        metavar="N",
        identity=True,
        minimum=1,
        preset=True,
    ),
    # tuning
    Option(
        "tuner",
        "the search algorithm (default hyperband)",
        "tuning",
        default="hyperband",
        choices=TUNERS,
        identity=True,
        preset=True,
    ),
    Option(
        "max_trials",
        f"trial budget (default {kinds.DEFAULT_MAX_TRIALS}; Hyperband: its full schedule unless given)",
        "tuning",
        int,
        metavar="N",
        minimum=1,
        preset=True,
    ),
    Option(
        "max_epochs",
        "epochs per trial at most (default 10; a short series: planned from its training windows, up to 100)",
        "tuning",
        int,
        10,
        metavar="N",
        identity=True,
        minimum=1,
        preset=True,
    ),
    Option("factor", "Hyperband reduction factor (default 3)", "tuning", int, 3, metavar="N", minimum=2, preset=True),
    Option(
        "time_limit",
        "end the search within this time (90s, 10m, 1h, 1h30m): no trial starts that the time "
        "left cannot hold (judged by the trials this run has timed) and a trial still running at the limit "
        "stops after its epoch; the refit and export follow. Default: no limit",
        "tuning",
        seconds,
        metavar="DURATION",
    ),
    Option(
        "executions_per_trial",
        "models trained per trial, their validation scores averaged (default 1)",
        "tuning",
        int,
        1,
        metavar="N",
        identity=True,
        minimum=1,
    ),
    Option(
        "objective",
        "what trials are ranked by (default: val_accuracy for classification, val_loss for "
        "regression; val_auc: binary only; val_macro_f1 for imbalanced classes; val_mae: regression)",
        "tuning",
        choices=OBJECTIVES,
        identity=True,
    ),
    Option(
        "patience",
        "non-Hyperband trials stop after N epochs without a lower validation loss (default 3)",
        "tuning",
        int,
        3,
        metavar="N",
        minimum=1,
        preset=True,
    ),
    Option(
        "ema",
        "average the weights over the last steps (Keras's use_ema) with this momentum, e.g. 0.99 (about "
        "the last 100 steps); validation scores the average and the export keeps it (default: off)",
        "tuning",
        float,
        metavar="MOMENTUM",
        fraction=True,
        identity=True,
        preset=True,
    ),
    Option(
        "seed",
        "seeds the splits, the tuner's draws and the weights' initialization (default 42)",
        "tuning",
        int,
        42,
        identity=True,
    ),
    Option(
        "fix",
        "fix one hyperparameter, e.g. --fix cell=lstm (repeatable)",
        "tuning",
        default=(),
        metavar="NAME=VALUE",
        kind=REPEAT,
    ),
    Option("space", "choices/ranges per hyperparameter", "tuning", metavar="FILE.toml", path=True),
    Option(
        "tune",
        "search only these hyperparameters, e.g. --tune units_0,learning_rate,batch_size; every other "
        "one is fixed at its default",
        "tuning",
        metavar="NAME[,NAME...]",
    ),
    Option(
        "jit",
        "XLA compilation of training steps (auto: Keras's choice, off on a CPU, where it made trials "
        "1.3-1.6x slower; on a GPU where the model allows, from 2,000 training examples)",
        "tuning",
        default="auto",
        choices=JIT_MODES,
    ),
    Option(
        "preset",
        "a measured budget and space (options given with it override it): " + presets.help_text(),
        "tuning",
        choices=tuple(sorted(presets.PRESETS)),
    ),
    Option("quick", "--preset quick", "tuning", default=False, kind=SWITCH),
    # console
    Option(
        "verbose",
        "KerasTuner's table of every hyperparameter at each trial's start (default: one line with "
        "those that differ from the best trial), and a failed trial's whole traceback (default: its reason)",
        "console",
        default=False,
        kind=SWITCH,
    ),
    Option("quiet", "one line per trial, no per-epoch lines", "console", default=False, kind=SWITCH),
    # failures and resuming
    Option(
        "max_failures",
        "stop the search (state saved) when N trials in a row have failed (default 3)",
        "failures",
        int,
        3,
        metavar="N",
        minimum=1,
    ),
    Option(
        "max_crashes",
        "mark a trial FAILED once its process has died N times while running it (default 3)",
        "failures",
        int,
        3,
        metavar="N",
        minimum=1,
    ),
    Option(
        "extend_budget",
        "resume a search with a different --max-trials (other changed settings need --overwrite)",
        "failures",
        default=False,
        kind=SWITCH,
        saved=False,
    ),
    # distributed search
    Option(
        "role",
        "chief: serve the search's oracle and export the best model; worker: run trials for the "
        "chief. Every process gets the same options and the same --logdir (a shared filesystem across hosts)",
        "distributed",
        choices=(roles.CHIEF, roles.WORKER),
        saved=False,
    ),
    Option(
        "oracle",
        "the chief's address (the chief listens on it; 0.0.0.0:PORT for every interface)",
        "distributed",
        metavar="HOST:PORT",
        saved=False,
    ),
    Option(
        "worker_id",
        "a worker's unique name; restarted under the same name, it takes its trial back",
        "distributed",
        metavar="NAME",
        saved=False,
    ),
    Option(
        "worker_timeout",
        f"chief: re-queue the trial of a worker silent this long (default {roles.DEFAULT_WORKER_TIMEOUT:.0f} s)",
        "distributed",
        float,
        metavar="S",
    ),
    Option(
        "chief_timeout",
        "worker: stop, state saved, when the chief has not answered this long (default "
        f"{roles.DEFAULT_CHIEF_TIMEOUT:.0f} s)",
        "distributed",
        float,
        metavar="S",
    ),
    # devices
    Option(
        "gpus",
        "GPUs this process trains on, e.g. 0 or 0,1 (one per worker pins workers to GPUs); none: the "
        "CPU only (default: every GPU)",
        "devices",
        metavar="IDS",
    ),
    Option(
        "mixed_precision",
        "float16 compute on a GPU, bfloat16 on a CPU; outputs and losses stay float32",
        "devices",
        default=False,
        kind=SWITCH,
    ),
    Option(
        "strategy",
        "mirrored: each trial trains on every visible GPU; batch_size is then the global batch, "
        "split evenly over the GPUs (default: one device)",
        "devices",
        default="default",
        choices=devices.STRATEGIES,
    ),
    # output
    Option("logdir", "root of all outputs (default logs/)", "output", default="logs", path=True),
    Option(
        "project",
        "subdirectory of LOGDIR (default: the name of the --data file or folder without its suffix, "
        "e.g. tickets for tickets.csv; imdb for IMDB; the dataset's name for data in memory)",
        "output",
    ),
    Option(
        "overwrite", "discard an earlier search and start afresh", "output", default=False, kind=SWITCH, saved=False
    ),
    Option(
        "export_only", "export from a finished search, no tuning", "output", default=False, kind=SWITCH, saved=False
    ),
    Option(
        "no_refit",
        "export the best trial's own weights instead of refitting on train + validation",
        "output",
        default=False,
        kind=SWITCH,
    ),
    Option(
        "no_base_fallback",
        "timeseries: export the best trial's network even where its base alone (e.g. the "
        "seasonal-naive forecast) scored a lower validation MAE (by default that base is exported instead)",
        "output",
        default=False,
        kind=SWITCH,
    ),
    Option(
        "baselines",
        "all: fit the classical models a practitioner tries first on the same training data and "
        "score them on the same test part (text: TF-IDF + logistic regression; timeseries: AutoETS and "
        "AutoARIMA); none: skip them (default all)",
        "output",
        default="all",
        choices=BASELINE_MODES,
    ),
    Option(
        "ensemble",
        "export the average of the K best trials with distinct hyperparameters, each refit (K "
        "times the refit's cost); a forecast's members each read their own window (default 1; 5 for a "
        "series of fewer than 300 training windows unless --refits is given)",
        "output",
        int,
        1,
        metavar="K",
        minimum=1,
        preset=True,
    ),
    Option(
        "refits",
        "refit each exported trial N times, each from its own seed, and export their mean (N times the "
        "refit's cost): one refit is one draw of the initial weights and the shuffling (default 1)",
        "output",
        int,
        1,
        metavar="N",
        minimum=1,
        preset=True,
    ),
)
# The options a preset may set, with their defaults without one (`None`: no cap / the tuner's choice).
PRESET_DEFAULTS = {option.name: option.default for option in COMMON if option.preset}


def table() -> tuple[Option, ...]:
    """Every option, in --help's order: the dataset, the common options, then each registered task's."""
    return (_dataset(), *COMMON, *(option for task in tasks.TASKS.values() for option in task.options))


def by_name() -> dict[str, Option]:
    """`{name: Option}` of `table()`."""
    return {option.name: option for option in table()}


def identity(task: str | None = None) -> tuple[str, ...]:
    """The names of the options that are part of what a search of `task` is (`search.json`): the common ones,
    the built-in tasks' (the keys every `search.json` has had, `None` where not given) and `task`'s own."""
    rows = [*COMMON]
    for found in tasks.TASKS.values():
        rows += found.options if found.name in tasks.BUILT_IN or found.name == task else ()
    return tuple(option.name for option in rows if option.identity)


def get(key: str, where: str = "", excluded: tuple[str, ...] = (), dashes: bool = False) -> Option:
    """Returns the option `key` names (underscores or dashes); raises `UsageError` listing the valid names.

    Args:
        key: an option's name, e.g. `"max_trials"` or `"max-trials"`.
        where: said in the error after "Unknown option", e.g. `"in run.toml"`.
        excluded: names not valid here (a run file cannot name another run file).
        dashes: the error spells the names with dashes (a run file's, the command line's form).
    """
    name, known = key.replace("-", "_"), by_name()
    if name in known and name not in excluded:
        return known[name]
    names = sorted(option for option in known if option not in excluded)
    if dashes:
        names = [name.replace("_", "-") for name in names]
    close = difflib.get_close_matches(key.replace("_", "-") if dashes else name, names, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    place = f" {where}" if where else ""
    raise UsageError(f"Unknown option{place}: {key!r}. Expected one of {names}.{hint}")


def defaults() -> dict[str, Any]:
    """`{name: value}` of every option as the command line leaves it when not given (`None` for a preset's)."""
    return {option.name: _parser_default(option) for option in table()}


def _parser_default(option: Option) -> Any:
    if option.preset:
        return None  # "not given": a preset's value, else `PRESET_DEFAULTS`, fills it in
    return list(option.default) if option.kind == REPEAT and option.default is not None else option.default


def resolve(values: Mapping[str, Any], where: str = "", excluded: tuple[str, ...] = ()) -> dict[str, Any]:
    """`{name: value}` of every option: `values` (names with underscores or dashes) converted, on the defaults.

    Args:
        values: what `kt_rnn.tune`'s keywords or a run file give.
        where: said in errors after the option's name (`"for kt_rnn.tune"`, `"in run.toml"`).
        excluded: names `values` may not give.

    Raises:
        UsageError: an unknown name (with the closest valid one), a value of the
            wrong type or outside the option's choices.
    """
    resolved = defaults()
    for key, value in values.items():
        option = get(key, where, excluded)
        resolved[option.name] = convert(option, value, key, where)
    return resolved


def settings(values: Mapping[str, Any]) -> dict[str, Any]:
    """The options of `values` worth repeating: `{name: value}`, absolute paths, no one-shot flags or `None`s."""
    resolved: dict[str, Any] = {}
    for name, value in values.items():
        option = get(name)
        if value is None or not option.saved:
            continue
        resolved[name] = os.path.abspath(value) if option.path else value
    return resolved


def convert(option: Option, value: Any, key: str | None = None, where: str = "") -> Any:
    """`value` (a Python or TOML value) as `option` takes it; raises `UsageError` naming `key`, the type and value."""
    key = key or option.name
    if value is None:
        return _parser_default(option)
    if option.kind == SWITCH:
        if not isinstance(value, bool):
            raise _type_error(key, value, "true or false", where)
        return value
    if option.kind == REPEAT:
        if not isinstance(value, (list, tuple)):
            raise _type_error(key, value, f"a list of {_PLURAL.get(option.type, 'values')}", where)
        return [_scalar(option, item, key, where) for item in value]
    return _scalar(option, value, key, where)


_PLURAL: dict[Any, str] = {str: "strings", int: "integers", float: "numbers"}
_SINGULAR: dict[Any, str] = {str: "a string", int: "an integer", float: "a number"}


def _scalar(option: Option, value: Any, key: str, where: str) -> Any:
    converted = _convert(value, option.type)
    place = f" {where}" if where else ""
    if isinstance(converted, argparse.ArgumentTypeError):  # a custom type's own reason, e.g. a bad duration
        raise UsageError(f"{key}{place} {converted}")  # "time-limit in run.toml must be a duration ..."
    if converted is _INVALID:
        raise _type_error(key, value, _SINGULAR.get(option.type, "a value"), where)
    if option.choices is not None and converted not in option.choices:
        raise UsageError(f"Expected {key}{place} to be one of {list(option.choices)}. Received: {key}={_shown(value)}")
    return converted


_INVALID = object()


def _convert(value: Any, type_: Any) -> Any:
    if isinstance(value, (bool, list, tuple, dict)):
        return _INVALID
    if type_ is str:
        return value if isinstance(value, str) else _INVALID
    if type_ is int:
        return value if isinstance(value, int) else _INVALID
    if type_ is float:
        return float(value) if isinstance(value, (int, float)) else _INVALID
    try:  # a custom type: give it the text, as the command line would
        return type_(value if isinstance(value, str) else str(value))
    except argparse.ArgumentTypeError as e:
        return e
    except (ValueError, TypeError):
        return _INVALID


def _type_error(key: str, value: Any, kind: str, where: str) -> UsageError:
    place = f" {where}" if where else ""
    return UsageError(f"Expected {key}{place} to be {kind}. Received: {key}={_shown(value)}")


def _shown(value: Any) -> str:
    """`value` as a run file writes it (`"20"`, `2.5`, `true`), else its repr."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


_UNRECOGNIZED = re.compile(r"unrecognized arguments: (.*)")


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


def prog(script: str, module: str) -> str:
    """The command's name as the user typed it: the console script (`kt-rnn-search`) or `python -m ...`.

    Example:

    >>> prog("kt-rnn-report", "python -m kt_rnn.report") in ("kt-rnn-report", "python -m kt_rnn.report")
    True
    """
    return script if os.path.basename(sys.argv[0]) == script else module


def build_parser() -> Parser:
    """Returns the `argparse.ArgumentParser` of the search command, one argument per row of `table()`."""
    parser = Parser(
        prog=prog("kt-rnn-search", "python -m kt_rnn.search"),
        description="Tune a recurrent network with KerasTuner, log every trial to "
        "TensorBoard and export the best model as a SavedModel that serves raw input "
        "(text, numeric sequences) and answers in the data's own units.",
        epilog=_wrap(
            "Outputs: LOGDIR/PROJECT/{tuner,tensorboard,best}. Re-running the same command resumes the search."
        )
        + "\n"
        + _hyperparameters_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    rows = table()
    own = [option.group for option in rows if option.group not in GROUPS]  # the tasks' own groups: after "data"
    titles = [*list(GROUPS)[:2], *dict.fromkeys(own), *list(GROUPS)[2:]]
    groups = {key: parser.add_argument_group(GROUPS.get(key, key)) if key else parser for key in titles}
    for option in rows:
        _add(groups[option.group], option)
    return parser


def _add(group: Any, option: Option) -> None:
    # argparse formats help with %: a literal percent sign is written twice.
    text = option.help + (" (required)" if option.required else "")
    shown = {"help": text.replace("%", "%%")} if text else {}
    if option.kind == POSITIONAL:
        group.add_argument(option.name, nargs="?", choices=option.choices, **shown)
    elif option.kind == SWITCH:
        group.add_argument(option.flag, action="store_true", **shown)
    else:
        action = "append" if option.kind == REPEAT else "store"
        group.add_argument(
            option.flag,
            action=action,
            default=_parser_default(option),
            choices=option.choices,
            metavar=option.metavar,
            **({} if option.type is str else {"type": option.type}),
            **shown,
        )


def _hyperparameters_help() -> str:
    lines = [
        f"Hyperparameters ({', '.join(task.datasets)}): " + ", ".join(SearchSpace(task.params).names)
        for task in tasks.TASKS.values()
    ]
    return "\n".join(map(_wrap, lines))


def _wrap(text: str) -> str:
    return textwrap.fill(text, width=100, subsequent_indent="  ")
