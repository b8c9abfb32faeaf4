"""Seeded held-out splits (test, validation) of a user's examples.

Classification splits are stratified with scikit-learn's `train_test_split`;
this module only checks first that every class can be split, so the user
gets a `DataError` naming the classes and the fix instead of scikit-learn's
`ValueError`. Pure Python + numpy + scikit-learn: no TensorFlow import.
"""

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from kt_rnn.errors import DataError, UsageError

_SHOWN = 10  # classes listed in one message
_OPTIONS = "--test-split/--validation-split"


def holdout(n: int, fraction: float, seed: int) -> np.ndarray:
    """Boolean mask holding out a seeded random `fraction` of `n` examples (for regression).

    Args:
        n: number of examples.
        fraction: share to hold out, in (0, 1); the count is rounded half
            up and kept between 1 and `n - 1`.
        seed: random seed; the same seed gives the same mask.

    Returns:
        A boolean numpy array of length `n`, `True` for held-out examples.
    """
    size = holdout_size(n, fraction, "split")
    mask = np.zeros(n, dtype=bool)
    mask[np.random.default_rng(seed).permutation(n)[:size]] = True
    return mask


def stratified_holdout(
    labels: npt.ArrayLike, fraction: float, seed: int, what: str, class_names: Sequence[str] | None = None
) -> np.ndarray:
    """Boolean mask holding out a seeded `fraction` of the examples, each class in proportion.

    Args:
        labels: class of each example (integer indices or names).
        fraction: share to hold out, in (0, 1); the count is rounded half
            up and kept between 1 and `len(labels) - 1`.
        seed: random seed; the same seed gives the same mask.
        what: the split's name in error messages, e.g. `"test split"`.
        class_names: names of integer `labels`, for error messages.
            Defaults to `None` (classes are named by their label).

    Returns:
        A boolean numpy array, `True` for held-out examples.

    Raises:
        DataError: a class has fewer than 2 examples (one for each side),
            or a side would be smaller than the number of classes.

    Example:

    >>> mask = stratified_holdout(["ham"] * 8 + ["spam"] * 2, 0.5, seed=0, what="test split")
    >>> int(mask.sum())
    5
    """
    from sklearn.model_selection import train_test_split  # imported on use: it takes ~1 s

    labels = np.asarray(labels)
    size = holdout_size(len(labels), fraction, what)
    _check_classes(labels, size, what, class_names)
    try:
        _, held = train_test_split(np.arange(len(labels)), test_size=size, stratify=labels, random_state=seed)
    except ValueError as e:  # the checks above should leave none; never show sklearn's wording alone
        raise DataError(
            f"Cannot hold out a stratified {what} of {size} of {len(labels)} examples ({e}). "
            f"Use more examples or a different {_OPTIONS}."
        ) from None
    mask = np.zeros(len(labels), dtype=bool)
    mask[held] = True
    return mask


def class_counts(labels: npt.ArrayLike, class_names: Sequence[str]) -> dict[str, int]:
    """`{name: number of examples}` in `class_names` order; `labels` index `class_names`."""
    counts = np.bincount(np.asarray(labels, dtype=np.int64), minlength=len(class_names))
    return {name: int(count) for name, count in zip(class_names, counts)}


def holdout_size(n: int, fraction: float, what: str) -> int:
    """Examples held out of `n`: `fraction` of them rounded half up, at least 1 and at most `n - 1`."""
    if not 0 < fraction < 1:
        raise UsageError(f"The {what} must be a fraction between 0 and 1. Received: fraction={fraction!r}")
    if n < 2:
        raise DataError(
            f"Cannot hold out a {what} from {n} example(s): each side needs at least one. Use more examples."
        )
    return min(max(1, int(n * fraction + 0.5)), n - 1)


def _check_classes(labels: np.ndarray, size: int, what: str, class_names: Sequence[str] | None) -> None:
    classes, counts = np.unique(labels, return_counts=True)
    names = [_name(c, class_names) for c in classes]
    rare = [f"{name!r} has {count}" for name, count in zip(names, counts) if count < 2]
    if rare:
        listed = ", ".join(rare[:_SHOWN]) + (f" (and {len(rare) - _SHOWN} more)" if len(rare) > _SHOWN else "")
        raise DataError(
            f"Too few examples to split off a stratified {what}: each class needs at least 2 (one for "
            f"each side), but {listed}. Add examples of these classes, use a different {_OPTIONS}, "
            f"or drop these classes from the data."
        )
    smaller = min(size, len(labels) - size)
    if smaller < len(classes):
        raise DataError(
            f"A stratified {what} of {size} of {len(labels)} examples leaves a side of {smaller} "
            f"examples, fewer than the {len(classes)} classes. {_fraction_hint(len(classes), len(labels))}"
        )


def _fraction_hint(k: int, n: int) -> str:
    """How to give both sides of `n` examples at least `k`."""
    if 2 * k > n:
        return f"Use at least {2 * k} examples, or drop classes from the data."
    low, high = math.ceil(k / n * 1000) / 1000, math.floor((1 - k / n) * 1000) / 1000
    return f"Use a fraction between {low:g} and {high:g} ({_OPTIONS}), or use more examples."


def _name(label: Any, class_names: Sequence[str] | None) -> Any:
    if class_names is not None and np.issubdtype(type(label), np.integer):
        return class_names[int(label)]
    return label.item() if isinstance(label, np.generic) else label
