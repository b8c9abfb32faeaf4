"""Test-set scores of a trained model, as JSON-ready dicts and a one-line summary.

Accuracy alone hides a classifier that ignores a rare class, so classification
scores also carry macro-F1, per-class precision/recall/F1, the confusion matrix
and, for a binary model, ROC AUC. scikit-learn computes them; this module only
turns model outputs into class ids and the results into plain Python values
that `json.dumps` accepts.

numpy and scikit-learn only: no TensorFlow import.
"""

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from sklearn import metrics


def classification(
    labels: npt.ArrayLike, probabilities: npt.ArrayLike, class_names: Sequence[str], threshold: float = 0.5
) -> dict[str, Any]:
    """Scores class probabilities against integer labels.

    Args:
        labels: int array of shape `[n]` (or `[n, 1]`), class ids in
            `range(len(class_names))`.
        probabilities: float array, `[n, 1]` (or `[n]`) for a binary sigmoid
            model (P(class 1)), or `[n, k]` softmax probabilities.
        class_names: sequence of `k` class names, in class id order.
        threshold: float, defaults to 0.5; sigmoid probability from which an
            example is predicted as class 1.

    Returns:
        dict with `accuracy`, `macro_f1` (mean F1 over all `k` classes; a class
        never true nor predicted scores 0), `per_class`
        (`{name: {precision, recall, f1, support}}`), `confusion_matrix` (list
        of lists, rows = true class, columns = predicted class, in
        `class_names` order) and, for a sigmoid model only, `roc_auc` (None when
        the labels hold one class only).

    Example:

    >>> scores = classification([0, 1, 1], [[0.2], [0.9], [0.4]], ["neg", "pos"])
    >>> scores["accuracy"], scores["confusion_matrix"]
    (0.6666666666666666, [[1, 0], [1, 1]])
    """
    names = [str(name) for name in class_names]
    labels = _column("labels", labels).astype(int)
    probabilities = np.asarray(probabilities, dtype=float)
    probabilities = probabilities.reshape(-1, 1) if probabilities.ndim == 1 else probabilities
    _check(labels, probabilities, names)
    scores = _class_scores(labels, predicted_classes(probabilities, threshold), names)
    if probabilities.shape[1] == 1:
        scores["roc_auc"] = _roc_auc(labels, probabilities[:, 0])
    return scores


def predicted_classes(probabilities: npt.ArrayLike, threshold: float = 0.5) -> np.ndarray:
    """Class ids from probabilities: `[n, 1]` (a sigmoid's P(class 1)) at `threshold`, else the argmax.

    Example:

    >>> predicted_classes([[0.2], [0.7]]).tolist(), predicted_classes([[0.1, 0.3, 0.6]]).tolist()
    ([0, 1], [2])
    """
    probabilities = np.asarray(probabilities, dtype=float)
    probabilities = probabilities.reshape(-1, 1) if probabilities.ndim == 1 else probabilities
    if probabilities.shape[1] == 1:
        return (probabilities[:, 0] >= threshold).astype(int)
    return probabilities.argmax(axis=1)


def regression(targets: npt.ArrayLike, predictions: npt.ArrayLike) -> dict[str, float | None]:
    """Scores real-valued predictions: MAE, RMSE, MSE and R².

    Args:
        targets: float array of shape `[n]` or `[n, 1]`.
        predictions: float array of the same length, `[n]` or `[n, 1]`.

    Returns:
        dict of floats `mae`, `rmse`, `mse` and `r2` (`r2` is None for fewer
        than two examples, where it is undefined).

    Example:

    >>> regression([1.0, 2.0, 3.0], [[1.0], [2.0], [5.0]])["mae"]
    0.6666666666666666
    """
    targets, predictions = _column("targets", targets), _column("predictions", predictions)
    if len(targets) != len(predictions) or not len(targets):
        raise ValueError(
            f"Expected as many predictions as targets, at least one. "
            f"Received: {len(predictions)} predictions for {len(targets)} targets"
        )
    mse = float(metrics.mean_squared_error(targets, predictions))
    r2 = float(metrics.r2_score(targets, predictions)) if len(targets) > 1 else None
    return {
        "mae": float(metrics.mean_absolute_error(targets, predictions)),
        "rmse": math.sqrt(mse),
        "mse": mse,
        "r2": r2,
    }


def summary_line(scores: Mapping[str, Any]) -> str:
    """One short human line from `classification` or `regression` scores.

    Example:

    >>> summary_line({"accuracy": 0.861, "macro_f1": 0.8605, "roc_auc": 0.9312})
    'test accuracy 0.8610 | macro-F1 0.8605 | ROC AUC 0.9312'
    >>> summary_line({"mae": 1.234, "rmse": 2.345, "mse": 5.499, "r2": 0.81})
    'test MAE 1.234 | RMSE 2.345 | R² 0.81'
    """
    if "accuracy" in scores:
        parts = [f"test accuracy {scores['accuracy']:.4f}", f"macro-F1 {scores['macro_f1']:.4f}"]
        if "roc_auc" in scores:
            parts.append(f"ROC AUC {_number(scores['roc_auc'], '.4f')}")
    elif "mae" in scores:
        parts = [f"test MAE {scores['mae']:.3f}", f"RMSE {scores['rmse']:.3f}", f"R² {_number(scores['r2'], '.2f')}"]
    else:
        raise ValueError(f"Expected classification or regression scores. Received keys: {sorted(scores)}")
    return " | ".join(parts)


def _class_scores(labels: np.ndarray, predicted: np.ndarray, names: list[str]) -> dict[str, Any]:
    ids = list(range(len(names)))
    precision, recall, f1, support = metrics.precision_recall_fscore_support(
        labels, predicted, labels=ids, zero_division=0
    )
    per_class = {
        name: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
        for name, p, r, f, s in zip(names, precision, recall, f1, support)
    }
    return {
        "accuracy": float(metrics.accuracy_score(labels, predicted)),
        "macro_f1": float(np.mean(f1)),
        "per_class": per_class,
        "confusion_matrix": metrics.confusion_matrix(labels, predicted, labels=ids).tolist(),
    }


def _roc_auc(labels: np.ndarray, positive_probability: np.ndarray) -> float | None:
    # Undefined (sklearn raises) when the test set holds one class only.
    if len(np.unique(labels)) < 2:
        return None
    return float(metrics.roc_auc_score(labels, positive_probability))


def _check(labels: np.ndarray, probabilities: np.ndarray, names: list[str]) -> None:
    k = len(names)
    if k < 2 or len(set(names)) != k:
        raise ValueError(f"Expected at least two distinct class names. Received: class_names={names!r}")
    if probabilities.ndim != 2 or probabilities.shape[1] not in (1, k) or (probabilities.shape[1] == 1 and k != 2):
        raise ValueError(
            f"Expected probabilities of shape [n, 1] (binary) or [n, {k}]. "
            f"Received: shape={probabilities.shape} for {k} class names"
        )
    if len(labels) != len(probabilities) or not len(labels):
        raise ValueError(
            f"Expected one label per row of probabilities, at least one. "
            f"Received: {len(labels)} labels for {len(probabilities)} rows"
        )
    if labels.min() < 0 or labels.max() >= k:
        raise ValueError(f"Expected labels in range({k}). Received: labels from {labels.min()} to {labels.max()}")


def _column(name: str, values: npt.ArrayLike) -> np.ndarray:
    values = np.asarray(values)
    if values.ndim > 2 or (values.ndim == 2 and values.shape[1] != 1):
        raise ValueError(f"Expected {name} of shape [n] or [n, 1]. Received: shape={values.shape}")
    return values.reshape(-1)


def _number(value: float | None, spec: str) -> str:
    return "n/a" if value is None else format(value, spec)
