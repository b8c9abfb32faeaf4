"""A user's numeric sequences (an `.npz` file or a folder of `.npy` files) -> `tf.data` splits.

Accepted, and named in every error (`ACCEPTED`):

- `FILE.npz` (as `np.savez` writes it) with arrays `x` of shape
  `[n, timesteps, features]` (or `[n, timesteps]`: one feature) and `y` of
  shape `[n]` (or `[n, 1]`), optionally `x_test` and `y_test` (both or neither);
- a directory holding `x.npy` and `y.npy` (optionally `x_test.npy` and
  `y_test.npy`), the same arrays saved one per file.

Integer (or bool) `y` poses a classification problem, float `y` a regression
(`--task` overrides). The test part is held out (stratified for classes) unless
`x_test` is given, then a validation part of the rest. The model normalizes
its inputs with per-feature statistics of the training part only, and
regression targets are standardized for training so the loss does not depend
on their units; the test split keeps raw inputs and targets in the user's
units, as the exported model sees them. Reading and checking the arrays need
numpy only, so bad data is reported before TensorFlow loads.
"""

import dataclasses
import os
import pathlib
from typing import Any

import numpy as np

from kt_rnn import data
from kt_rnn.data import splits
from kt_rnn.errors import DataError

ACCEPTED = (
    "Expected an .npz file with arrays x [n, timesteps, features] (or [n, timesteps]) and y [n], "
    "optionally x_test and y_test, or a directory holding x.npy and y.npy (optionally x_test.npy "
    "and y_test.npy)"
)
NAMES = ("x", "y", "x_test", "y_test")
CLASSIFICATION, REGRESSION = "classification", "regression"
_SAVE_HINT = "Save numeric numpy arrays, e.g. np.savez('data.npz', x=x.astype('float32'), y=y)"


SUFFIXES = (".npz", ".npy")  # the files `kt_rnn.tune` takes for sequences without being told


def claims(path: pathlib.Path | None, pair: tuple[Any, Any] | None) -> bool:
    """True for an .npz/.npy (or a folder holding x.npy) and for numbers in memory (`kt_rnn.data.dataset_of`)."""
    if path is not None:
        return path.suffix.lower() in SUFFIXES or (path.is_dir() and (path / "x.npy").exists())
    return pair is not None and not isinstance(next(iter(pair[0]), None), str)


def in_memory(pair: tuple[Any, Any] | None, test_pair: tuple[Any, Any] | None) -> dict[str, "Arrays"]:
    """The loader's keyword arguments for `(x, y)` arrays given in memory, and the test part's."""
    x, y = pair if pair is not None else (None, None)
    x_test, y_test = test_pair if test_pair is not None else (None, None)
    x, y, x_test, y_test = (None if v is None else np.asarray(v) for v in (x, y, x_test, y_test))
    return {"arrays": Arrays(x, y, x_test, y_test)}


@dataclasses.dataclass
class Arrays:
    """The arrays of a sequence dataset, as read (see `ACCEPTED`).

    Args:
        x: float/int array `[n, timesteps, features]`.
        y: array `[n]` of class labels (integers) or real targets (floats).
        x_test: array like `x` with its own `n`, or `None` (held out of `x`).
        y_test: array like `y`, given with `x_test`, or `None`.
        source: where the arrays came from (a resolved path, or "in memory").
        found: names of the arrays the source holds, for error messages.
    """

    x: np.ndarray | None
    y: np.ndarray | None
    x_test: np.ndarray | None = None
    y_test: np.ndarray | None = None
    source: str = "in memory"
    found: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Problem:
    """What `y` asks for: `"classification"` with its sorted label values, or `"regression"`."""

    kind: str
    classes: np.ndarray | None = None  # sorted distinct labels; index = class id

    @property
    def class_names(self) -> tuple[str, ...] | None:
        return None if self.classes is None else tuple(str(c) for c in self.classes.tolist())

    def targets(self, y: np.ndarray, what: str = "y") -> np.ndarray:
        """Class ids `0..k-1` (int64) for classification, float32 values for regression."""
        if self.kind == REGRESSION:
            return y.astype(np.float32)
        labels = _integer_labels(y, what)
        unknown = ~np.isin(labels, self.classes)  # type: ignore[arg-type]  # classification: classes set
        if unknown.any():
            i = int(np.argmax(unknown))
            raise DataError(
                f"{what} holds labels that y does not have: {what}[{i}]={labels[i].item()} (y has "
                f"{list(self.class_names)}). "  # type: ignore[arg-type]
                f"Give x/y examples of every class in {what}."
            )
        return np.searchsorted(self.classes, labels).astype(np.int64)  # type: ignore[arg-type]


def read(path: str | os.PathLike[str]) -> Arrays:
    """Reads the arrays of a sequence dataset, without checking them (see `validate`).

    Args:
        path: an `.npz` file with arrays `x` `[n, timesteps, features]` (or
            `[n, timesteps]`, one feature) and `y` `[n]` (or `[n, 1]`),
            optionally `x_test` and `y_test`; or a directory holding `x.npy`
            and `y.npy` (optionally `x_test.npy` and `y_test.npy`). Loaded
            with `allow_pickle=False`: object arrays are refused.

    Returns:
        An `Arrays`, `x` reshaped to `[n, timesteps, 1]` when it is
        `[n, timesteps]` and `y` to `[n]` when it is `[n, 1]`.

    Raises:
        DataError: the path is missing, not readable as numpy arrays, or
            holds object arrays.

    Example:

    >>> np.savez("walks.npz", x=np.random.randn(100, 20, 3), y=np.arange(100) % 2)  # doctest: +SKIP
    >>> read("walks.npz").x.shape  # doctest: +SKIP
    (100, 20, 3)
    """
    path = pathlib.Path(path).expanduser().resolve()
    if not path.exists():
        raise DataError(f"Sequence data not found at {str(path)!r}. {ACCEPTED}; pass it with --data.")
    try:
        found = _read_directory(path) if path.is_dir() else _read_npz(path)
    except ValueError as e:  # numpy's words for object (pickled) arrays and unreadable files
        raise DataError(
            f"Cannot read numeric arrays from {str(path)!r} ({e}). {_SAVE_HINT}: object "
            f"arrays (lists, ragged sequences) are not loaded; pad sequences to one length "
            f"(keras.utils.pad_sequences) first. {ACCEPTED}."
        ) from None
    arrays = {name: found.get(name) for name in NAMES}
    return _shaped(Arrays(**arrays, source=str(path), found=tuple(sorted(found))))


def _read_directory(path: pathlib.Path) -> dict[str, np.ndarray | None]:
    # Only the four names are loaded; other .npy files are listed in errors, never read.
    files = {f.stem: f for f in path.glob("*.npy")}
    return {name: np.load(f, allow_pickle=False) if name in NAMES else None for name, f in files.items()}


def _read_npz(path: pathlib.Path) -> dict[str, np.ndarray | None]:
    try:
        with open(path, "rb") as f:
            magic = f.read(6)
        loaded = np.load(path, allow_pickle=False)
    except (OSError, EOFError) as e:
        raise DataError(f"Cannot read {str(path)!r} as numpy data ({e}). {ACCEPTED}.") from None
    except ValueError:
        if magic.startswith((b"PK", b"\x93NUMPY")):
            raise  # numpy's own file, refused for an object array: `read` says so
        # numpy calls any other file "pickled data"; say what it is instead.
        raise DataError(
            f"{str(path)!r} is not an .npz file. {ACCEPTED}; save them with np.savez('data.npz', x=x, y=y)."
        ) from None
    if isinstance(loaded, np.ndarray):  # a single .npy file
        raise DataError(
            f"{str(path)!r} holds one array (.npy), not x and y. {ACCEPTED}; e.g. np.savez('data.npz', x=x, y=y)."
        )
    with loaded:
        return {name: loaded[name] if name in NAMES else None for name in loaded.files}


def _shaped(arrays: Arrays) -> Arrays:
    """`x`/`x_test` `[n, timesteps]` -> `[n, timesteps, 1]`; `y`/`y_test` `[n, 1]` -> `[n]`."""
    return dataclasses.replace(
        arrays,
        x=_x_shaped(arrays.x),
        y=_y_shaped(arrays.y),
        x_test=_x_shaped(arrays.x_test),
        y_test=_y_shaped(arrays.y_test),
    )


def _x_shaped(x: Any) -> np.ndarray | None:
    x = None if x is None else np.asarray(x)  # in-memory lists too
    return x[..., np.newaxis] if x is not None and x.ndim == 2 else x


def _y_shaped(y: Any) -> np.ndarray | None:
    y = None if y is None else np.asarray(y)
    return y.reshape(-1) if y is not None and y.ndim == 2 and y.shape[1] == 1 else y


def validate(arrays: Arrays) -> Arrays:
    """Checks `arrays` for a search; returns them shaped as `read` shapes them.

    Args:
        arrays: an `Arrays` (from `read`, or made in memory).

    Returns:
        The `Arrays`, `x` `[n, timesteps, features]` and `y` `[n]`.

    Raises:
        DataError: `x` or `y` missing, `x_test` without `y_test` (or the
            reverse), a non-numeric array, a wrong shape, lengths that differ,
            `x_test` with other timesteps/features than `x`, NaN or infinite
            values, or fewer examples than the splits need.
    """
    _check_present(arrays)
    arrays = _shaped(arrays)
    pairs = [("x", "y"), *([("x_test", "y_test")] if arrays.x_test is not None else [])]
    for x_name, y_name in pairs:
        _check_pair(arrays, x_name, y_name)
    # x and y are set: `_check_present` refused arrays without them.
    if arrays.x_test is not None and arrays.x_test.shape[1:] != arrays.x.shape[1:]:  # type: ignore[union-attr]
        raise DataError(
            "Expected x_test of shape "
            f"[n, {', '.join(map(str, arrays.x.shape[1:]))}] like x. "  # type: ignore[union-attr]
            f"Received: x_test.shape={arrays.x_test.shape}. Save x_test with the timesteps and "
            f"features of x."
        )
    _check_count(arrays)
    return arrays


def _check_present(arrays: Arrays) -> None:
    found = f"{str(arrays.source)!r} holds {list(arrays.found) or 'no arrays'}"
    for name in ("x", "y"):
        if getattr(arrays, name) is None:
            raise DataError(f"Array {name} is missing: {found}. {ACCEPTED}.")
    if (arrays.x_test is None) != (arrays.y_test is None):
        given, missing = ("x_test", "y_test") if arrays.y_test is None else ("y_test", "x_test")
        raise DataError(
            f"{given} is given without {missing}: {found}. Give both (a test split of "
            f"your own) or neither (a --test-split of x is held out)."
        )


def _check_pair(arrays, x_name, y_name):
    x, y = getattr(arrays, x_name), getattr(arrays, y_name)
    for name, array in ((x_name, x), (y_name, y)):
        _check_numeric(name, array)
    if x.ndim != 3 or 0 in x.shape[1:]:
        raise DataError(
            f"Expected {x_name} of shape [n, timesteps, features] or [n, timesteps], with "
            f"timesteps and features >= 1. Received: {x_name}.shape={x.shape}."
        )
    if y.ndim != 1:
        raise DataError(
            f"Expected {y_name} of shape [n] or [n, 1]: one label or target per example. "
            f"Received: {y_name}.shape={y.shape}."
        )
    if len(x) != len(y):
        raise DataError(
            f"Expected one {y_name} per example of {x_name}. Received: {x_name} holds {len(x)} "
            f"examples, {y_name} holds {len(y)}. Save {x_name} and {y_name} of the same length."
        )
    _check_finite(x_name, x)
    _check_finite(y_name, y)


def _check_numeric(name: str, array: np.ndarray) -> None:
    if (
        array.dtype != bool
        and not np.issubdtype(array.dtype, np.integer)
        and not np.issubdtype(array.dtype, np.floating)
    ):
        raise DataError(
            f"Expected {name} to hold numbers (int, float or bool). Received: {name}.dtype={array.dtype}. {_SAVE_HINT}."
        )


def _check_finite(name: str, array: np.ndarray) -> None:
    if not np.issubdtype(array.dtype, np.floating):
        return  # integers and bools are always finite
    bad = ~np.isfinite(array)
    if bad.any():
        first = ", ".join(str(int(i)) for i in np.unravel_index(np.argmax(bad), bad.shape))
        raise DataError(
            f"{name} holds {int(bad.sum())} NaN or infinite value(s), the first at {name}[{first}]. "
            f"Replace them (e.g. np.nan_to_num, or interpolate) or drop those examples."
        )
    large = data.too_large(array)
    if large.any():
        at = np.unravel_index(np.argmax(large), large.shape)
        raise DataError(
            f"{name} holds {int(large.sum())} value(s) too large to train on, the first {name}"
            f"[{', '.join(str(int(i)) for i in at)}] = {float(array[at]):.3g}: {data.rescale_hint(name)}."
        )


def _check_count(arrays):
    own_test = arrays.x_test is not None
    needed = 2 if own_test else 3  # at least one example each to train, validate and test on
    parts = "training and validation" if own_test else "training, validation and test"
    if len(arrays.x) < needed:
        raise DataError(
            f"Too few examples: x holds {len(arrays.x)}, the {parts} splits need at least "
            f"{needed} (one each). Add examples to x and y."
        )
    if own_test and not len(arrays.x_test):
        raise DataError(
            "x_test holds no examples. Add examples, or drop x_test and y_test to hold out a --test-split of x."
        )


def problem_of(y: np.ndarray, task_type: str | None = None) -> Problem:
    """What `y` asks for: classification (with its classes) or regression.

    Args:
        y: the labels or targets, shape `[n]`.
        task_type: `"classification"`, `"regression"` or `None` (the
            default: integer or bool `y` -> classification, float `y` ->
            regression). Classification needs integer values; floats with
            integral values only (1.0, 2.0) are accepted.

    Returns:
        A `Problem`; for classification its `classes` are the sorted distinct
        values of `y` (class id = position), `class_names` their `str()`.

    Raises:
        DataError: classification of non-integral values, or fewer than 2 classes.

    Example:

    >>> problem_of(np.array([3, 1, 3])).class_names
    ('1', '3')
    """
    if task_type is None:
        integral = y.dtype == bool or np.issubdtype(y.dtype, np.integer)
        task_type = CLASSIFICATION if integral else REGRESSION
    if task_type == REGRESSION:
        return Problem(REGRESSION)
    classes = np.unique(_integer_labels(y, "y"))
    if len(classes) < 2:
        raise DataError(
            f"Classification needs at least 2 classes, but every label in y is {classes.tolist()}. "
            f"Add examples of other classes, or use --task regression for real-valued targets."
        )
    return Problem(CLASSIFICATION, classes)


def _integer_labels(y: np.ndarray, what: str) -> np.ndarray:
    if y.dtype == bool or np.issubdtype(y.dtype, np.integer):
        return y
    fractional = y != np.round(y)
    if fractional.any():
        i = int(np.argmax(fractional))
        raise DataError(
            f"Expected integer class labels in {what} for classification. Received: "
            f"{what}[{i}]={y[i].item()!r}. Save {what} as integers, or use --task regression."
        )
    return y.astype(np.int64)


def build(arrays: Arrays, config: Any) -> data.Dataset:
    """Splits validated `arrays` into a `kt_rnn.data.Dataset`.

    Without `x_test`, a seeded `config.data.test_split` of `x` is held out
    (stratified for classification); `config.data.train_size` and
    `config.data.test_size` (None = all) subsample the rest and the test part;
    then a seeded `config.data.validation_split` of the rest is held out.

    Args:
        arrays: `Arrays` that passed `validate`.
        config: a `kt_rnn.config.Config` (`seed`, `test_split`,
            `validation_split`, `train_size`, `test_size`, `task_type`).

    Returns:
        A `Dataset`: `train`/`validation` of `(x float32, class id or
        standardized target)`, `test` of `(raw x float32, class id or target
        in the user's units)`; `spec` holds `timesteps`, `features`, the
        training part's per-feature `mean` and `variance`, and for
        regression `target_mean` and `target_std` (lists and floats).
    """
    # x and y are set: `validate` refused arrays without them.
    problem = problem_of(arrays.y, config.data.task_type)  # type: ignore[arg-type]
    x, y = arrays.x, problem.targets(arrays.y)  # type: ignore[arg-type]
    if arrays.x_test is None:
        held = _holdout(problem, y, config.data.test_split, config.budget.seed, "test split")
        (x, y), (x_test, y_test) = _take(x, y, ~held), _take(x, y, held)
    else:
        x_test, y_test = arrays.x_test, problem.targets(arrays.y_test, "y_test")  # type: ignore[arg-type]
    x, y = _subsample(x, y, config.data.train_size, config.budget.seed)
    x_test, y_test = _subsample(x_test, y_test, config.data.test_size, config.budget.seed)
    held = _holdout(problem, y, config.data.validation_split, config.budget.seed, "validation split")
    parts = {"train": _take(x, y, ~held), "validation": _take(x, y, held), "test": (x_test, y_test)}
    return _dataset(arrays, problem, parts)


def _holdout(problem, y, fraction, seed, what):
    if problem.kind == REGRESSION:
        return splits.holdout(len(y), fraction, seed)
    return splits.stratified_holdout(y, fraction, seed, what, class_names=problem.class_names)


def _take(x, y, mask):
    return x[mask], y[mask]


def _subsample(x, y, size, seed):
    """A seeded random `size` of the examples, in their order; all when `size` is None or larger."""
    if size is None or size >= len(y):
        return x, y
    keep = np.sort(np.random.default_rng(seed).permutation(len(y))[:size])
    return x[keep], y[keep]


def _dataset(arrays, problem, parts):
    train_x, train_y = parts["train"]
    spec = {
        "timesteps": int(train_x.shape[1]),
        "features": int(train_x.shape[2]),
        **_input_stats(train_x),
        "target_mean": None,
        "target_std": None,
    }
    if problem.kind == REGRESSION:
        spec.update(target_mean=float(np.mean(train_y)), target_std=float(np.std(train_y)) or 1.0)
    names = problem.class_names
    return data.Dataset(
        train=_tf_split(*parts["train"], spec),
        validation=_tf_split(*parts["validation"], spec),
        test=_tf_split(*parts["test"]),  # raw, as the exported model is fed
        problem=problem.kind,
        spec=spec,
        class_names=names,
        sizes={split: len(y) for split, (_, y) in parts.items()},
        class_counts=None
        if names is None
        else {split: splits.class_counts(y, names) for split, (_, y) in parts.items()},
        fingerprint=data.fingerprint(*(a for a in (arrays.x, arrays.y, arrays.x_test, arrays.y_test) if a is not None)),
        source=arrays.source,
        notes=_notes(problem, arrays),
    )


def _input_stats(x: np.ndarray) -> dict[str, list[float]]:
    """Per-feature mean and variance over every training example and timestep."""
    flat = x.reshape(-1, x.shape[-1]).astype(np.float64)
    variance = flat.var(axis=0)
    # A constant feature would be divided by ~0 (Keras floors the std at 1e-7):
    # any other value at serving time would explode, so it is only centred.
    variance[variance == 0] = 1.0
    return {"mean": flat.mean(axis=0).tolist(), "variance": variance.tolist()}


def _tf_split(x, y, spec=None):
    """Unbatched `tf.data` of `(x float32, y)`; regression targets standardized when `spec` says so."""
    import tensorflow as tf  # imported on use: bad data is reported before its ~4 s import

    if spec is not None and spec["target_mean"] is not None:
        y = ((y - spec["target_mean"]) / spec["target_std"]).astype(np.float32)
    return tf.data.Dataset.from_tensor_slices((x.astype(np.float32), y))


def _notes(problem, arrays):
    if problem.kind == REGRESSION:
        return ("y is real-valued: regression (targets standardized for training; the export predicts in y's units)",)
    return (
        f"y holds {len(problem.classes)} integer labels: classification "
        f"(use --task regression to predict y as a number)",
    )


def load(config: Any, arrays: Arrays | None = None) -> data.Dataset:
    """Loads `config.data.path` (or in-memory `arrays`) as a checked, split `Dataset`.

    Args:
        config: a `kt_rnn.config.Config`.
        arrays: `Arrays` to use instead of reading `config.data.path`. Defaults to `None`.

    Example:

    >>> dataset = load(Config.of("sequence", path="walks.npz"))  # doctest: +SKIP
    >>> dataset.spec["timesteps"], dataset.sizes  # doctest: +SKIP
    (20, {'train': 64, 'validation': 16, 'test': 20})
    """
    return build(read_inputs(config, arrays)["arrays"], config)


def read_inputs(config: Any, arrays: Arrays | None = None) -> dict[str, Any]:
    """`load`'s keyword arguments: the arrays of `config.data.path` (or `arrays`), read and validated
    without TensorFlow."""
    if arrays is None:
        if config.data.path is None:
            raise DataError(f"The sequence dataset needs --data FILE.npz (or a directory). {ACCEPTED}.")
        arrays = read(config.data.path)
    return {"arrays": validate(arrays)}
