"""The recurrent classifier HyperModel: Embedding -> 1-3 recurrent layers -> head."""

import functools

import keras
import keras_tuner

from hypermodels import space as sp
from hypermodels.layers import MaskedGlobalMaxPooling1D

CELL_LAYERS = {"simple_rnn": keras.layers.SimpleRNN, "gru": keras.layers.GRU, "lstm": keras.layers.LSTM}
OPTIMIZERS = {
    "adam": keras.optimizers.Adam,
    "rmsprop": keras.optimizers.RMSprop,
    "sgd": functools.partial(keras.optimizers.SGD, momentum=0.9),
}


def _positive_int(name, value, minimum=1):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"Expected {name} to be an int >= {minimum}. Received: {name}={value!r}")
    return value


class RNNClassifier(keras_tuner.HyperModel):
    """Text classifier over token ids: Embedding, a recurrent stack, a dense head.

    The search space (cell, depth, units per layer, bidirectional, dropout,
    optimizer, learning rate, batch size, ...) is declared in
    `hypermodels.space`; `build(hp)` and `fit(hp, ...)` only read it.
    Token id 0 is padding and is masked; sequences must be right-padded
    (as `keras.layers.TextVectorization` pads) for the cuDNN kernels.

    Args:
        vocab_size: int, number of token ids (0 = padding, 1 = out of vocabulary).
        sequence_length: int, tokens per example.
        num_classes: int, defaults to 2: one sigmoid unit and binary
            cross-entropy; more classes give a softmax over integer labels.
        space: `SearchSpace`, defaults to the default space.
        seed: int or None, seed of the per-epoch shuffling in `fit`.
        jit_compile: `"auto"`, True or False, passed to `Model.compile`.
        name, tunable: see `keras_tuner.HyperModel`.

    Example:

    ```python
    hypermodel = RNNClassifier(vocab_size=20000, sequence_length=200)
    tuner = keras_tuner.RandomSearch(hypermodel, "val_accuracy", max_trials=5)
    tuner.search(train_ds, validation_data=val_ds, epochs=3)  # unbatched tf.data
    ```
    """

    def __init__(self, vocab_size, sequence_length, num_classes=2, space=None,
                 seed=None, jit_compile="auto", name=None, tunable=True):
        super().__init__(name=name, tunable=tunable)
        self.vocab_size = _positive_int("vocab_size", vocab_size, minimum=2)
        self.sequence_length = _positive_int("sequence_length", sequence_length)
        self.num_classes = _positive_int("num_classes", num_classes, minimum=2)
        self.space = sp.SearchSpace() if space is None else space
        if not isinstance(self.space, sp.SearchSpace):
            raise ValueError(f"Expected space to be a SearchSpace. Received: space={space!r}")
        if jit_compile not in ("auto", True, False):
            raise ValueError(f"Expected jit_compile to be one of {{'auto', True, False}}. Received: jit_compile={jit_compile!r}")
        self.seed = seed
        self.jit_compile = jit_compile

    def build(self, hp):
        v = self.space.register_all(hp)  # fit-level ones too, so every trial logs them
        inputs = keras.Input(shape=(self.sequence_length,), dtype="int64", name="tokens")
        x = keras.layers.Embedding(self.vocab_size, v[sp.EMBEDDING_DIM], mask_zero=True)(inputs)
        for layer in range(v[sp.NUM_LAYERS]):
            x = self._recurrent_layer(v, layer)(x)
        if v[sp.HEAD] == "max_pool":
            x = MaskedGlobalMaxPooling1D()(x)
        x = keras.layers.Dropout(v[sp.DROPOUT])(x)
        binary = self.num_classes == 2
        outputs = keras.layers.Dense(
            1 if binary else self.num_classes,
            activation="sigmoid" if binary else "softmax",
            kernel_regularizer=_l2(v), dtype="float32", name="probabilities",
        )(x)
        model = keras.Model(inputs, outputs, name=f"{v[sp.CELL]}_classifier")
        model.compile(
            optimizer=_optimizer(v),
            loss="binary_crossentropy" if binary else "sparse_categorical_crossentropy",
            metrics=["accuracy"],
            jit_compile=self.jit_compile,
        )
        return model

    def _recurrent_layer(self, v, layer):
        last = layer == v[sp.NUM_LAYERS] - 1
        cell = CELL_LAYERS[v[sp.CELL]](
            v[sp.UNITS[layer]],
            dropout=v[sp.DROPOUT],
            recurrent_dropout=v[sp.RECURRENT_DROPOUT],
            kernel_initializer=v[sp.INITIALIZER],
            kernel_regularizer=_l2(v),
            recurrent_regularizer=_l2(v),
            return_sequences=not last or v[sp.HEAD] == "max_pool",
        )
        return keras.layers.Bidirectional(cell) if v[sp.BIDIRECTIONAL] else cell

    def fit(self, hp, model, x, validation_data=None, **kwargs):
        """Batches unbatched `tf.data` inputs with the trial's batch size, then fits.

        Keras ignores `batch_size=` for a dataset, so batching happens here.
        """
        batch_size = self.space.register(hp, sp.BATCH_SIZE)
        if not _is_dataset(x):
            return model.fit(x, validation_data=validation_data, batch_size=batch_size, **kwargs)
        x = x.shuffle(_buffer(x), seed=self.seed).batch(batch_size).prefetch(-1)
        if _is_dataset(validation_data):
            validation_data = validation_data.batch(batch_size).prefetch(-1)
        return model.fit(x, validation_data=validation_data, shuffle=False, **kwargs)


def _is_dataset(data):
    return hasattr(data, "element_spec") and hasattr(data, "batch")


def _buffer(dataset):
    size = int(dataset.cardinality())
    return size if size > 0 else 10_000


def _l2(v):
    return keras.regularizers.L2(v[sp.L2]) if v[sp.L2] else None


def _optimizer(v):
    clip = {"clipnorm": v[sp.CLIPNORM]} if v[sp.CLIPNORM] else {}
    return OPTIMIZERS[v[sp.OPTIMIZER]](learning_rate=v[sp.LEARNING_RATE], **clip)
