"""Layers the recurrent hypermodels need that Keras does not ship."""

import keras
import numpy as np
from keras import ops

from hypermodels.space import PREDICTS


def base_weights(predict, window, horizon, season=1):
    """The forecast a model corrects, as weights on a window's target values: `[window, horizon]`.

    A window `x` (the target's last `window` values) gives the base forecast `x @ weights` (plus the
    training mean for `"level"`, whose weights are zero):
    - `"change"`: the last value (the naive forecast);
    - `"seasonal"`: the latest value at each step's phase of the season (the seasonal-naive forecast);
    - `"seasonal_trend"`: that plus the change over the last season for each season ahead (the
      seasonal random walk with drift, ARIMA(0,1,0)(0,1,0) with no constant).

    Example:

    >>> base_weights("seasonal_trend", window=5, horizon=2, season=2).T.tolist()
    [[0.0, 0.0, -1.0, 1.0, 1.0], [0.0, 0.0, -1.0, 0.0, 2.0]]

    (step 1: `x[3] + (x[4] - x[2])`, step 2: `x[4] + (x[4] - x[2])`: a season before, plus the last season's change.)
    """
    weights = np.zeros((window, horizon), dtype="float32")
    steps = np.arange(horizon)
    if predict == "change":
        weights[window - 1] = 1.0
    elif predict in ("seasonal", "seasonal_trend"):
        needed = season + 1 if predict == "seasonal_trend" else season
        if not 1 <= needed <= window:
            raise ValueError(f"Expected a window of at least {needed} steps for predict={predict!r} with a season "
                             f"of {season}. Received: window={window}")
        seasons = steps // season + 1  # seasons back to the latest value at each step's phase
        weights[window + steps - season * seasons, steps] = 1.0
        if predict == "seasonal_trend":
            weights[window - 1, steps] += seasons
            weights[window - 1 - season, steps] -= seasons
    return weights


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

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return ops.max(inputs, axis=1)
        valid = ops.expand_dims(ops.cast(mask, "bool"), -1)
        floor = ops.min(inputs)  # any valid step is >= this, so it never wins
        pooled = ops.max(ops.where(valid, inputs, floor), axis=1)
        return ops.where(ops.any(valid, axis=1), pooled, ops.zeros_like(pooled))

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[2])


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

    def __init__(self, predict, target_mean, target_std, target_index=0, season=1, **kwargs):
        super().__init__(**kwargs)
        if predict not in PREDICTS:
            raise ValueError(f"Expected predict to be one of {list(PREDICTS)}. Received: predict={predict!r}")
        self.predict = predict
        self.target_mean = float(target_mean)
        self.target_std = float(target_std)
        self.target_index = int(target_index)
        self.season = int(season)

    def call(self, inputs):
        scaled, window = inputs
        target = ops.cast(window[:, :, self.target_index], scaled.dtype)
        weights = base_weights(self.predict, window.shape[1], scaled.shape[-1], self.season)
        base = ops.matmul(target, ops.cast(weights, scaled.dtype))
        if self.predict == "level":
            base = base + self.target_mean
        return scaled * self.target_std + base

    def compute_output_shape(self, input_shapes):
        return input_shapes[0]

    def get_config(self):
        return {**super().get_config(), "predict": self.predict, "target_mean": self.target_mean,
                "target_std": self.target_std, "target_index": self.target_index, "season": self.season}
