"""A few thousand texts: kt_rnn's default search beside the TF-IDF baseline it fits in the same run.

Samples `--train-size` training reviews (default 4,000: 3,200 train / 800 validation) and
`--test-size` test reviews (default 1,000) from the shared IMDB archive with kt_rnn's own seeded,
stratified sampling, runs `kt_rnn.tune` with nothing else given (the default search, refit and
export, and TF-IDF + logistic regression on the same texts), and prints the wall time by phase,
the trials, the network's test accuracy and the baseline's. `--repeats N` runs seeds 42, 43, ...
and reports medians [min-max]. `--time-limit` and `--extra KEY=VALUE` are for experiments.

    python bench/text_small.py --repeats 3 --json /tmp/text_small.json
    python bench/text_small.py --time-limit 5m --train-size 25000 --test-size 25000   # full IMDB, bounded
"""

import argparse
import json
import os
import pathlib
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from forecast_corpus import extras  # noqa: E402  (bench/ is the script's directory)

IMDB = pathlib.Path(os.environ.get("KT_RNN_DATA", REPO.parent / "shared" / "data" / "aclImdb_v1.tar.gz"))
FIRST_SEED = 42


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-size", type=int, default=4_000, help="training + validation reviews (default 4000)")
    parser.add_argument("--test-size", type=int, default=1_000, help="test reviews (default 1000)")
    parser.add_argument("--repeats", type=int, default=1, metavar="N", help="searches, seeds 42, 43, ...")
    parser.add_argument(
        "--first-seed",
        type=int,
        default=FIRST_SEED,
        metavar="SEED",
        help=f"the first search's seed (default {FIRST_SEED}): seeds split across processes",
    )
    parser.add_argument("--time-limit", help="passed to kt_rnn.tune (experiments)")
    parser.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="another kt_rnn.tune option (experiments), e.g. --extra jit=off",
    )
    parser.add_argument("--json", type=pathlib.Path, metavar="FILE", help="write every run's figures here")
    return parser.parse_args(argv)


def options(args):
    """What `kt_rnn.tune` gets beside the data, logdir and seed."""
    chosen = {"train_size": args.train_size, "test_size": args.test_size}
    if args.time_limit:
        chosen["time_limit"] = args.time_limit
    chosen.update(extras(args.extra))  # the forecasting corpus's reading of --extra KEY=VALUE
    return chosen


def run(seed, chosen, logdir):
    """One search; its figures."""
    import kt_rnn

    started = time.perf_counter()
    result = kt_rnn.tune(str(IMDB), dataset="imdb", logdir=str(logdir), seed=seed, quiet=True, **chosen)
    seconds = time.perf_counter() - started
    m = result.metrics
    baseline = (m["test"].get("baselines") or {}).get("tfidf_logreg", {})
    return {
        "seed": seed,
        "seconds": round(seconds, 1),
        "timings": m.get("timings"),
        "trials": m["trials"],
        "accuracy": m["test"]["accuracy"],
        "baseline_accuracy": baseline.get("accuracy"),
        "validation": m["best_validation_score"],
        "tuner": m["tuner"],
        "plan": m.get("plan"),
    }


def _spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return "n/a"
    return f"{statistics.median(values):.4g} [{min(values):.4g}-{max(values):.4g}]"


def main(argv=None):
    args = parse_args(argv)
    chosen = options(args)
    root = pathlib.Path(tempfile.mkdtemp(prefix="kt_rnn_text_small_"))
    try:
        seeds = range(args.first_seed, args.first_seed + args.repeats)
        runs = [run(seed, chosen, root / f"seed{seed}") for seed in seeds]
    finally:
        shutil.rmtree(root, ignore_errors=True)
    for r in runs:
        timings = [(name.removesuffix("_s"), s) for name, s in (r["timings"] or {}).items() if name.endswith("_s")]
        phases = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in timings)
        print(
            f"seed {r['seed']}: {r['seconds']:.0f} s ({phases}); trials {r['trials'].get('completed')} completed; "
            f"test accuracy {r['accuracy']:.4f}, TF-IDF + logistic regression {r['baseline_accuracy']}"
        )
    print(
        f"wall s {_spread([r['seconds'] for r in runs])} | test accuracy {_spread([r['accuracy'] for r in runs])} "
        f"| baseline {_spread([r['baseline_accuracy'] for r in runs])} | options {chosen}"
    )
    print(f"{os.cpu_count()} CPU cores, Python {platform.python_version()}")
    if args.json:
        args.json.write_text(json.dumps({"options": chosen, "runs": runs}, indent=1))
    return 0


if __name__ == "__main__":
    # A stopped run (kill, a scheduler's SIGTERM) removes its temporary directory as Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    sys.exit(main())
