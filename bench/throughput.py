"""Same-model training throughput: plain `model.fit` on numpy arrays against kt_rnn's input path and levers.

One model (Embedding 64 with masking -> GRU 64 -> Dropout -> sigmoid, Adam 1e-3,
batch 128; the model `RNNClassifier` builds for those hyperparameters) trains on the
IMDB training part (20,000 reviews, 200 tokens, vocabulary 20,000) in each variant:

- `numpy`: `model.fit(x, y, batch_size=128)` on numpy arrays, as a hand-written script does;
- `kt_rnn`: kt_rnn's path (cached `tf.data`, shuffled and batched in `RNNClassifier.fit`);
- `jit`: the kt_rnn path with `jit_compile=True` (XLA);
- `bf16`: the kt_rnn path under the `mixed_bfloat16` policy (this CPU has AVX512-BF16);
- `jit_bf16`: both;
- `bucketed`: the kt_rnn path with each batch cut to its longest review (reviews grouped by
  length with `tf.data`'s `bucket_by_sequence_length`), the model reading any length.

Variants run in rounds (one epoch of warm-up, then `--epochs` timed epochs each, every
variant once per round), so machine noise hits all of them alike; the table gives each
variant's median epoch time [min-max], its speed relative to `numpy` (median of
the per-round ratios), its first epoch (tracing and XLA compilation included) and,
as the numerical check, the validation accuracy it reaches.

    python bench/throughput.py --rounds 2 --epochs 1
"""

import argparse
import os
import pathlib
import statistics
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
IMDB = pathlib.Path(os.environ.get("KT_RNN_DATA", REPO.parent / "shared" / "data" / "aclImdb_v1.tar.gz"))
VARIANTS = ("numpy", "kt_rnn", "jit", "bf16", "jit_bf16", "bucketed")
HP = {
    "cell": "gru",
    "bidirectional": False,
    "num_layers": 1,
    "units_0": 64,
    "embedding_dim": 64,
    "dropout": 0.2,
    "head": "last",
    "optimizer": "adam",
    "learning_rate": 1e-3,
    "batch_size": 128,
}
BATCH = HP["batch_size"]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2, help="rounds of every variant (default 2)")
    parser.add_argument("--epochs", type=int, default=1, help="timed epochs per variant and round (default 1)")
    parser.add_argument("--variants", default=",".join(VARIANTS), help=f"comma-separated among {VARIANTS}")
    return parser.parse_args(argv)


def load():
    """The encoded IMDB training and validation parts as numpy arrays, through kt_rnn's own loader."""
    import numpy as np

    from kt_rnn.config import Config
    from kt_rnn.data import imdb

    config = Config.of("imdb", path=str(IMDB), logdir=tempfile.mkdtemp())
    dataset = imdb.load(config)
    return [_arrays(np, part) for part in (dataset.train, dataset.validation)]


def _arrays(np, part):
    pairs = list(part.batch(4096).as_numpy_iterator())
    return np.concatenate([x for x, _ in pairs]), np.concatenate([y for _, y in pairs]).astype("float32")


def model(variant, sequence_length):
    """The model `RNNClassifier` builds for `HP`; `bucketed` reads any length."""
    import keras
    import keras_tuner

    from hypermodels import space as sp
    from hypermodels.classifier import RNNClassifier

    keras.mixed_precision.set_global_policy("mixed_bfloat16" if "bf16" in variant else "float32")
    fixed = sp.SearchSpace(sp.TEXT_PARAMS).with_domains({k: sp.fixed(v) for k, v in HP.items()})
    hypermodel = RNNClassifier(20_000, sequence_length, space=fixed, seed=1, jit_compile="jit" in variant)
    if variant == "bucketed":  # the same layers on a variable-length input
        hypermodel.sequence_length = 200
        built = hypermodel.build(keras_tuner.HyperParameters())
        inputs = keras.Input(shape=(None,), dtype="int64")
        x = inputs
        for layer in built.layers[1:]:
            x = layer(x)
        built = keras.Model(inputs, x)
        built.compile(optimizer=keras.optimizers.Adam(1e-3), loss="binary_crossentropy", metrics=["accuracy"])
        return hypermodel, built
    return hypermodel, hypermodel.build(keras_tuner.HyperParameters())


def bucketed(x, y):
    """Batches of reviews of similar length, each cut to its longest review."""
    import numpy as np
    import tensorflow as tf

    lengths = np.maximum((x != 0).sum(axis=1), 1)
    data = tf.data.Dataset.from_tensor_slices((x, lengths, y)).shuffle(len(y), seed=1)
    data = data.map(lambda tokens, length, label: (tokens[:length], label))
    return data.bucket_by_sequence_length(
        lambda tokens, _: tf.shape(tokens)[0],
        bucket_boundaries=[50, 100, 150],
        bucket_batch_sizes=[BATCH] * 4,
        pad_to_bucket_boundary=False,
    ).prefetch(-1)


class EpochTimes:
    """Epoch wall times, as a Keras callback."""

    def __new__(cls):
        import keras

        class Callback(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.times = []

            def on_epoch_begin(self, epoch, logs=None):
                self.started = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.times.append(time.perf_counter() - self.started)

        return Callback()


def run(variant, x, y, epochs, validation):
    """Trains one fresh model; returns its epoch times (the first one is the warm-up) and validation accuracy."""
    import tensorflow as tf

    hypermodel, built = model(variant, x.shape[1])
    timer = EpochTimes()
    fit = {"epochs": epochs + 1, "callbacks": [timer], "verbose": 0}
    if variant == "numpy":
        built.fit(x, y, batch_size=BATCH, shuffle=True, **fit)
    elif variant == "bucketed":
        built.fit(bucketed(x, y), **fit)
    else:
        import keras_tuner

        data = tf.data.Dataset.from_tensor_slices((x, y)).cache()
        hypermodel.fit(keras_tuner.HyperParameters(), built, data, **fit)
    _, accuracy = built.evaluate(*validation, batch_size=512, verbose=0)
    return timer.times, accuracy


def main(argv=None):
    args = parse_args(argv)
    variants = args.variants.split(",")
    (x, y), validation = load()
    print(f"{len(y)} reviews x {x.shape[1]} tokens, batch {BATCH}; mean tokens {(x != 0).sum(1).mean():.0f}")
    times = {v: [] for v in variants}
    ratios = {v: [] for v in variants}
    firsts = {v: [] for v in variants}
    accuracies = {v: [] for v in variants}
    for round_ in range(args.rounds):
        for variant in variants:
            (first, *epoch_times), accuracy = run(variant, x, y, args.epochs, validation)
            times[variant] += epoch_times
            firsts[variant].append(first)
            accuracies[variant].append(accuracy)
            print(
                f"round {round_ + 1} {variant:<9} {statistics.median(epoch_times):6.1f} s/epoch, "
                f"first {first:.1f} s, val accuracy {accuracy:.4f}",
                flush=True,
            )
        for variant in variants:
            ratios[variant].append(times["numpy"][-1] / times[variant][-1] if "numpy" in variants else 1.0)
    print(f"\n{'variant':<10} {'s/epoch [min-max]':<20} {'speed vs numpy':<20} {'first epoch':<12} val accuracy")
    for v in variants:
        t, r = times[v], ratios[v]
        print(
            f"{v:<10} {statistics.median(t):5.1f} [{min(t):.1f}-{max(t):.1f}]{'':<6} "
            f"{statistics.median(r):.2f}x [{min(r):.2f}-{max(r):.2f}]{'':<5} "
            f"{statistics.median(firsts[v]):5.1f} s{'':<5} {statistics.median(accuracies[v]):.4f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
