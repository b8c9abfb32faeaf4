"""The text classifier HyperModel: token ids -> Embedding -> (a convolution) -> the shared recurrent stack -> head."""

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import keras

from hypermodels import recurrent
from hypermodels import space as sp
from hypermodels.layers import ConvFront
from hypermodels.recurrent import CELL_LAYERS, OPTIMIZERS  # noqa: F401  (re-exported for users)

if TYPE_CHECKING:
    import keras_tuner


# The convolution's shape, fixed: five-token windows, then the maximum of each two steps, which halves
# the steps the recurrent layers read (BENCHMARKS.md, "A convolution before the recurrent layer").
CONV_KERNEL, CONV_POOL = 5, 2


class RNNClassifier(recurrent.RecurrentHyperModel):
    """Text classifier over token ids: Embedding, a recurrent stack, a dense head.

    The search space is `hypermodels.space.TEXT_PARAMS`: the shared recurrent
    params (cell, depth, units per layer, bidirectional, dropout, optimizer,
    learning rate, batch size, ...) plus `embedding_dim` and `conv_filters`
    (a `ConvFront` of that many filters, kernel `CONV_KERNEL`, pooled by
    `CONV_POOL`, before the stack; 0, the default, for none); `build(hp)` and
    `fit(hp, ...)` only read it. Token id 0 is padding and is masked; sequences
    must be right-padded (as `keras.layers.TextVectorization` pads) for the
    cuDNN kernels.

    Args:
        vocab_size: int, number of token ids (0 = padding, 1 = out of vocabulary).
        sequence_length: int, tokens per example.
        num_classes: int, defaults to 2: one sigmoid unit and binary
            cross-entropy; more classes give a softmax over integer labels.
        metrics: tuple of metric names compiled in, defaults to `("accuracy",)`;
            also `"auc"` (binary) and `"macro_f1"` (objectives `val_auc`, `val_macro_f1`).
        **kwargs: the settings of every recurrent HyperModel (`recurrent.RecurrentHyperModel`):
            `space` (a `SearchSpace` of `TEXT_PARAMS`, defaults to its default space), `seed`,
            `jit_compile`, `dtype_policy` (the output layer stays float32 under a mixed one),
            `ema`, `name` and `tunable`.

    Example:

    ```python
    hypermodel = RNNClassifier(vocab_size=20000, sequence_length=200)
    tuner = keras_tuner.RandomSearch(hypermodel, "val_accuracy", max_trials=5)
    tuner.search(train_ds, validation_data=val_ds, epochs=3)  # unbatched tf.data
    ```
    """

    params = sp.TEXT_PARAMS

    def __init__(
        self,
        vocab_size: int,
        sequence_length: int,
        num_classes: int = 2,
        metrics: Sequence[str] = ("accuracy",),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.vocab_size = recurrent.positive_int("vocab_size", vocab_size, minimum=2)
        self.sequence_length = recurrent.positive_int("sequence_length", sequence_length)
        self.num_classes = recurrent.positive_int("num_classes", num_classes, minimum=2)
        self.metrics = recurrent.check_metrics(metrics)

    def build(self, hp: "keras_tuner.HyperParameters") -> keras.Model:
        v = self.values(hp)  # fit-level ones too, so every trial logs them
        inputs = keras.Input(shape=(self.sequence_length,), dtype="int64", name="tokens")
        x = keras.layers.Embedding(self.vocab_size, v[sp.EMBEDDING_DIM], mask_zero=True)(inputs)
        if v[sp.CONV_FILTERS]:
            x = ConvFront(v[sp.CONV_FILTERS], CONV_KERNEL, CONV_POOL)(x)
        outputs = classification_head(self.stack(x, v), self.num_classes, v)
        model = keras.Model(inputs, outputs, name=f"{v[sp.CELL]}_classifier")
        return self.compile(
            model, v, classification_loss(self.num_classes), recurrent.make_metrics(self.metrics, self.num_classes)
        )


def classification_head(x: keras.KerasTensor, num_classes: int, v: Mapping[str, Any]) -> keras.KerasTensor:
    """One sigmoid unit for two classes, else a softmax; float32 under any precision policy."""
    binary = num_classes == 2
    return keras.layers.Dense(
        1 if binary else num_classes,
        activation="sigmoid" if binary else "softmax",
        kernel_regularizer=recurrent.l2(v),
        dtype="float32",
        name="probabilities",
    )(x)


def classification_loss(num_classes: int) -> str:
    return "binary_crossentropy" if num_classes == 2 else "sparse_categorical_crossentropy"
