"""The hand-written KerasTuner script a Keras user writes for IMDB: the baseline of bench/head_to_head.py.

Written as the KerasTuner and Keras tutorials do it: `TextVectorization` to numpy
arrays padded to 200 tokens (vocabulary 20,000), a `build_model(hp)` over the cell
(SimpleRNN/GRU/LSTM), embedding size, depth, units, dropout and learning rate,
`keras_tuner.Hyperband(max_epochs=4, factor=3)` on `val_accuracy` with batch 128,
then the best model evaluated on the test reviews. The only thing it shares with
kt_rnn is the reader of the archive (so both read the same reviews); the training
reviews are split 80/20 at random into train and validation, like kt_rnn's default.

With `--kt-rnn-draws` (`bench/head_to_head.py --same-space`), the same space is registered
under kt_rnn's names in kt_rnn's order (`hypermodels.space.TEXT_PARAMS`; what the script
does not search is registered `Fixed` at what it builds), and the recurrent layers drop
their inputs too, as kt_rnn's do. KerasTuner draws one random number per active name, in
the order the names were registered, so the same seed then trains the very models kt_rnn's
search of that space trains, and only the machinery around them differs.

    python bench/handwritten_kt.py --data ../shared/data/aclImdb_v1.tar.gz --out /tmp/hand --json /tmp/hand.json

Prints and (with --json) writes: search wall time, whole-script wall time, best
validation accuracy, test accuracy.
"""

import argparse
import json
import pathlib
import sys
import time

STARTED = time.perf_counter()
REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import keras  # noqa: E402
import keras_tuner  # noqa: E402
import numpy as np  # noqa: E402

from kt_rnn.data import imdb  # noqa: E402  (reads the archive: the same reviews kt_rnn reads)

MAX_TOKENS, LENGTH, BATCH = 20_000, 200, 128
CELLS = {"simple_rnn": keras.layers.SimpleRNN, "gru": keras.layers.GRU, "lstm": keras.layers.LSTM}


def build_model(hp):
    hp.Choice("embedding_dim", [32, 64, 128])
    hp.Choice("cell", list(CELLS))
    for i in range(hp.Int("num_layers", 1, 2)):
        hp.Int(f"units_{i}", 32, 128, step=32)
    hp.Float("dropout", 0.0, 0.5, step=0.1)
    hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
    return model_of(hp)


def model_of(hp, input_dropout=False):
    """The model `hp`'s values describe; with `input_dropout`, its recurrent layers drop their inputs too."""
    model = keras.Sequential([keras.Input(shape=(LENGTH,), dtype="int64")])
    model.add(keras.layers.Embedding(MAX_TOKENS, hp["embedding_dim"], mask_zero=True))
    layers, dropout = hp["num_layers"], hp["dropout"]
    for i in range(layers):
        drop = dropout if input_dropout else 0.0
        model.add(CELLS[hp["cell"]](hp[f"units_{i}"], dropout=drop, return_sequences=i < layers - 1))
    model.add(keras.layers.Dropout(dropout))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    model.compile(keras.optimizers.Adam(hp["learning_rate"]), "binary_crossentropy", metrics=["accuracy"])
    return model


# kt_rnn's names the script searches (`--kt-rnn-draws`), as `build_model` declares them; the others are
# registered Fixed at what the script builds (`SCRIPT_FIXED`, else the name's default in kt_rnn's table).
SEARCHED = {
    "cell": lambda hp: hp.Choice("cell", list(CELLS)),
    "num_layers": lambda hp: hp.Int("num_layers", 1, 2),
    "units_0": lambda hp: hp.Int("units_0", 32, 128, step=32),
    "units_1": lambda hp: hp.Int("units_1", 32, 128, step=32, parent_name="num_layers", parent_values=[2, 3]),
    "embedding_dim": lambda hp: hp.Choice("embedding_dim", [32, 64, 128]),
    "dropout": lambda hp: hp.Float("dropout", 0.0, 0.5, step=0.1),
    "learning_rate": lambda hp: hp.Float("learning_rate", 1e-4, 1e-2, sampling="log"),
}
SCRIPT_FIXED = {
    "bidirectional": False,
    "recurrent_dropout": 0.0,
    "l2": 0.0,
    "initializer": "glorot_uniform",
    "head": "last",
    "optimizer": "adam",
    "clipnorm": 0.0,
    "batch_size": BATCH,
}


def build_model_kt_rnn_draws(hp):
    """`build_model`'s model (its recurrent layers dropping their inputs, as kt_rnn's do), its
    hyperparameters registered in kt_rnn's order; a name only deeper stacks use is left out, as
    KerasTuner never draws for an inactive name."""
    from hypermodels import space as sp

    for param in sp.TEXT_PARAMS:
        if param.name in SEARCHED:
            SEARCHED[param.name](hp)
        elif not param.parent:
            hp.Fixed(param.name, SCRIPT_FIXED.get(param.name, param.domain.values[0]))
    return model_of(hp, input_dropout=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="aclImdb_v1.tar.gz or an aclImdb directory")
    parser.add_argument("--out", required=True, help="the tuner's directory")
    parser.add_argument("--json", help="write the figures here")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--kt-rnn-draws", action="store_true", help="kt_rnn's names in its order: its trials")
    args = parser.parse_args()
    keras.utils.set_random_seed(args.seed)

    reviews = imdb.read(args.data)
    texts, labels = np.array(reviews["train"][0], dtype=object), np.array(reviews["train"][1])
    order = np.random.default_rng(args.seed).permutation(len(labels))
    val, train = order[: len(order) // 5], order[len(order) // 5 :]
    vectorize = keras.layers.TextVectorization(max_tokens=MAX_TOKENS, output_sequence_length=LENGTH)
    vectorize.adapt(list(texts[train]))
    x_train, y_train = vectorize(list(texts[train])).numpy(), labels[train]
    x_val, y_val = vectorize(list(texts[val])).numpy(), labels[val]
    x_test, y_test = vectorize(reviews["test"][0]).numpy(), np.array(reviews["test"][1])

    tuner = keras_tuner.Hyperband(
        build_model_kt_rnn_draws if args.kt_rnn_draws else build_model,
        objective="val_accuracy",
        max_epochs=4,
        factor=3,
        seed=args.seed,
        directory=args.out,
        project_name="imdb",
        overwrite=True,
    )
    search_started = time.perf_counter()
    tuner.search(
        x_train,
        y_train,
        validation_data=(x_val, y_val),
        batch_size=BATCH,
        callbacks=[keras.callbacks.EarlyStopping(patience=2)],
        verbose=2,
    )
    search_s = time.perf_counter() - search_started

    best = tuner.get_best_models(1)[0]
    _, test_accuracy = best.evaluate(x_test, y_test, batch_size=512, verbose=0)
    figures = {
        "search_s": search_s,
        "total_s": time.perf_counter() - STARTED,
        "best_val_accuracy": tuner.oracle.get_best_trials(1)[0].score,
        "test_accuracy": float(test_accuracy),
        "trials": len(tuner.oracle.trials),
        "best_hyperparameters": tuner.get_best_hyperparameters(1)[0].values,
        "trial_hyperparameters": [t.hyperparameters.values for _, t in sorted(tuner.oracle.trials.items())],
    }
    print(json.dumps(figures, indent=1))
    if args.json:
        pathlib.Path(args.json).write_text(json.dumps(figures, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
