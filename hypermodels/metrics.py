"""Metrics the recurrent hypermodels need that Keras does not ship: macro-averaged F1.

Keras 3's `F1Score` wants one-hot labels and, for a single sigmoid unit, scores
class 1 only. On imbalanced data accuracy hides a model that ignores the rare
class; `MacroF1` takes the integer labels the models are trained on and
averages F1 over every class, so it can serve as the tuner objective
(`val_macro_f1`, direction `max`).

Only `keras.ops`: it runs on any Keras backend and inside a jit-compiled step.
"""

from typing import Any

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="kt_rnn")
class MacroF1(keras.metrics.Metric):
    """Unweighted mean of per-class F1, from integer labels.

    The predictions are either one sigmoid unit, shape `(batch, 1)` (binary:
    class 1 when `p >= threshold`, and F1 is averaged over both classes 0 and
    1), or a softmax over `num_classes`, shape `(batch, num_classes)`
    (argmax). Labels are class ids of shape `(batch,)` or `(batch, 1)`, int or
    float. A confusion matrix is accumulated across batches, so the result is
    the F1 of the whole epoch, not a mean of per-batch F1s.

    A class with no true and no predicted example scores F1 0 and still counts
    in the mean, as `sklearn.metrics.f1_score(average="macro",
    labels=range(num_classes), zero_division=0)` does: a model is not rewarded
    for classes the data happened to lack. Labels outside `[0, num_classes)`
    are ignored.

    Args:
        num_classes: int, number of classes (2 for a sigmoid output).
        name: str, defaults to `"macro_f1"`; Keras logs it as `macro_f1` and
            `val_macro_f1`.
        threshold: float, defaults to 0.5; the sigmoid probability from which
            an example is predicted as class 1. Unused for softmax outputs.
        dtype: dtype of the result, defaults to the Keras float type.

    Example:

    ```python
    model.compile(optimizer="adam", loss="binary_crossentropy",
                  metrics=["accuracy", MacroF1(2)])
    tuner = keras_tuner.RandomSearch(
        hypermodel, keras_tuner.Objective("val_macro_f1", "max"), max_trials=5)
    ```
    """

    def __init__(
        self, num_classes: int, name: str = "macro_f1", threshold: float = 0.5, dtype: str | None = None
    ) -> None:
        super().__init__(name=name, dtype=dtype)
        if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 2:
            raise ValueError(f"Expected num_classes to be an int >= 2. Received: num_classes={num_classes!r}")
        self.num_classes = num_classes
        self.threshold = float(threshold)
        # Rows are true classes, columns predicted ones; summed across replicas.
        self.confusion = self.add_variable(
            shape=(num_classes, num_classes), initializer="zeros", dtype="float32", name="confusion"
        )

    def update_state(self, y_true: Any, y_pred: Any, sample_weight: Any = None) -> None:
        true = ops.one_hot(_class_ids(y_true), self.num_classes, dtype="float32")
        predicted = ops.one_hot(self._predicted_class(y_pred), self.num_classes, dtype="float32")
        if sample_weight is not None:
            true = true * ops.reshape(ops.cast(sample_weight, "float32"), (-1, 1))
        self.confusion.assign_add(ops.matmul(ops.transpose(true), predicted))

    def result(self) -> Any:
        true_positives = ops.diagonal(self.confusion)
        # F1 = 2 TP / (2 TP + FP + FN) = 2 TP / (true count + predicted count).
        support = ops.sum(self.confusion, axis=1) + ops.sum(self.confusion, axis=0)
        f1 = ops.divide_no_nan(2.0 * true_positives, support)
        return ops.cast(ops.mean(f1), self.dtype)

    def get_config(self) -> dict[str, Any]:
        return {**super().get_config(), "num_classes": self.num_classes, "threshold": self.threshold}

    def _predicted_class(self, y_pred):
        if len(y_pred.shape) > 1 and y_pred.shape[-1] == self.num_classes:
            return ops.argmax(y_pred, axis=-1)
        if self.num_classes != 2:
            raise ValueError(
                f"Expected predictions of shape (batch, {self.num_classes}) for num_classes={self.num_classes}. "
                f"Received: shape={tuple(y_pred.shape)}"
            )
        return _class_ids(ops.reshape(y_pred, (-1,)) >= self.threshold)


def _class_ids(values):
    # Float labels (1.0) come from binary cross-entropy pipelines; cast, not round,
    # since they are exact small integers.
    return ops.cast(ops.reshape(values, (-1,)), "int32")
