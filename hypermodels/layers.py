"""Layers the recurrent hypermodels need that Keras does not ship."""

from collections.abc import Sequence
from typing import Any

import keras
from keras import ops

from hypermodels.bases import base_weights
from hypermodels.space import PREDICTS


@keras.saving.register_keras_serializable(package="kt_rnn")
class MaskedGlobalMaxPooling1D(keras.layers.Layer):
    """Max over time of a sequence, ignoring masked (padding) steps.

    `keras.layers.GlobalMaxPooling1D` drops the mask, so padded steps of a
    recurrent layer's output (zeros under cuDNN) would enter the maximum.
    A sequence with no unmasked step pools to zeros.

    Example:

    ```python
    x = keras.layers.Embedding(1000, 16, mask_zero=True)(tokens)
    x = keras.layers.GRU(32, return_sequences=True)(x)
    x = MaskedGlobalMaxPooling1D()(x)  # (batch, 32)
    ```
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is None:
            return ops.max(inputs, axis=1)
        valid = ops.expand_dims(ops.cast(mask, "bool"), -1)
        floor = ops.min(inputs)  # any valid step is >= this, so it never wins
        pooled = ops.max(ops.where(valid, inputs, floor), axis=1)
        return ops.where(ops.any(valid, axis=1), pooled, ops.zeros_like(pooled))

    def compute_mask(self, inputs: Any, mask: Any = None) -> None:
        return None

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        return (input_shape[0], input_shape[2])


@keras.saving.register_keras_serializable(package="kt_rnn")
class ConvFront(keras.layers.Layer):
    """A convolution over a masked sequence of embeddings, then a max-pool over `pool_size` steps.

    It reads each run of `kernel_size` tokens (n-gram features, which a bag of bigrams
    shows to carry much of a review's sentiment) and shortens the sequence the recurrent
    layer reads by `pool_size` (that layer's time falls with it). Padding steps are read
    as zeros, and the mask is carried on, shortened as the sequence is: a pooled step is
    real where its first step is, so a right-padded mask stays right-padded (cuDNN).
    `keras.layers.Conv1D` and `MaxPooling1D` drop the mask.

    Args:
        filters: int, the convolution's output channels.
        kernel_size: int, defaults to 5, the tokens each filter reads.
        pool_size: int, defaults to 2, the steps each pooled step takes the maximum of
            (1: no pooling).

    Example:

    ```python
    x = keras.layers.Embedding(20000, 128, mask_zero=True)(tokens)  # (batch, 400, 128)
    x = ConvFront(128, kernel_size=5, pool_size=2)(x)  # (batch, 200, 128), mask (batch, 200)
    x = keras.layers.GRU(64, return_sequences=True)(x)
    ```
    """

    def __init__(self, filters: int, kernel_size: int = 5, pool_size: int = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.filters, self.kernel_size, self.pool_size = int(filters), int(kernel_size), int(pool_size)
        self.conv = keras.layers.Conv1D(self.filters, self.kernel_size, padding="same", activation="relu")
        self.pool = keras.layers.MaxPooling1D(self.pool_size, padding="same")
        self.supports_masking = True

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        self.conv.build(input_shape)

    def call(self, inputs: Any, mask: Any = None) -> Any:
        if mask is not None:
            inputs = inputs * ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        return self.pool(self.conv(inputs))

    def compute_mask(self, inputs: Any, mask: Any = None) -> Any:
        return None if mask is None else mask[:, :: self.pool_size]

    def compute_output_shape(self, input_shape: tuple[int | None, ...]) -> tuple[int | None, ...]:
        steps = input_shape[1]
        return (input_shape[0], None if steps is None else -(-steps // self.pool_size), self.filters)

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "pool_size": self.pool_size,
        }


@keras.saving.register_keras_serializable(package="kt_rnn")
class FromLastValue(keras.layers.Layer):
    """Each window's target column relative to the window's last target value; other columns as they are.

    A forecaster's inputs scaled by the training part's mean are out of the range it trained on once
    a trending series leaves that range (the test years of a growing series); relative to the last
    value, every window reads the same way wherever the series' level is (ES-RNN's per-window level
    normalization, additive).

    Args:
        target_index: int, defaults to 0, the target's column in the raw window.

    Example:

    ```python
    window = keras.Input((24, 3))  # raw values, target in column 0
    relative = FromLastValue()(window)  # column 0 minus its value at the last step
    ```
    """

    def __init__(self, target_index: int = 0, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.target_index = int(target_index)

    def call(self, window: Any) -> Any:
        columns = window.shape[-1]
        shift = (
            ops.one_hot(self.target_index, columns, dtype=window.dtype)
            * window[:, -1:, self.target_index : self.target_index + 1]
        )
        return window - shift

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "target_index": self.target_index}


@keras.saving.register_keras_serializable(package="kt_rnn")
class ForecastOutput(keras.layers.Layer):
    """Turns a forecaster's scaled output back into the target's own units.

    The forecaster learns `(y - base) / scale`, where `base` is the training
    mean of the target (`predict="level"`) or a forecast from the window
    (`base_weights`: the naive forecast for `"change"`, the seasonal-naive one for
    `"seasonal"`, with the last season's change for `"seasonal_trend"`); this
    layer adds them back.

    Args:
        predict: one of `PREDICTS`.
        target_mean: float, the target's mean over the training part.
        target_std: float, its standard deviation there.
        target_index: int, defaults to 0, the target's column in the raw window.
        season: int, defaults to 1, the season's steps (for the seasonal bases).

    Example:

    ```python
    window = keras.Input((24, 3))  # raw values, target in column 0
    scaled = forecaster(window)  # (batch, horizon)
    forecast = ForecastOutput("seasonal", 120.0, 30.0, season=12)([scaled, window])
    ```
    """

    def __init__(
        self, predict: str, target_mean: float, target_std: float, target_index: int = 0, season: int = 1, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        if predict not in PREDICTS:
            raise ValueError(f"Expected predict to be one of {list(PREDICTS)}. Received: predict={predict!r}")
        self.predict = predict
        self.target_mean = float(target_mean)
        self.target_std = float(target_std)
        self.target_index = int(target_index)
        self.season = int(season)

    def call(self, inputs: Sequence[Any]) -> Any:
        scaled, window = inputs
        target = ops.cast(window[:, :, self.target_index], scaled.dtype)
        weights = base_weights(self.predict, window.shape[1], scaled.shape[-1], self.season)
        base = ops.matmul(target, ops.cast(weights, scaled.dtype))
        if self.predict == "level":
            base = base + self.target_mean
        return scaled * self.target_std + base

    def compute_output_shape(self, input_shapes: Sequence[tuple[int | None, ...]]) -> tuple[int | None, ...]:
        return input_shapes[0]

    def get_config(self) -> dict[str, Any]:
        return {
            **super().get_config(),
            "predict": self.predict,
            "target_mean": self.target_mean,
            "target_std": self.target_std,
            "target_index": self.target_index,
            "season": self.season,
        }
