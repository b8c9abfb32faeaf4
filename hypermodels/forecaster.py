"""The forecaster HyperModel: a window of raw history -> the shared recurrent stack -> the next `horizon` values.

The search space is `hypermodels.space.FORECAST_PARAMS`: the shared recurrent
params plus `window` (steps of history read), `predict` (the level of the
next steps, their change from the last observed value, or from the value one
season earlier) and `normalize` (the target read at the series' scale or
relative to each window's last value). Because the window
is a hyperparameter, the training windows are cut per trial, in `fit`, from a
`Segment` of the series with `keras.utils.timeseries_dataset_from_array`.
"""

import dataclasses
from typing import TYPE_CHECKING, Any

import keras
import numpy as np
import numpy.typing as npt
import tensorflow as tf

from hypermodels import bases, recurrent
from hypermodels import space as sp
from hypermodels.bases import base_weights
from hypermodels.layers import FromLastValue

if TYPE_CHECKING:
    import keras_tuner


@dataclasses.dataclass
class Segment:
    """The forecast origins of one split of a series, and the history before them.

    A window for origin `o` reads `values[o - window:o]` and forecasts
    `values[o:o + horizon, 0]`: only origins whose whole horizon lies in
    `[begin, end)` belong to the split, and its windows never read past `o`.
    So a validation or test window may read history from the parts before it,
    but no window of one split forecasts a step of another.

    Args:
        values: float array `[steps, inputs]` of the whole series, raw
            (the target in column 0).
        begin: the split's first step.
        end: the step after the split's last one.
    """

    values: np.ndarray
    begin: int
    end: int

    def origins(self, window: int, horizon: int, stride: int = 1) -> np.ndarray:
        """The forecast origins of this split for a window and horizon, every `stride` steps."""
        first = max(self.begin, window)
        return np.arange(first, self.end - horizon + 1, stride)

    def folds(self, validation: "Segment", k: int) -> list[tuple["Segment", "Segment"]]:
        """`k` rolling-origin `(train, validation)` pairs: validation parts as long as `validation`, the
        last one `validation` itself, each earlier one just before the next; each fold's training part
        is every step of this one before its validation part (an expanding window, as scikit-learn's
        `TimeSeriesSplit`), so no fold trains on a step at or after its origin.

        Example: train steps 0-99 and validation 100-119, `k=3` -> train 0-59 / validate 60-79,
        0-79 / 80-99, 0-99 / 100-119.
        """
        size = validation.end - validation.begin
        ends = [validation.end - size * (k - 1 - i) for i in range(k)]
        if ends[0] - size <= self.begin:
            raise ValueError(
                f"Expected {k} folds of {size} steps to leave training steps before the first. "
                f"Received: training steps {self.begin}..{self.end}"
            )
        return [(Segment(self.values, self.begin, end - size), Segment(self.values, end - size, end)) for end in ends]

    def concatenate(self, other: "Segment") -> "Segment":
        """The split covering this one and the `other` that follows it (train + validation)."""
        if other.begin != self.end:
            raise ValueError(f"Expected the next split to begin at step {self.end}. Received: begin={other.begin}")
        return Segment(self.values, self.begin, other.end)


def windows(segment: Segment, window: int, horizon: int, stride: int = 1) -> tf.data.Dataset:
    """Unbatched `tf.data` of `(raw window [window, inputs], raw targets [horizon])` of `segment`'s origins."""
    origins = segment.origins(window, horizon, stride)
    if not len(origins):
        raise ValueError(
            f"No forecast origin in steps {segment.begin}..{segment.end} for a window of {window} "
            f"and a horizon of {horizon}."
        )
    first, last = int(origins[0]), int(origins[-1])
    values = segment.values.astype("float32")
    inputs = keras.utils.timeseries_dataset_from_array(
        values[first - window : last], None, sequence_length=window, sequence_stride=stride, batch_size=None
    )
    targets = keras.utils.timeseries_dataset_from_array(
        values[first : last + horizon, 0], None, sequence_length=horizon, sequence_stride=stride, batch_size=None
    )
    return tf.data.Dataset.zip((inputs, targets))


class RNNForecaster(recurrent.RecurrentHyperModel):
    """Forecasts the next `horizon` values of a series' target from a window of raw history.

    The model normalizes its raw input with the training part's statistics
    (`keras.layers.Normalization`), the target's column either as it is
    (`normalize="series"`) or relative to each window's last value
    (`"window"`, `hypermodels.layers.FromLastValue`), and learns the scaled targets
    `(y - base) / target_std`, `base` being the target's training mean
    (`predict="level"`), each window's last target value (`"change"`), its
    seasonal-naive forecast (`"seasonal"`) or that plus the change over the last
    season (`"seasonal_trend"`) (`hypermodels.layers.base_weights`);
    `hypermodels.layers.ForecastOutput` turns that back into the target's units.

    Args:
        inputs: int, columns of the series (the target first).
        horizon: int, steps forecast at once.
        mean: per-column means of the training part.
        variance: per-column variances of the training part.
        target_mean: float, the target's training mean.
        target_std: float, the target's training standard deviation.
        stride: int, defaults to 1, steps between training windows.
        min_epoch_steps: int, defaults to 1. An epoch passes over the training
            windows as many times as it takes to make this many optimizer steps:
            a few dozen windows are one or two batches, and Keras's per-epoch
            work (validation, callbacks, logs) would outweigh the training.
        season: int, defaults to 1, the season's steps, for the seasonal
            `predict`s (whose windows must hold a season, and a step more for
            `"seasonal_trend"`).
        loss: `"mse"` (default) or `"mae"`.
        **kwargs: the settings of every recurrent HyperModel (`recurrent.RecurrentHyperModel`):
            `space` (a `SearchSpace` of `FORECAST_PARAMS`, defaults to its default space), `seed`,
            `jit_compile`, `dtype_policy` (the output layer stays float32 under a mixed one),
            `ema`, `name` and `tunable`.

    Example:

    ```python
    series = np.sin(np.arange(300) / 6.0)[:, None] * 10 + 50  # one column: the target
    train, validation = Segment(series, 0, 240), Segment(series, 240, 300)
    stats = series[:240]
    hypermodel = RNNForecaster(1, horizon=6, mean=stats.mean(0), variance=stats.var(0),
                               target_mean=stats.mean(), target_std=stats.std())
    tuner = keras_tuner.RandomSearch(hypermodel, "val_loss", max_trials=2)
    tuner.search(train, validation_data=validation, epochs=2)
    ```
    """

    params = sp.FORECAST_PARAMS

    def __init__(
        self,
        inputs: int,
        horizon: int,
        mean: npt.ArrayLike,
        variance: npt.ArrayLike,
        target_mean: float,
        target_std: float,
        stride: int = 1,
        loss: str = "mse",
        season: int = 1,
        min_epoch_steps: int = 1,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.inputs = recurrent.positive_int("inputs", inputs)
        self.horizon = recurrent.positive_int("horizon", horizon)
        self.stride = recurrent.positive_int("stride", stride)
        self.season = recurrent.positive_int("season", season)
        self.min_epoch_steps = recurrent.positive_int("min_epoch_steps", min_epoch_steps)
        _check_seasonal_windows(self.space, self.season)
        self.mean, self.variance = _statistics("mean", mean, inputs), _statistics("variance", variance, inputs)
        if not float(target_std) > 0:
            raise ValueError(f"Expected target_std to be > 0. Received: target_std={target_std!r}")
        self.target_mean, self.target_std = float(target_mean), float(target_std)
        if loss not in ("mse", "mae"):
            raise ValueError(f"Expected loss to be one of ['mse', 'mae']. Received: loss={loss!r}")
        self.loss = loss
        self.metrics = ("mae",)

    def build(self, hp: "keras_tuner.HyperParameters") -> keras.Model:
        v = self.values(hp)
        window = keras.Input(shape=(v[sp.WINDOW], self.inputs), dtype="float32", name="window")
        x, mean, variance = window, self.mean, self.variance
        if v[sp.NORMALIZE] == "window":  # the target relative to the window's last value, in the output's scale
            x = FromLastValue(name="from_last_value")(x)
            mean, variance = [0.0, *mean[1:]], [self.target_std**2, *variance[1:]]
        x = keras.layers.Normalization(axis=-1, mean=mean, variance=variance)(x)
        outputs = keras.layers.Dense(
            self.horizon, kernel_regularizer=recurrent.l2(v), dtype="float32", name="scaled_forecast"
        )(self.stack(x, v))
        model = keras.Model(window, outputs, name=f"{v[sp.CELL]}_forecaster")
        return self.compile(model, v, self.loss, recurrent.make_metrics(self.metrics))

    def fit(  # type: ignore[override]
        self,
        hp: "keras_tuner.HyperParameters",
        model: keras.Model,
        x: Segment,
        validation_data: Segment | None = None,
        **kwargs: Any,
    ) -> keras.callbacks.History:
        """Cuts the trial's windows from the `Segment`s `x` and `validation_data`, then fits."""
        batch_size = self.space.register(hp, sp.BATCH_SIZE)
        window, predict = self.space.register(hp, sp.WINDOW), self.space.register(hp, sp.PREDICT)
        train = self.scaled(x, window, predict)
        count = len(x.origins(window, self.horizon, self.stride))
        train = train.shuffle(count, seed=self.seed).repeat(sp.epoch_passes(count, batch_size, self.min_epoch_steps))
        if validation_data is not None:
            validation_data = self.scaled(validation_data, window, predict).batch(batch_size).prefetch(-1)
        return model.fit(train.batch(batch_size).prefetch(-1), validation_data=validation_data, shuffle=False, **kwargs)

    def scaled(self, segment: Segment, window: int, predict: str) -> tf.data.Dataset:
        """`segment`'s windows with the targets the model learns: `(y - base) / target_std`."""
        weights = tf.constant(base_weights(predict, window, self.horizon, self.season))
        level, std = self.target_mean if predict == "level" else 0.0, self.target_std

        def scale(x: tf.Tensor, y: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
            base = tf.linalg.matvec(weights, x[:, 0], transpose_a=True) + level
            return x, (y - base) / std

        return windows(segment, window, self.horizon, self.stride).map(scale)

    def base_error(self, segment: Segment, window: int, predict: str) -> float:
        """The MAE of the base alone on `segment`'s windows, in the target's units: what a model that
        learned no correction would score (its `val_mae` times `target_std`)."""
        targets = [y for _, y in self.scaled(segment, window, predict).as_numpy_iterator()]
        return float(np.abs(np.stack(targets)).mean()) * self.target_std


def _check_seasonal_windows(space, season):
    """The seasonal `predict`s read the season before each forecast step: every window must hold one
    (and the step before it, for the change over the last season)."""
    windows = sp.possible_values(space.domain(sp.WINDOW))
    shortest = min(windows) if windows else space.domain(sp.WINDOW).min_value
    for predict in bases.SEASONAL:
        needed = bases.min_window(predict, season)
        if predict in sp.possible_values(space.domain(sp.PREDICT)) and shortest < needed:
            raise ValueError(
                f"Expected windows of at least {needed} steps for predict={predict!r} (season "
                f"{season}). Received: a window of {shortest}. Fix window=... to {needed} or more, or "
                f"predict=change."
            )


def _statistics(name, values, inputs):
    values = np.asarray(values, dtype="float64").reshape(-1)
    if values.shape != (inputs,) or not np.isfinite(values).all():
        raise ValueError(
            f"Expected {name} to hold {inputs} finite numbers, one per column. Received: {name}={values!r}"
        )
    return values.tolist()
