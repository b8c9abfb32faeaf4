"""The recurrent part every kt_rnn HyperModel shares: the stack, the optimizer, batching in `fit`.

`RecurrentHyperModel` validates the fixed settings in `__init__`; subclasses
declare their inputs and head in `build(hp)` and call `stack(x, v)` for the
1-3 (optionally bidirectional) SimpleRNN/GRU/LSTM layers of the shared space
(`hypermodels.space.RECURRENT_PARAMS`) and `compile(model, v, loss, metrics)`.
"""

import functools
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

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
JIT_MODES = ("auto", True, False)
DTYPE_POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")


def positive_int(name: str, value: object, minimum: int = 1) -> int:
    """Returns `value` if it is an int >= `minimum`; raises `ValueError` naming it otherwise."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"Expected {name} to be an int >= {minimum}. Received: {name}={value!r}")
    return value


class RecurrentHyperModel(keras_tuner.HyperModel):
    """Base of the recurrent HyperModels: the shared stack, optimizer and batching.

    Args:
        space: `SearchSpace` of the subclass's table (`params`), defaults to
            that table's default space.
        seed: int or None, seed of the per-epoch shuffling in `fit`.
        jit_compile: `"auto"`, True or False, passed to `Model.compile`.
        dtype_policy: the Keras dtype policy of the layers, defaults to `"float32"`
            (one of `DTYPE_POLICIES`); subclasses keep their output layer float32.
        ema: float in (0, 1) or None (default): the momentum of a moving average of
            the weights (Keras's `use_ema`). Validation then scores the average,
            which is what a fit leaves in the model; the training weights go on
            underneath, and a checkpoint holds both (the average in the optimizer's state).
        name, tunable: see `keras_tuner.HyperModel`.
    """

    params: tuple[sp.Param, ...] = sp.RECURRENT_PARAMS  # the subclass's search-space table

    def __init__(
        self,
        space: sp.SearchSpace | None = None,
        seed: int | None = None,
        jit_compile: str | bool = "auto",
        dtype_policy: str = "float32",
        ema: float | None = None,
        name: str | None = None,
        tunable: bool = True,
    ) -> None:
        super().__init__(name=name, tunable=tunable)
        self.space = sp.SearchSpace(self.params) if space is None else space
        if not isinstance(self.space, sp.SearchSpace) or self.space.params != self.params:
            raise ValueError(
                f"Expected space to be a SearchSpace of {type(self).__name__}'s "
                f"hyperparameters {list(sp.SearchSpace(self.params).names)}. Received: space={space!r}"
            )
        if jit_compile not in JIT_MODES:
            raise ValueError(
                f"Expected jit_compile to be one of {{'auto', True, False}}. Received: jit_compile={jit_compile!r}"
            )
        if dtype_policy not in DTYPE_POLICIES:
            raise ValueError(
                f"Expected dtype_policy to be one of {set(DTYPE_POLICIES)}. Received: dtype_policy={dtype_policy!r}"
            )
        if ema is not None and (isinstance(ema, bool) or not isinstance(ema, (int, float)) or not 0 < ema < 1):
            raise ValueError(f"Expected ema to be None or a momentum between 0 and 1, e.g. 0.99. Received: ema={ema!r}")
        self.seed = seed
        self.jit_compile = jit_compile
        self.dtype_policy = dtype_policy
        self.ema = ema

    def values(self, hp: keras_tuner.HyperParameters) -> dict[str, Any]:
        """Registers every hyperparameter in `hp` (fit-level ones too, so every trial logs them) and
        returns their values; sets the layers' dtype policy first (KerasTuner's `clear_session`
        before each build resets Keras's global one), until `compile` puts float32 back."""
        keras.config.set_dtype_policy(self.dtype_policy)
        return self.space.register_all(hp)

    def stack(self, x: keras.KerasTensor, v: Mapping[str, Any]) -> keras.KerasTensor:
        """Applies the recurrent layers (and the max-pool head) chosen in `v` to `x`."""
        for layer in range(v[sp.NUM_LAYERS]):
            x = self._recurrent_layer(v, layer)(x)
        if v[sp.HEAD] in POOLING_HEADS:
            x = pool(x, v[sp.HEAD])
        return keras.layers.Dropout(v[sp.DROPOUT])(x)

    def _recurrent_layer(self, v, layer):
        last = layer == v[sp.NUM_LAYERS] - 1
        cell = CELL_LAYERS[v[sp.CELL]](
            v[sp.UNITS[layer]],
            dropout=v[sp.DROPOUT],
            recurrent_dropout=v[sp.RECURRENT_DROPOUT],
            kernel_initializer=v[sp.INITIALIZER],
            kernel_regularizer=l2(v),
            recurrent_regularizer=l2(v),
            return_sequences=not last or v[sp.HEAD] in POOLING_HEADS,
        )
        return keras.layers.Bidirectional(cell) if v[sp.BIDIRECTIONAL] else cell

    def compile(
        self, model: keras.Model, v: Mapping[str, Any], loss: str, metrics: Iterable[str | keras.metrics.Metric]
    ) -> keras.Model:
        """Compiles `model` with the optimizer, learning rate and clipping chosen in `v`.

        Under `mixed_float16`, Keras wraps the optimizer in a `LossScaleOptimizer`. Keras's global
        dtype policy goes back to float32, so what is built later (the serving wrapper) is not mixed.
        """
        keras.config.set_dtype_policy("float32")
        # "auto" is Keras's: XLA off on a CPU-only machine, where it made the default text model's trials
        # 1.3-1.6x slower at 3,200 to 20,000 reviews (bench/xla_small.py); on a GPU where the model allows.
        model.compile(optimizer=optimizer(v, self.ema), loss=loss, metrics=list(metrics), jit_compile=self.jit_compile)
        # Built now rather than at the first step, so that weights saved with their optimizer state
        # load it back: a Hyperband continuation then goes on with its parent's Adam moments
        # (Keras skips the state of an optimizer that has no variables yet, with a warning).
        model.optimizer.build(model.trainable_variables)
        return model

    def fit(
        self,
        hp: keras_tuner.HyperParameters,
        model: keras.Model,
        x: Any,
        y: Any = None,
        validation_data: Any = None,
        **kwargs: Any,
    ) -> keras.callbacks.History:
        """Fits numpy `x, y` with the trial's batch size, or batches unbatched `tf.data` first.

        Keras ignores `batch_size=` for a dataset, so batching happens here.
        `tuner.search(x, y, ...)` passes `y` positionally, as `model.fit` does.
        With `ema`, validation scores the weights' average (Keras's `SwapEMAWeights`: swapped
        in for each evaluation only, so the checkpoints written at an epoch's end keep the
        training weights, and a resumed or continued fit goes on from them).
        """
        batch_size = self.space.register(hp, sp.BATCH_SIZE)
        if self.ema:
            kwargs["callbacks"] = [keras.callbacks.SwapEMAWeights(), *(kwargs.get("callbacks") or [])]
        if not _is_dataset(x):
            return model.fit(x, y, validation_data=validation_data, batch_size=batch_size, **kwargs)
        x = x.shuffle(_buffer(x), seed=self.seed).batch(batch_size).prefetch(-1)
        if _is_dataset(validation_data):
            validation_data = validation_data.batch(batch_size).prefetch(-1)
        return model.fit(x, validation_data=validation_data, shuffle=False, **kwargs)


POOLING_HEADS = ("max_pool", "max_mean_pool")


def pool(x: keras.KerasTensor, head: str) -> keras.KerasTensor:
    """Pools a sequence over its unmasked steps: the maximum, or the maximum and the mean side by side
    (`max_mean_pool`, ULMFiT's concat pooling: the mean keeps how much of a review says something)."""
    pooled = MaskedGlobalMaxPooling1D()(x)
    if head == "max_pool":
        return pooled
    return keras.layers.Concatenate()([pooled, keras.layers.GlobalAveragePooling1D()(x)])


def _is_dataset(data):
    return hasattr(data, "element_spec") and hasattr(data, "batch")


def _buffer(dataset):
    size = int(dataset.cardinality())
    return size if size > 0 else 10_000


def l2(v: Mapping[str, Any]) -> keras.regularizers.L2 | None:
    """The L2 regularizer chosen in `v`, or None."""
    return keras.regularizers.L2(v[sp.L2]) if v[sp.L2] else None


def optimizer(v: Mapping[str, Any], ema: float | None = None) -> keras.optimizers.Optimizer:
    """The optimizer chosen in `v`, with its learning rate and clipping; with `ema`, it keeps a moving
    average of the weights with that momentum."""
    clip = {"clipnorm": v[sp.CLIPNORM]} if v[sp.CLIPNORM] else {}
    average = {"use_ema": True, "ema_momentum": ema} if ema else {}
    return OPTIMIZERS[v[sp.OPTIMIZER]](learning_rate=v[sp.LEARNING_RATE], **clip, **average)


# Keras metrics a model can be compiled with, by the name Keras logs them under
# (an objective `val_<name>` needs its metric compiled in).
def _macro_f1(num_classes):
    from hypermodels.metrics import MacroF1

    return MacroF1(num_classes)


METRICS = {
    "accuracy": lambda num_classes: "accuracy",
    "auc": lambda num_classes: keras.metrics.AUC(name="auc"),
    "macro_f1": _macro_f1,
    "mae": lambda num_classes: keras.metrics.MeanAbsoluteError(name="mae"),
}


def check_metrics(names: Sequence[str]) -> tuple[str, ...]:
    """Returns `names` as a tuple; raises `ValueError` for a name not in `METRICS`."""
    unknown = [n for n in names if n not in METRICS]
    if unknown:
        raise ValueError(f"Expected metrics among {sorted(METRICS)}. Received: metrics={list(names)!r}")
    return tuple(names)


def make_metrics(names: Iterable[str], num_classes: int | None = None) -> list[str | keras.metrics.Metric]:
    """The Keras metric objects for `names`."""
    return [METRICS[name](num_classes) for name in names]
