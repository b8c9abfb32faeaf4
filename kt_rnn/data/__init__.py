"""Dataset registry: `name -> loader`. A loader turns a `Config` into a `Dataset`.

Pure Python: each loader's module is imported on use, and imports TensorFlow only inside its
loader, so `read_inputs` checks the data before TensorFlow loads.
"""

import dataclasses
import hashlib
import importlib
import types
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import numpy as np

# name -> "module:function"; imported on use so the registry itself stays light.
LOADERS = {
    "imdb": "kt_rnn.data.imdb:load",
    "text": "kt_rnn.data.text_files:load",
    "sequence": "kt_rnn.data.arrays:load",
    "timeseries": "kt_rnn.data.timeseries:load",
}


@dataclasses.dataclass
class Dataset:
    """Splits ready for a search, and what the exported model needs to serve raw input.

    Args:
        train: unbatched `tf.data.Dataset` of `(model input, target)`; classes
            are integer indices into `class_names`.
        validation: same, held out from the training part; used for selection.
        test: unbatched `tf.data.Dataset` of `(raw input, target)`, target in
            the user's units; used once, to score the exported model.
        problem: `"classification"` or `"regression"`.
        spec: what the task's HyperModel needs (e.g. `vocab_size`,
            `sequence_length`; `timesteps`, `features` and training statistics).
        class_names: label names, index = label; `None` for regression.
        sizes: `{"train": n, "validation": n, "test": n}`.
        preprocess: the layer turning raw input into model input (a
            `TextVectorization` adapted on train only), or `None`.
        class_counts: `{split: {class name: n}}` for classification, else `None`.
        fingerprint: a hash of the loaded examples (see `fingerprint`).
        source: where the data came from (a resolved path, or "in memory").
        notes: lines about what loading changed (rows dropped, bytes replaced).
        unit: what `sizes` count: `"examples"`, or `"steps"` of a series.
        raw_train: `(raw inputs, targets)` of the training and validation parts
            together, for the task's classical baselines (`kt_rnn.tasks.baselines`),
            or `None` (no baselines: `--baselines none`, or none for the task).
    """

    train: Any
    validation: Any
    test: Any
    problem: str
    spec: dict[str, Any]
    class_names: tuple[str, ...] | None
    sizes: dict[str, int]
    preprocess: Any = None
    class_counts: dict[str, dict[str, int]] | None = None
    fingerprint: str = ""
    source: str = ""
    notes: tuple[str, ...] = ()
    unit: str = "examples"
    raw_train: tuple[np.ndarray, np.ndarray] | None = None

    @property
    def num_classes(self) -> int | None:
        return len(self.class_names) if self.class_names else None

    def describe(self) -> list[str]:
        """Lines for the console: where the data came from, split sizes and class counts."""
        sizes = ", ".join(f"{split} {n}" for split, n in self.sizes.items()) + f" {self.unit}"
        lines = [f"Data: {self.source} ({self.problem}; {sizes})", *(f"  {note}" for note in self.notes)]
        for split, counts in (self.class_counts or {}).items():
            lines.append(f"  {split} classes: " + ", ".join(f"{name} {n}" for name, n in counts.items()))
        return lines


# The models standardize inputs and targets in float32 (`keras.layers.Normalization`, the forecaster's
# target scale): a value whose square passes float32's largest (about 3.4e38) makes a variance infinite,
# and the search would fail deep in TensorFlow. Larger magnitudes are refused when the data is read.
MAX_MAGNITUDE = 1e19


def too_large(values: np.ndarray) -> np.ndarray:
    """Mask of `values` whose magnitude passes `MAX_MAGNITUDE` (NaN counts as not too large)."""
    with np.errstate(invalid="ignore"):
        return np.abs(np.asarray(values, dtype=np.float64)) > MAX_MAGNITUDE


def rescale_hint(name: str) -> str:
    """The fix for values beyond `MAX_MAGNITUDE` in `name`."""
    return (
        f"the model standardizes {name} in float32, whose variance overflows beyond ±{MAX_MAGNITUDE:.0e}. "
        f"Rescale {name} (divide it by a power of ten, or take logs) and run again"
    )


def fingerprint(*parts: Iterable[Any]) -> str:
    """A short hex digest of the examples: numpy arrays (dtype, shape and bytes) or sequences of str/int.

    The same examples in the same order give the same digest in any process.
    """
    digest = hashlib.sha256()
    for part in parts:
        if isinstance(part, np.ndarray) and part.dtype != object:
            array = np.ascontiguousarray(part)
            digest.update(f"{array.dtype.str}{array.shape}".encode())
            digest.update(array.tobytes())
        else:
            for item in part:
                digest.update(str(item).encode("utf-8", "surrogatepass") + b"\x00")
        digest.update(b"\x01")  # parts [a, b] and [ab] differ
    return digest.hexdigest()[:16]


def register(name: str, target: str) -> None:
    """Registers dataset `name`'s loader: `target` is `"module:function"`, the function a loader (`Config`
    and `read_inputs`'s keyword arguments -> `Dataset`) and its module's `read_inputs(config, **given)` the
    check of the data before TensorFlow loads. Raises `ValueError` for a name taken or a malformed target."""
    if name in LOADERS:
        raise ValueError(f"Expected a new dataset name. Received: name={name!r}, already {LOADERS[name]!r}")
    module, _, function = target.partition(":")
    if not module or not function.isidentifier():
        raise ValueError(f"Expected the loader as 'module:function'. Received: target={target!r}")
    LOADERS[name] = target


def get_loader(name: str) -> Callable[..., Dataset]:
    """Returns the loader registered as `name`; raises `ValueError` listing the valid names."""
    return getattr(_module(name), LOADERS[name].split(":")[1])


def _module(name: str) -> types.ModuleType:
    if name not in LOADERS:
        raise ValueError(f"Unknown dataset. Expected one of {sorted(LOADERS)}. Received: dataset={name!r}")
    return importlib.import_module(LOADERS[name].split(":")[0])


def default_project(name: str, path: str | None) -> str:
    """The project a search of dataset `name` goes to without `--project`: its data's file or folder name
    without the suffix (`tickets.csv` -> `tickets`), or the dataset's own name for a named corpus (a
    loader module with `CORPUS = True`: `imdb`) and for data in memory."""
    import pathlib

    found = pathlib.PurePath(path) if path else None
    if found is None or getattr(_module(name), "CORPUS", False) or found.name in ("", ".", ".."):
        return name
    return found.stem if found.suffix else found.name


# The datasets `kt_rnn.tune` guesses among when it is not told one, asked in this order: the first whose
# loader's module `claims(path, pair)` the data is it ("text" claims any other path and texts in memory).
GUESSED = ("sequence", "text")


def dataset_of(path: str | None = None, pair: tuple[Any, Any] | None = None) -> str:
    """The dataset a path or an in-memory `(x, y)` pair is, for `kt_rnn.tune` without `dataset=`."""
    import pathlib

    return next(name for name in GUESSED if _module(name).claims(path and pathlib.Path(path), pair))


def in_memory(name: str, pair: tuple[Any, Any] | None, test_pair: tuple[Any, Any] | None) -> dict[str, Any] | None:
    """The loader keyword arguments of dataset `name` for data given in memory (`kt_rnn.tune`), or `None`.

    Raises `UsageError` for a dataset whose loader reads only a path (no `in_memory` in its module).
    """
    if pair is None and test_pair is None:
        return None
    module = _module(name)
    if not hasattr(module, "in_memory"):
        from kt_rnn.errors import UsageError

        raise UsageError(f"The {name} dataset does not take data in memory: pass its path instead.")
    return module.in_memory(pair, test_pair)


def load(config: Any) -> Dataset:
    """Loads `config.dataset` as a `Dataset`."""
    return get_loader(config.dataset)(config)


def read_inputs(config: Any, given: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Reads and checks `config`'s data (paths, columns, shapes, values) before TensorFlow loads.

    Returns the loader's keyword arguments (`given`, data already in memory, completed and
    checked), so the loader builds the `Dataset` without reading again. Each loader's module
    keeps its TensorFlow imports inside its loader.
    """
    return _module(config.dataset).read_inputs(config, **(given or {}))
