"""A preset's choices made on validation data only: single models and their means, scored on held-out training reviews.

The rule (BENCHMARKS.md's head): the test set is scored once, at the end; every choice is
made on validation data. This bench never reads IMDB's test reviews. For each variant
(options and fixed hyperparameters on top of `--preset`), it builds kt_rnn's own dataset
(the preset's seeded sample of the training reviews and the same stratified validation
part a search holds out) and kt_rnn's own HyperModel, trains one model on the training
part as a trial of the preset does (at most `--epochs` epochs, stopped at the first rise
of the validation loss, the best epoch's weights kept by validation accuracy), then
scores it on the validation part. Every variant sees the same validation reviews in the
same order, so their probabilities can be averaged: each mean of two or more models is
scored too, which is what decides whether an export should average models.

A variant's probabilities are saved under `--work` as it ends; a rerun skips the variants
already there (a 10-minute variant is not trained twice after a kill).

    python bench/choices.py --preset imdb-best --work /tmp/choices --json /tmp/choices.json

Both the model selection and its score use the same validation reviews, as a search's do: a
figure here ranks the variants, and over-rates each of them by the same selection effect.
"""

import argparse
import itertools
import json
import os
import pathlib
import sys
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
IMDB = pathlib.Path(os.environ.get("KT_RNN_DATA", REPO.parent / "shared" / "data" / "aclImdb_v1.tar.gz"))

# name -> (options on top of the preset, fixed hyperparameters, the model's seed or None for the data's)
VARIANTS = {
    "imdb-best": {
        "A": ({}, {"head": "max_pool"}, None),  # the preset's 400 tokens, 20,000 words
        "B": ({"sequence_length": 600, "max_tokens": 40_000}, {"head": "max_pool"}, None),
        "C": ({}, {"head": "max_mean_pool"}, None),
        "A2": ({}, {"head": "max_pool"}, 1042),  # A again from another initialisation and shuffle
        # A and A2 with the weights' moving average (--ema): about the last 100 steps, and the last 200
        "A-ema99": ({"ema": 0.99}, {"head": "max_pool"}, None),
        "A2-ema99": ({"ema": 0.99}, {"head": "max_pool"}, 1042),
        "A-ema995": ({"ema": 0.995}, {"head": "max_pool"}, None),
        "A2-ema995": ({"ema": 0.995}, {"head": "max_pool"}, 1042),
        # A-ema99 and A2-ema99 with a convolution before the recurrent layer (128 filters, five tokens, pooled by 2)
        "A-conv-ema99": ({"ema": 0.99}, {"head": "max_pool", "conv_filters": 128}, None),
        "A2-conv-ema99": ({"ema": 0.99}, {"head": "max_pool", "conv_filters": 128}, 1042),
    },
}
FIXED = {"imdb-best": {"dropout": 0.3, "learning_rate": 0.002}}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", choices=sorted(VARIANTS), default="imdb-best")
    parser.add_argument("--variants", nargs="+", help="which variants (default all)")
    parser.add_argument("--epochs", type=int, default=3, help="at most this many epochs a model (default 3)")
    parser.add_argument("--seed", type=int, default=42, help="the data's seed: sample and validation part")
    parser.add_argument("--train-size", type=int, help="training reviews (default the preset's: all 25,000)")
    parser.add_argument("--work", type=pathlib.Path, required=True, help="each variant's probabilities go here")
    parser.add_argument("--json", help="write the figures here")
    return parser.parse_args(argv)


def config_for(preset, options, fixed, seed, train_size=None):
    from kt_rnn.config import Config

    fixes = [f"{name}={value}" for name, value in {**FIXED[preset], **fixed}.items()]
    values = {
        "dataset": "imdb",
        "data": str(IMDB),
        "preset": preset,
        "seed": seed,
        "fix": fixes,
        "train_size": train_size,
        **options,
    }
    return Config.from_options(values)


class BestWeights:
    """Keeps the epoch with the highest validation accuracy as a trial does: its weights saved with their
    optimizer state (a trial's checkpoint), loaded back at the end with the weights' average put in place
    under `--ema` (what `DurableTuner.load_model` does)."""

    def __new__(cls, path):
        import keras

        class _Best(keras.callbacks.Callback):
            def on_train_begin(self, logs=None):
                self.best, self.curve = -1.0, []

            def on_epoch_end(self, epoch, logs=None):
                self.curve.append(round(float(logs["val_accuracy"]), 4))
                if logs["val_accuracy"] > self.best:
                    self.best = logs["val_accuracy"]
                    self.model.save_weights(path)

            def on_train_end(self, logs=None):
                self.model.load_weights(path)
                self.model.optimizer.finalize_variable_values(self.model.trainable_variables)  # no-op without EMA

        return _Best()


def train(preset, name, spec, args):
    """`{validation accuracy by epoch, seconds}` and the validation probabilities of one variant."""
    import keras
    import keras_tuner
    import numpy as np

    from kt_rnn import data as data_lib

    options, fixed, model_seed = spec
    config = config_for(preset, options, fixed, args.seed, args.train_size)
    dataset = data_lib.get_loader("imdb")(config)
    model_config = config if model_seed is None else config.replace(seed=model_seed)
    keras.utils.set_random_seed(model_config.budget.seed)
    hypermodel = config.task.implementation().hypermodel(model_config, dataset)
    hp = keras_tuner.HyperParameters()
    started = time.perf_counter()
    model = hypermodel.build(hp)
    best = BestWeights(args.work / f"{name}.best.weights.h5")
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.budget.patience)
    hypermodel.fit(
        hp,
        model,
        dataset.train,
        validation_data=dataset.validation,
        epochs=args.epochs,
        callbacks=[best, stop],
        verbose=2,
    )
    probabilities = model.predict(dataset.validation.batch(500), verbose=0).ravel()
    labels = np.concatenate([y.numpy() for _, y in dataset.validation.batch(5000)])
    figures = {"curve": best.curve, "seconds": round(time.perf_counter() - started, 1), "hp": dict(hp.values)}
    return figures, probabilities, labels


def main(argv=None):
    import numpy as np

    args = parse_args(argv)
    args.work.mkdir(parents=True, exist_ok=True)
    variants = {n: s for n, s in VARIANTS[args.preset].items() if not args.variants or n in args.variants}
    figures, probs, labels = {}, {}, None
    for name, spec in variants.items():
        saved = args.work / f"{name}.npz"
        if not saved.exists():
            one, p, y = train(args.preset, name, spec, args)
            np.savez(saved, probabilities=p, labels=y, figures=json.dumps(one))
        loaded = np.load(saved)
        if labels is not None and not np.array_equal(labels, loaded["labels"]):
            raise SystemExit(f"{name}: other validation reviews than the variants before it")
        labels, probs[name], figures[name] = (
            loaded["labels"],
            loaded["probabilities"],
            json.loads(str(loaded["figures"])),
        )
        print(f"{name}: validation accuracy by epoch {figures[name]['curve']}, {figures[name]['seconds']} s")
    means = {}
    for size in range(1, len(probs) + 1):
        for combo in itertools.combinations(probs, size):
            means[" + ".join(combo)] = float(((np.mean([probs[c] for c in combo], axis=0) > 0.5) == labels).mean())
    print(f"\n{len(labels)} validation reviews (held out from the training reviews; no test review read)")
    for combo, accuracy in means.items():
        print(f"{accuracy:.4f}  {combo}")
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps({"variants": figures, "validation_accuracy": means}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
