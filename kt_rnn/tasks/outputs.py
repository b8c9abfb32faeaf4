"""What every task does with a trained model: wrap it for raw input, predict on test, score.

Shared by the task implementations (`text`, `sequence`): the serving wrapper
around the trained layers, the test predictions, the scores of
`kt_rnn.tasks.scores`, the summary lines and the labels file.
"""

import pathlib
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import keras
import numpy as np

from kt_rnn import tasks
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


def predict(model: keras.Model, test: "tf.data.Dataset") -> tuple[np.ndarray, np.ndarray]:
    """`(targets, predictions)` of `model` over the unbatched `(raw input, target)` dataset `test`.

    Through `model.predict`, which traces the model once: called eagerly batch by batch, a
    recurrent model runs its steps in Python, 8-13x slower (25,000 IMDB reviews: ~4 min against 20 s).
    """
    batches = test.batch(PREDICT_BATCH)
    targets = np.concatenate([np.asarray(y) for _, y in batches])
    return targets, np.asarray(model.predict(batches.map(lambda x, y: x), verbose=0))


def score(model: keras.Model, dataset: Any) -> dict[str, Any]:
    """The test scores of the serving `model` on `dataset.test`, for metrics.json."""
    targets, predictions = predict(model, dataset.test)
    if dataset.problem == tasks.REGRESSION:
        return scores_lib.regression(targets, predictions)
    found = scores_lib.classification(targets, predictions, dataset.class_names)  # type: ignore[arg-type]  # classes
    found["loss"] = _classification_loss(targets, predictions)
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
