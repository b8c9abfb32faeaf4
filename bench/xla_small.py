"""What XLA costs and saves a search's trial on a small text corpus: the `--jit auto` threshold.

A trial builds a model, compiles it (XLA, or plain tracing without) and trains a few epochs;
Hyperband's first rounds train one or two. XLA saves time per epoch (1.12x on the 20,000 IMDB
training reviews: bench/throughput.py) but compiles each new model, so below some corpus size a
trial is faster without it. For each `--train-size` (training + validation reviews sampled from
the shared IMDB archive, 80 % of them trained on), this builds the model kt_rnn's default
hyperparameters give and trains it `--epochs` epochs with `jit_compile=True` and with `False`,
alternating in `--rounds` rounds so that machine noise hits both alike, and prints per size the
median [min-max] of: the trial's time (build, compile, epochs), its first and its last epoch, and
the ratio of the trial's time with XLA to without (above 1: XLA makes the trial slower).

    python bench/xla_small.py --train-size 4000 12500 --rounds 3
"""

import argparse
import os
import pathlib
import statistics
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
IMDB = pathlib.Path(os.environ.get("KT_RNN_DATA", REPO.parent / "shared" / "data" / "aclImdb_v1.tar.gz"))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train-size", type=int, nargs="+", default=[4_000], help="reviews (default 4000)")
    parser.add_argument("--rounds", type=int, default=3, help="pairs of trials per size (default 3)")
    parser.add_argument("--epochs", type=int, default=2, help="epochs a trial trains (default 2)")
    return parser.parse_args(argv)


def dataset_and_hypermodel(size, logdir):
    """The loaded `size`-review dataset and the default search's task, as a search would have them."""
    from kt_rnn.config import Config
    from kt_rnn.options import build_parser
    from kt_rnn.search import pipeline

    argv = [
        "imdb",
        "--data",
        str(IMDB),
        "--train-size",
        str(size),
        "--test-size",
        "100",
        "--logdir",
        str(logdir),
        "--baselines",
        "none",
    ]
    config = Config.from_args(build_parser().parse_args(argv))
    return config, pipeline._load(config, None), config.task.implementation()


def trial(config, dataset, task, jit, epochs):
    """`(seconds, epoch seconds)` of one trial at the default hyperparameters, XLA on or off."""
    import keras
    import keras_tuner as kt

    epoch_seconds = []

    class Clock(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            epoch_seconds.append(time.perf_counter() - self.started)

    started = time.perf_counter()
    hypermodel = task.hypermodel(config.replace(jit="on" if jit else "off"), dataset)
    hp = kt.HyperParameters()
    model = hypermodel.build(hp)
    hypermodel.fit(
        hp, model, dataset.train, validation_data=dataset.validation, epochs=epochs, verbose=0, callbacks=[Clock()]
    )
    return time.perf_counter() - started, epoch_seconds


def spread(values, unit="s"):
    return f"{statistics.median(values):.1f}{unit} [{min(values):.1f}-{max(values):.1f}]"


def main(argv=None):
    args = parse_args(argv)
    print(f"{os.cpu_count()} CPU cores; {args.rounds} rounds, {args.epochs} epochs a trial")
    print(
        "| reviews | training examples | XLA trial | without | XLA first epoch | without | XLA last epoch | "
        "without | XLA / without |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    with tempfile.TemporaryDirectory() as logdir:
        for size in args.train_size:
            config, dataset, task = dataset_and_hypermodel(size, logdir)
            runs = {True: [], False: []}
            for _ in range(args.rounds):
                for jit in (True, False):
                    runs[jit].append(trial(config, dataset, task, jit, args.epochs))
            seconds = {jit: [total for total, _ in found] for jit, found in runs.items()}
            first = {jit: [epochs[0] for _, epochs in found] for jit, found in runs.items()}
            last = {jit: [epochs[-1] for _, epochs in found] for jit, found in runs.items()}
            ratios = [on / off for on, off in zip(seconds[True], seconds[False])]
            print(
                f"| {size:,} | {dataset.sizes['train']:,} | {spread(seconds[True])} | {spread(seconds[False])} | "
                f"{spread(first[True])} | {spread(first[False])} | {spread(last[True])} | {spread(last[False])} | "
                f"{spread(ratios, 'x')} |",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    sys.exit(main())
