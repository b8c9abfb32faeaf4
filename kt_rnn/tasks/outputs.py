"""What every task does with a trained model: wrap it for raw input, predict on test, score.

Shared by the task implementations (`text`, `sequence`): the serving wrapper
around the trained layers, the test predictions, the scores of
`kt_rnn.tasks.scores`, the summary lines and the labels file.
"""

import pathlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import keras
import numpy as np

from kt_rnn import tasks
from kt_rnn.errors import UsageError
from kt_rnn.tasks import scores as scores_lib

if TYPE_CHECKING:
    import tensorflow as tf


PREDICT_BATCH = 256
LABELS_FILE = "labels.txt"
MAX_CLASS_LINES = 10  # classes listed one per line in the summary


def metrics_for(objective: str | None, problem: str) -> tuple[str, ...]:
    """The Keras metric names a model is compiled with so `objective` is logged.

    Example:

    >>> metrics_for("val_auc", "classification")
    ('accuracy', 'auc')
    """
    base = ["accuracy"] if problem == tasks.CLASSIFICATION else ["mae"]
    extra = tasks.objective(objective).metric if objective else None
    return tuple(base + ([extra] if extra and extra not in base else []))


def serving(
    model: keras.Model,
    raw_input: keras.KerasTensor,
    before: Callable[[Any], Any] | None = None,
    after: Callable[[Any], Any] | None = None,
) -> keras.Model:
    """A model from `raw_input` through `before` (e.g. a vectorizer), `model`'s layers, then `after`.

    Shares `model`'s layers but not its optimizer, so an export holds inference weights only.
    """
    inference = keras.Model(model.input, model.output, name=model.name)  # one tensor each, not lists
    x = before(raw_input) if before is not None else raw_input
    y = inference(x)
    return keras.Model(raw_input, after(y) if after is not None else y, name="end_to_end")


def named_outputs(dataset: Any) -> Callable[[Any], dict[str, Any]]:
    """The SavedModel's outputs, by name, from the served model's output tensor.

    Classes: `probabilities` (one column, the second class's, for two classes) and `label`,
    the predicted class's name; regression: `value`. A TF Serving client reads them by name.
    """
    if dataset.problem == tasks.REGRESSION:
        return lambda value: {"value": value}
    names = list(dataset.class_names)

    def named(probabilities: "tf.Tensor") -> dict[str, "tf.Tensor"]:
        import tensorflow as tf

        if probabilities.shape[-1] == 1:
            index = tf.cast(probabilities[:, 0] >= 0.5, tf.int64)  # as the test scores count it
        else:
            index = tf.argmax(probabilities, axis=-1)
        return {"probabilities": probabilities, "label": tf.gather(tf.constant(names), index)}

    return named


def predict(model: keras.Model, test: "tf.data.Dataset") -> tuple[np.ndarray, np.ndarray]:
    """`(targets, predictions)` of `model` over the unbatched `(raw input, target)` dataset `test`.

    Through `model.predict`, which traces the model once: called eagerly batch by batch, a
    recurrent model runs its steps in Python, 8-13x slower (25,000 IMDB reviews: ~4 min against 20 s).
    """
    batches = test.batch(PREDICT_BATCH)
    targets = np.concatenate([np.asarray(y) for _, y in batches])
    return targets, np.asarray(model.predict(batches.map(lambda x, y: x), verbose=0))


def predict_raw(model: keras.Model, raw: Any, class_names: Sequence[str] | None = None) -> np.ndarray:
    """The served `model`'s answers to `raw` input: class names for a classifier, else its values.

    Args:
        model: an export's end-to-end model (raw input in, the user's units out).
        raw: texts (a list of strings, or one string), or numbers `[n, timesteps, features]`.
        class_names: the classes, index = class id (`metrics.json`'s `class_names`); `None`: values.
    """
    outputs = _predicted(model, raw)
    if not class_names:
        return outputs
    return np.asarray(class_names, dtype=object)[scores_lib.predicted_classes(outputs)]


def evaluate_raw(
    model: keras.Model, raw: Any, targets: Any, class_names: Sequence[str] | None = None
) -> dict[str, Any]:
    """The test scores of `metrics.json` for the served `model` on `raw` input and its `targets`.

    Classes: accuracy, macro-F1, per class (and ROC AUC for two); `targets` are class names or
    class ids. Values: MAE, RMSE, R² in the user's units (a forecast's every step counted).
    """
    outputs = _predicted(model, raw)
    if class_names:
        return scored(class_ids(targets, class_names), outputs, class_names)
    targets = np.asarray(targets, dtype=float)
    if targets.shape == outputs.shape:  # forecasts: [n, horizon]
        targets, outputs = targets.reshape(-1), outputs.reshape(-1)
    return scored(targets, outputs, None)


def class_ids(labels: Any, class_names: Sequence[str]) -> np.ndarray:
    """Class ids of `labels` given as class names (or already as ids); raises `UsageError` naming the classes.

    Example:

    >>> class_ids(["pos", "neg"], ["neg", "pos"]).tolist()
    [1, 0]
    """
    labels = np.asarray(labels)
    if labels.dtype.kind in "iu":
        return labels
    index = {str(name): i for i, name in enumerate(class_names)}
    unknown = sorted({str(label) for label in labels.ravel()} - set(index))
    if unknown:
        raise UsageError(f"Expected labels among the classes {list(index)}. Received: {unknown[:5]}")
    return np.array([index[str(label)] for label in labels.ravel()])


def _predicted(model: keras.Model, raw: Any) -> np.ndarray:
    return np.asarray(model.predict(_raw_batch(raw), batch_size=PREDICT_BATCH, verbose=0))


def _raw_batch(raw: Any) -> Any:
    """`raw` as the served model reads it: a string tensor of texts, or float32 numbers."""
    import tensorflow as tf

    if isinstance(raw, str):
        raw = [raw]
    values = np.asarray(raw) if not isinstance(raw, np.ndarray) else raw
    if values.dtype.kind in "USO":
        return tf.constant([str(text) for text in values.ravel()], dtype=tf.string)
    return tf.constant(values, dtype=tf.float32)


def score(model: keras.Model, dataset: Any) -> dict[str, Any]:
    """The test scores of the serving `model` on `dataset.test`, for metrics.json."""
    targets, predictions = predict(model, dataset.test)
    return scored(targets, predictions, dataset.class_names if dataset.problem == tasks.CLASSIFICATION else None)


def scored(targets: Any, predictions: np.ndarray, class_names: Sequence[str] | None) -> dict[str, Any]:
    """Classes (`class_names` given): `scores.classification` and the loss; values: `scores.regression`."""
    if not class_names:
        return scores_lib.regression(targets, predictions)
    found = scores_lib.classification(targets, predictions, class_names)
    found["loss"] = _classification_loss(np.asarray(targets), predictions)
    return found


def _classification_loss(targets: np.ndarray, probabilities: np.ndarray) -> float:
    loss = (
        keras.losses.BinaryCrossentropy()
        if probabilities.shape[-1] == 1
        else keras.losses.SparseCategoricalCrossentropy()
    )
    return float(
        loss(targets.reshape(len(targets), -1)[:, :1] if probabilities.shape[-1] == 1 else targets, probabilities)
    )


def summary_lines(scores: Mapping[str, Any]) -> list[str]:
    """The closing lines about the test scores: one line, and per class when there are few."""
    lines = [scores_lib.summary_line(scores)]
    per_class = scores.get("per_class") or {}
    if len(per_class) <= MAX_CLASS_LINES:
        width = max(map(len, per_class), default=0)
        lines += [
            f"  {name:<{width}}  precision {s['precision']:.3f} | recall {s['recall']:.3f} | "
            f"F1 {s['f1']:.3f} ({s['support']} examples)"
            for name, s in per_class.items()
        ]
    return lines


def settings(dataset: Any, model: keras.Model | None = None) -> dict[str, Any]:
    """Data settings written beside the best hyperparameters in `hparams.json` (none for classes)."""
    return {}


def export_files(model: keras.Model, dataset: Any) -> dict[str, Callable[[pathlib.Path], Any]]:
    """`{file name: write(path)}` of extra files beside the export (none for classes)."""
    return {}


def folds(dataset: Any, k: int | None) -> None:
    """No folds: examples are selected on their one validation part (`--folds` is the forecast task's)."""
    return None


def assets(dataset: Any) -> dict[str, str]:
    """`{file name: text}` saved with the export: the class names, one per line, index = class."""
    if not dataset.class_names:
        return {}
    return {LABELS_FILE: "".join(f"{name}\n" for name in dataset.class_names)}
