"""One preset end to end on IMDB: wall time, test accuracy and the time to first reach a validation accuracy.

Runs `python -m kt_rnn.search imdb --preset NAME` as a subprocess (search, refit on
train + validation, test and export all included, as a user runs it), then reads
`best/metrics.json` for the test accuracy and the per-epoch validation accuracy of
every trial from its TensorBoard run (TensorBoard's own reader, with each event's
wall time) for the time at which the search first reached `--target-val`.

Exits 1 when the preset misses `--target-test` or `--budget-min`, so it is itself a
check of the preset's promise (issue 10: imdb-best >= 0.89 test in <= 60 min).

    python bench/preset.py --preset imdb-best --json /tmp/preset.json
"""

import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
IMDB = pathlib.Path(os.environ.get("KT_RNN_DATA", REPO.parent / "shared" / "data" / "aclImdb_v1.tar.gz"))


def validation_curve(tensorboard):
    """`[(wall time, trial, epoch, val accuracy)]` of every trial's epochs, in time order.

    A trial's run is `tensorboard/<id>` (tag `val_accuracy`); searches before 2026-12-05 wrote
    `tensorboard/<id>/execution0/validation` (tag `epoch_accuracy`).
    """
    from tensorboard.backend.event_processing import event_accumulator

    runs = [(run, run.name, "val_accuracy") for run in sorted(tensorboard.iterdir()) if run.is_dir()]
    runs += [
        (run, run.parent.parent.name, "epoch_accuracy") for run in sorted(tensorboard.glob("*/execution*/validation"))
    ]
    points = []
    for run, trial, tag in runs:
        events = event_accumulator.EventAccumulator(str(run), size_guidance={"tensors": 0})
        events.Reload()
        if tag not in events.Tags()["tensors"]:
            continue
        for event in events.Tensors(tag):
            value = float(event.tensor_proto.float_val[0]) if event.tensor_proto.float_val else _scalar(event)
            points.append((event.wall_time, trial, event.step + 1, value))
    return sorted(points)


def _scalar(event):
    import numpy as np
    from tensorboard.util import tensor_util

    return float(np.asarray(tensor_util.make_ndarray(event.tensor_proto)))


def first_reach(points, started, target):
    """Seconds from `started` to the first epoch at or above `target`, with its trial and epoch, or None."""
    for wall, trial, epoch, value in points:
        if value >= target:
            return {"seconds": wall - started, "trial": trial, "epoch": epoch, "val_accuracy": value}
    return None


def run(preset, seed, work, extra):
    started_wall, started = time.time(), time.perf_counter()
    log = work / "search.log"
    command = [
        sys.executable,
        "-m",
        "kt_rnn.search",
        "imdb",
        "--data",
        str(IMDB),
        "--preset",
        preset,
        "--seed",
        str(seed),
        "--logdir",
        str(work / "logs"),
        *extra,
    ]
    with open(log, "w") as out:
        code = subprocess.run(command, cwd=REPO, stdout=out, stderr=subprocess.STDOUT).returncode
    command_s = time.perf_counter() - started
    if code:
        sys.exit(f"kt_rnn.search failed with exit code {code}; see {log}:\n{log.read_text()[-3000:]}")
    project = work / "logs" / "imdb"
    metrics = json.loads((project / "best" / "metrics.json").read_text())
    return started_wall, command_s, metrics, validation_curve(project / "tensorboard")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="imdb-best")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--target-val", type=float, default=0.88)
    parser.add_argument("--target-test", type=float, default=0.89)
    parser.add_argument("--budget-min", type=float, default=60.0)
    parser.add_argument("--json", type=pathlib.Path, help="write the figures here")
    parser.add_argument("--kt-rnn-args", default="", help="extra kt_rnn.search options (experiments)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="preset_") as work:
        started, command_s, metrics, points = run(args.preset, args.seed, pathlib.Path(work), args.kt_rnn_args.split())
    figures = {
        "preset": args.preset,
        "seed": args.seed,
        "command_s": round(command_s, 1),
        "timings": metrics["timings"],
        "test_accuracy": metrics["test"]["accuracy"],
        "best_val_accuracy": metrics["best_validation_score"],
        f"first_val_{args.target_val}": first_reach(points, started, args.target_val),
        "epochs": [
            {"trial": t, "epoch": e, "val_accuracy": round(v, 4), "at_s": round(w - started, 1)}
            for w, t, e, v in points
        ],
    }
    print(json.dumps(figures, indent=1))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1))
    met = figures["test_accuracy"] >= args.target_test and command_s <= 60 * args.budget_min
    print(
        f"{args.preset}: test accuracy {figures['test_accuracy']:.4f} in {command_s / 60:.1f} min; "
        + ("targets met" if met else f"a target is missed (>= {args.target_test}, <= {args.budget_min} min)")
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
