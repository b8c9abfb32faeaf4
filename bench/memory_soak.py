"""Memory soak: one search of many tiny trials in one process; RSS growth per trial.

Runs `kt_rnn.search.pipeline.run` on a synthetic aclImdb tree (the tests' `write_reviews`)
and reads the resident set size (VmRSS) after every trial. The growth after
warm-up is the least-squares slope of RSS against trial index; the script exits
1 when it exceeds `--limit-mb`, so it is itself a check.

    python bench/memory_soak.py --trials 100 --json /tmp/soak.json
"""

import argparse
import gc
import json
import pathlib
import shutil
import sys
import tempfile
import time

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]


def rss_mb():
    """Resident set size of this process in MB, from /proc/self/status (VmRSS)."""
    for line in pathlib.Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status (Linux only)")


def parse_args(argv):
    """Parses the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=100, help="trials in the search")
    parser.add_argument("--warmup", type=int, default=10, help="trials left out of the slope")
    parser.add_argument("--logdir", type=pathlib.Path, help="default: a temporary directory removed at the end")
    parser.add_argument("--json", type=pathlib.Path, metavar="FILE", help="write the per-trial RSS series here")
    parser.add_argument("--limit-mb", type=float, default=2.0, help="largest accepted slope, MB per trial")
    return parser.parse_args(argv)


def make_config(data_dir, logdir, trials):
    """The search's `Config`, built as the CLI builds it."""
    from kt_rnn import config as config_lib
    from kt_rnn.options import build_parser

    args = [
        "imdb",
        "--data",
        str(data_dir),
        "--logdir",
        str(logdir),
        "--tuner",
        "random",
        "--max-trials",
        str(trials),
        "--max-epochs",
        "1",
        "--sequence-length",
        "16",
        "--fix",
        "embedding_dim=8",
        "--fix",
        "num_layers=1",
        "--no-refit",
        "--max-failures",
        str(trials),
    ]
    return config_lib.Config.from_args(build_parser().parse_args(args))


def record_rss(series):
    """Wraps `kt_rnn.tuners.build` so each ended trial appends (trial id, status, RSS MB) to `series`.

    It wraps the tuner's `on_trial_end` rather than its `on_trial_done`, which the
    pipeline sets after `build` (for progress lines) and would replace.
    """
    from kt_rnn.search import tuners

    original = tuners.build

    def build(config, hypermodel):
        tuner = original(config, hypermodel)
        on_trial_end = tuner.on_trial_end

        def recording_on_trial_end(trial):
            try:
                on_trial_end(trial)
            finally:
                gc.collect()
                status = tuner.oracle.get_trial(trial.trial_id).status
                series.append({"trial": trial.trial_id, "status": status, "rss_mb": rss_mb()})

        tuner.on_trial_end = recording_on_trial_end  # an instance attribute: KerasTuner calls self.on_trial_end
        return tuner

    tuners.build = build


def figures(rss, warmup):
    """Slopes (MB/trial: least squares, Theil-Sen), median step, growth after warm-up, peak."""
    tail = np.asarray(rss[warmup:], dtype=float)
    if len(tail) < 3:
        raise SystemExit(f"only {len(rss)} trials ran; need more than warm-up ({warmup}) + 2")
    slope = np.polyfit(np.arange(warmup, len(rss)), tail, 1)[0]
    i, j = np.triu_indices(len(tail), k=1)  # Theil-Sen: median slope over all pairs of trials
    theil_sen = np.median((tail[j] - tail[i]) / (j - i))
    return {
        "slope_mb_per_trial": float(slope),
        "theil_sen_mb_per_trial": float(theil_sen),
        "median_step_mb": float(np.median(np.diff(tail))),
        "growth_after_warmup_mb": float(tail[-1] - tail[0]),
        "peak_mb": float(max(rss)),
    }


def soak(args, logdir):
    """Runs the search under `logdir`; returns the per-trial series, RSS before the search, and seconds."""
    sys.path.insert(0, str(REPO / "tests"))
    from conftest import write_reviews
    from kt_rnn.search import pipeline

    series = []
    record_rss(series)
    data_dir = write_reviews(logdir / "data")
    config = make_config(data_dir, logdir / "runs", args.trials)
    before = rss_mb()
    started = time.perf_counter()
    pipeline.run(config)
    return series, before, time.perf_counter() - started


def report(series, before, seconds, args):
    """Prints the table; returns the figures."""
    result = figures([row["rss_mb"] for row in series], args.warmup)
    failed = sum(row["status"] != "COMPLETED" for row in series)
    result.update(
        trials_run=len(series), trials_failed=failed, warmup=args.warmup, rss_before_search_mb=before, wall_s=seconds
    )
    print(f"\n{'trials run (failed)':<32}{len(series)} ({failed})")
    print(f"{'RSS before search':<32}{before:.1f} MB")
    print(f"{'RSS after warm-up trial':<32}{series[args.warmup]['rss_mb']:.1f} MB")
    print(f"{'slope after warm-up':<32}{result['slope_mb_per_trial']:.3f} MB/trial (limit {args.limit_mb})")
    print(f"{'Theil-Sen slope after warm-up':<32}{result['theil_sen_mb_per_trial']:.3f} MB/trial")
    print(f"{'median per-trial difference':<32}{result['median_step_mb']:.3f} MB")
    print(f"{'growth after warm-up':<32}{result['growth_after_warmup_mb']:.1f} MB")
    print(f"{'peak RSS':<32}{result['peak_mb']:.1f} MB")
    print(f"{'wall time':<32}{seconds:.0f} s ({seconds / max(len(series), 1):.2f} s/trial)")
    return result


def main(argv=None):
    """Runs the soak; returns 0 when the slope is within `--limit-mb`, else 1."""
    args = parse_args(argv)
    logdir = args.logdir or pathlib.Path(tempfile.mkdtemp(prefix="kt_rnn_soak_"))
    try:
        series, before, seconds = soak(args, logdir)
    finally:
        if args.logdir is None:
            shutil.rmtree(logdir, ignore_errors=True)
    result = report(series, before, seconds, args)
    if args.json:
        args.json.write_text(json.dumps({"figures": result, "series": series}, indent=1))
    return 0 if result["slope_mb_per_trial"] <= args.limit_mb else 1


if __name__ == "__main__":
    sys.exit(main())
