"""Forecasting benchmark: a tuned RNN against the naive and seasonal-naive forecasts on two real series.

For each series, one `kt_rnn.tune(..., dataset="timeseries")` search (search, refit
on train + validation, export) into a temporary logdir, timed; then the test-window
scores of `best/metrics.json`: the model's, the naive forecast's and the seasonal-naive
forecast's MAE, RMSE and MASE, and the model's skill over each baseline. With
`--repeats N` the search runs N times with seeds 42, 43, ... and each figure is
reported as the median [min-max]. The script exits 1 when the model's median MAE does
not beat the seasonal-naive MAE on every series, so it is itself a check.

    python bench/forecast.py --series both --repeats 3 --json /tmp/forecast.json

The settings of each series are in `SERIES` below and are passed to `kt_rnn.tune`
explicitly, so the figures do not move when a default does. `--tuner`,
`--max-trials`, `--max-epochs`, `--patience`, `--stride`, `--fix` and `--space` override
them for experiments (the figures in BENCHMARKS.md use none of them).
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import shutil
import statistics
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
DATA = pathlib.Path(os.environ.get("KT_RNN_SERIES", REPO.parent / "shared" / "data" / "timeseries"))
FIRST_SEED = 42

# Batches that suit a few hundred windows (the default 32/64/128 gives airline's ~50 training
# windows one or two steps an epoch), and a learning rate range that starts where such small runs learn.
SMALL_DATA_SPACE = """\
[batch_size]
values = [8, 16, 32]
default = 16

[learning_rate]
min_value = 3e-4
max_value = 1e-2
sampling = "log"
default = 3e-3
"""

# The settings of each series: what `kt_rnn.tune` receives beside the data, logdir and seed.
SERIES = {
    "airline": {
        "file": "airline-passengers.csv",
        "target": "Passengers",
        "date_column": "Month",
        "horizon": 12,
        "season": 12,
        "stride": 1,
        "tuner": "bayesian",
        "max_trials": 15,
        "max_epochs": 60,
        "patience": 10,
        "fix": [],
        "space": SMALL_DATA_SPACE,
    },
    "temperatures": {
        "file": "daily-min-temperatures.csv",
        "target": "Temp",
        "date_column": "Date",
        "horizon": 7,
        "season": 365,
        "stride": 1,
        "tuner": "bayesian",
        "max_trials": 8,
        "max_epochs": 20,
        "patience": 4,
        "fix": [],
        "space": None,  # ~2,500 training windows: the default batches 32/64/128 suit it
    },
}
METHODS = (("model", "model"), ("naive", "naive"), ("seasonal_naive", "seasonal naive"))
OVERRIDES = ("tuner", "max_trials", "max_epochs", "patience", "stride")


def parse_args(argv):
    """Parses the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--series", choices=(*SERIES, "both"), default="both", help="which series (default both)")
    parser.add_argument("--repeats", type=int, default=1, metavar="N", help="searches per series, seeds 42, 43, ...")
    parser.add_argument("--json", type=pathlib.Path, metavar="FILE", help="write every run's figures here")
    parser.add_argument("--logdir", type=pathlib.Path, help="default: a temporary directory removed at the end")
    experiments = parser.add_argument_group("experiments (override the settings of SERIES)")
    experiments.add_argument("--tuner", choices=("random", "bayesian", "hyperband", "grid"))
    experiments.add_argument("--max-trials", type=int, metavar="N")
    experiments.add_argument("--max-epochs", type=int, metavar="N")
    experiments.add_argument("--patience", type=int, metavar="N")
    experiments.add_argument("--stride", type=int, metavar="N")
    experiments.add_argument(
        "--fix", action="append", default=[], metavar="NAME=VALUE", help="added to the series' fixes"
    )
    experiments.add_argument("--space", type=pathlib.Path, metavar="FILE.toml", help="replaces the series' space")
    experiments.add_argument("--default-space", action="store_true", help="use the task's default space, no --space")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1. Received: {args.repeats}")
    return args


def settings(name, args):
    """The series' settings with the experiment overrides of `args` applied."""
    chosen = dict(SERIES[name])
    chosen.update({key: getattr(args, key) for key in OVERRIDES if getattr(args, key) is not None})
    chosen["fix"] = [*chosen["fix"], *args.fix]
    if args.default_space:
        chosen["space"] = None
    elif args.space:
        chosen["space"] = args.space.read_text()
    return chosen


def search(name, chosen, seed, logdir):
    """One search of series `name` under `logdir`; returns its figures."""
    import kt_rnn

    space_file = None
    if chosen["space"]:
        space_file = logdir / f"{name}_space.toml"
        space_file.write_text(chosen["space"])
    options = {
        key: chosen[key]
        for key in (
            "target",
            "date_column",
            "horizon",
            "season",
            "stride",
            "tuner",
            "max_trials",
            "max_epochs",
            "patience",
            "fix",
        )
    }
    if chosen["tuner"] == "hyperband":
        options.pop("max_trials")
    started = time.perf_counter()
    space = str(space_file) if space_file else None
    result = kt_rnn.tune(
        str(DATA / chosen["file"]),
        dataset="timeseries",
        space=space,
        seed=seed,
        logdir=str(logdir),
        project=f"{name}_{seed}",
        overwrite=True,
        **options,
    )
    seconds = time.perf_counter() - started
    test, hp = result.metrics["test"], result.best_hyperparameters
    figures = {
        f"{method}_{error}": float(test[method][error]) for method, _ in METHODS for error in ("mae", "rmse", "mase")
    }
    figures.update(
        skill_vs_naive_pct=100 * test["skill"]["mae_vs_naive"],
        skill_vs_seasonal_naive_pct=100 * test["skill"]["mae_vs_seasonal_naive"],
        windows=int(test["windows"]),
        wall_s=seconds,
    )
    return {
        "seed": seed,
        "figures": figures,
        "window": hp.get("window"),
        "cell": hp.get("cell"),
        "best_hyperparameters": hp,
    }


def spread(values, digits):
    """`median [min-max]` of `values` (just the value when there is one)."""
    text = f"{statistics.median(values):.{digits}f}"
    if len(values) > 1:
        text += f" [{min(values):.{digits}f}–{max(values):.{digits}f}]"
    return text


def rows(runs):
    """The table's rows `(figure, text)` for the runs of one series."""
    first = runs[0]["settings"]
    column = {key: [run["figures"][key] for run in runs] for key in runs[0]["figures"]}
    table = [
        ("horizon / season", f"{first['horizon']} / {first['season']}"),
        ("test windows", str(int(column["windows"][0]))),
    ]
    for method, label in METHODS:
        for error, digits in (("mae", 2), ("rmse", 2), ("mase", 3)):
            table.append((f"{label} {error.upper()}", spread(column[f"{method}_{error}"], digits)))
    table += [
        ("skill vs naive (%)", spread(column["skill_vs_naive_pct"], 1)),
        ("skill vs seasonal naive (%)", spread(column["skill_vs_seasonal_naive_pct"], 1)),
        ("best window, cell", "; ".join(f"{run['window']} {run['cell']}" for run in runs)),
        ("wall time (s)", spread(column["wall_s"], 0)),
    ]
    return table


def space_label(text):
    """A short name for a series' space: the task's default, a named space of this script, or the edits in one line."""
    if not text:
        return "the task's default"
    named = {value: key for key, value in globals().items() if key.endswith("_SPACE") and isinstance(value, str)}
    return named.get(text) or " ".join(line for line in text.splitlines() if line.strip())


def machine():
    """Cores, TensorFlow version and today's date, as one line."""
    import tensorflow as tf

    return (
        f"{os.cpu_count()} CPU cores ({platform.processor() or platform.machine()}), "
        f"{len(tf.config.list_physical_devices('GPU'))} GPU, Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__}, {datetime.date.today().isoformat()}"
    )


def report(results):
    """Prints one markdown table, a column per series; returns the machine line."""
    names = list(results)
    tables = {name: rows(results[name]) for name in names}
    print("\n| figure | " + " | ".join(names) + " |")
    print("| --- |" + " --- |" * len(names))
    for i, (label, _) in enumerate(tables[names[0]]):
        print(f"| {label} | " + " | ".join(tables[name][i][1] for name in names) + " |")
    for name in names:
        chosen = results[name][0]["settings"]
        trials = "its schedule" if chosen["tuner"] == "hyperband" else chosen["max_trials"]
        print(
            f"{name}: tuner {chosen['tuner']}, max trials {trials}, max epochs {chosen['max_epochs']}, "
            f"patience {chosen['patience']}, stride {chosen['stride']}, fix {chosen['fix'] or '-'}, "
            f"space {space_label(chosen['space'])}"
        )
    line = machine()
    print(line)
    return line


def main(argv=None):
    """Runs the searches; returns 0 when the model's median MAE beats the seasonal naive on every series, else 1."""
    args = parse_args(argv)
    names = list(SERIES) if args.series == "both" else [args.series]
    logdir = args.logdir or pathlib.Path(tempfile.mkdtemp(prefix="kt_rnn_forecast_"))
    logdir.mkdir(parents=True, exist_ok=True)
    results = {}
    try:
        for name in names:
            chosen = settings(name, args)
            results[name] = []
            for repeat in range(args.repeats):
                run = search(name, chosen, FIRST_SEED + repeat, logdir)
                run["settings"] = chosen
                results[name].append(run)
                f = run["figures"]
                print(
                    f"[{name} seed {run['seed']}] MAE {f['model_mae']:.3f} | naive {f['naive_mae']:.3f} | "
                    f"seasonal naive {f['seasonal_naive_mae']:.3f} | {f['wall_s']:.0f} s",
                    flush=True,
                )
    finally:
        if args.logdir is None:
            shutil.rmtree(logdir, ignore_errors=True)
    line = report(results)
    beaten = {
        name: statistics.median(run["figures"]["model_mae"] for run in runs)
        < statistics.median(run["figures"]["seasonal_naive_mae"] for run in runs)
        for name, runs in results.items()
    }
    if args.json:
        args.json.write_text(
            json.dumps({"machine": line, "beats_seasonal_naive": beaten, "runs": results}, indent=1, default=str)
        )
    return 0 if all(beaten.values()) else 1


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
