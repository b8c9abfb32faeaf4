"""The numeric sequence HyperModel: raw float windows -> Normalization -> the shared recurrent stack -> head.

Numeric sequences need no embedding: the recurrent stack reads the features
of each timestep directly. Putting the training statistics in a
`keras.layers.Normalization` layer inside the model means the model (and its
export) takes raw values, so nothing has to be normalized by hand at serving
time. Sequences are dense (no padding), so nothing is masked.
"""

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import keras
import numpy as np
import numpy.typing as npt

from hypermodels import recurrent
from hypermodels import space as sp
from hypermodels.classifier import classification_head, classification_loss

if TYPE_CHECKING:
    import keras_tuner

CLASSIFICATION_METRICS = ("accuracy", "auc", "macro_f1")
REGRESSION_METRICS = ("mae",)


class SequenceModel(recurrent.RecurrentHyperModel):
    """Classifier or regressor over numeric sequences `[batch, timesteps, features]`.

    The search space is `hypermodels.space.SEQUENCE_PARAMS`, the shared
    recurrent params (cell, depth, units per layer, bidirectional, dropout,
    optimizer, learning rate, batch size, ...); `build(hp)` and `fit(hp, ...)`
    only read it.

    Args:
        timesteps: int, steps per sequence.
        features: int, values per step.
        num_classes: int >= 2, or `None` (the default) for regression: one
            linear unit, mean squared error, metric `"mae"`. Two classes give
            one sigmoid unit and binary cross-entropy; more give a softmax
            over integer labels.
        mean: per-feature means (`features` floats), or `None` (the default:
            the model takes inputs as given). With `variance`, a
            `keras.layers.Normalization` layer first in the model
            standardizes raw inputs.
        variance: per-feature variances (`features` floats >= 0), given
            with `mean`. Defaults to `None`.
        metrics: tuple of metric names compiled in. Defaults to `None`:
            `("accuracy",)` for classification, `("mae",)` for regression;
            classification also takes `"auc"` (binary) and `"macro_f1"`
            (objectives `val_auc`, `val_macro_f1`).
        **kwargs: the settings of every recurrent HyperModel (`recurrent.RecurrentHyperModel`):
            `space` (a `SearchSpace` of `SEQUENCE_PARAMS`, defaults to its default space), `seed`,
            `jit_compile`, `dtype_policy` (the output layer stays float32 under a mixed one),
            `ema`, `name` and `tunable`.

    Example:

    ```python
    x = np.random.randn(200, 20, 3).astype("float32")
    y = (x.mean(axis=(1, 2)) > 0).astype("int64")
    hypermodel = SequenceModel(20, 3, num_classes=2,
                               mean=x.mean(axis=(0, 1)), variance=x.var(axis=(0, 1)))
    tuner = keras_tuner.RandomSearch(hypermodel, "val_accuracy", max_trials=2, directory="tuning")
    tuner.search(x, y, validation_split=0.2, epochs=2)
    ```
    """

    params = sp.SEQUENCE_PARAMS

    def __init__(
        self,
        timesteps: int,
        features: int,
        num_classes: int | None = None,
        mean: npt.ArrayLike | None = None,
        variance: npt.ArrayLike | None = None,
        metrics: Sequence[str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.timesteps = recurrent.positive_int("timesteps", timesteps)
        self.features = recurrent.positive_int("features", features)
        if num_classes is not None:
            recurrent.positive_int("num_classes", num_classes, minimum=2)
        self.num_classes = num_classes
        self.mean, self.variance = _statistics(mean, variance, features)
        self.metrics = _check_metrics(metrics, num_classes)

    def build(self, hp: "keras_tuner.HyperParameters") -> keras.Model:
        v = self.values(hp)  # fit-level ones too, so every trial logs them
        inputs = keras.Input(shape=(self.timesteps, self.features), dtype="float32", name="sequences")
        x = inputs
        if self.mean is not None:
            x = keras.layers.Normalization(axis=-1, mean=self.mean, variance=self.variance)(x)
        x = self.stack(x, v)
        if self.num_classes is None:
            model = keras.Model(inputs, _value_head(x, v), name=f"{v[sp.CELL]}_regressor")
            return self.compile(model, v, "mse", recurrent.make_metrics(self.metrics))
        outputs = classification_head(x, self.num_classes, v)
        model = keras.Model(inputs, outputs, name=f"{v[sp.CELL]}_classifier")
        return self.compile(
            model, v, classification_loss(self.num_classes), recurrent.make_metrics(self.metrics, self.num_classes)
        )


def _value_head(x, v):
    """One linear unit; float32 under any precision policy."""
    return keras.layers.Dense(1, kernel_regularizer=recurrent.l2(v), dtype="float32", name="value")(x)


def _statistics(mean, variance, features):
    """`mean` and `variance` as lists of `features` floats (both given), or `(None, None)`."""
    if mean is None and variance is None:
        return None, None
    if mean is None or variance is None:
        raise ValueError(
            f"Expected mean and variance both given or both None. Received: mean={mean!r}, variance={variance!r}"
        )
    mean, variance = np.asarray(mean, dtype=float), np.asarray(variance, dtype=float)
    if mean.shape != (features,) or variance.shape != (features,):
        raise ValueError(
            f"Expected mean and variance of shape ({features},), one value per feature. "
            f"Received: mean.shape={mean.shape}, variance.shape={variance.shape}"
        )
    if not np.isfinite(mean).all() or not np.isfinite(variance).all() or (variance < 0).any():
        raise ValueError(
            f"Expected finite means and variances >= 0. Received: mean={mean.tolist()}, variance={variance.tolist()}"
        )
    return mean.tolist(), variance.tolist()


def _check_metrics(metrics, num_classes):
    allowed = REGRESSION_METRICS if num_classes is None else CLASSIFICATION_METRICS
    if metrics is None:
        return allowed[:1]
    metrics = recurrent.check_metrics(metrics)
    if not set(metrics) <= set(allowed):
        problem = "regression" if num_classes is None else "classification"
        raise ValueError(f"Expected {problem} metrics among {list(allowed)}. Received: metrics={list(metrics)!r}")
    return metrics
