"""The Large Movie Review Dataset (Maas et al., 2011) as raw text.

Read straight from `aclImdb_v1.tar.gz` (no extraction) or from an extracted
`aclImdb/` directory; the unlabeled `train/unsup` part is ignored.
Sources, in order: `--data PATH`, the `KT_RNN_DATA` environment variable, a cached
download through `keras.utils.get_file`.
"""

import os
import pathlib
import tarfile
import zlib
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from kt_rnn.errors import DataError

if TYPE_CHECKING:
    from kt_rnn.data import Dataset

CORPUS = True  # a named corpus: its search's project is "imdb" wherever the archive lies (`default_project`)

URL = "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"
ENV_VAR = "KT_RNN_DATA"
CLASS_NAMES = ("neg", "pos")  # label = index
SPLITS = ("train", "test")
LAYOUT = "aclImdb/{train,test}/{neg,pos}/*.txt"


def load(
    config: Any,
    reviews: dict[str, tuple[list[str], list[int]]] | None = None,
    source: str | os.PathLike[str] | None = None,
) -> "Dataset":
    """Loads IMDB for `config` as a `kt_rnn.data.Dataset`.

    Args:
        config: the search's `Config`.
        reviews: what `read` returned, read before TensorFlow loaded (see
            `read_inputs`); defaults to `None`: read from `config.data.path` here.
        source: the path `reviews` were read from.
    """
    from kt_rnn.data import text  # TensorFlow from here on

    if reviews is None:
        source = locate(config.data.path)
        reviews = read(source)
    return text.build(reviews, config, CLASS_NAMES, source=pathlib.Path(source).resolve())  # type: ignore[arg-type]  # given with `reviews`


def read_inputs(
    config: Any,
    reviews: dict[str, tuple[list[str], list[int]]] | None = None,
    source: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """`load`'s keyword arguments, the reviews read (and checked) without TensorFlow.

    A search without a local copy (no `--data`, no `$KT_RNN_DATA`) is left to
    `load`, which downloads through Keras.
    """
    path: str | os.PathLike[str] | None = config.data.path or os.environ.get(ENV_VAR)
    if reviews is not None or not path:
        return {"reviews": reviews, "source": source}
    path = pathlib.Path(path).expanduser()
    return {"reviews": read(path), "source": path}


def locate(data: str | os.PathLike[str] | None = None) -> pathlib.Path:
    """Returns the path of the data: `data`, else `$KT_RNN_DATA`, else a cached download."""
    path = data or os.environ.get(ENV_VAR)
    if path:
        return pathlib.Path(path).expanduser()
    import keras

    try:
        return pathlib.Path(keras.utils.get_file("aclImdb_v1.tar.gz", origin=URL))
    except Exception as e:  # get_file wraps every network failure in a bare Exception
        raise DataError(
            f"Could not download IMDB from {URL} ({e}). Download it elsewhere and pass "
            f"--data PATH (an aclImdb directory or aclImdb_v1.tar.gz), or set {ENV_VAR}."
        ) from None


def read(path: str | os.PathLike[str]) -> dict[str, tuple[list[str], list[int]]]:
    """Returns `{"train": (texts, labels), "test": (texts, labels)}` from a directory or archive."""
    path = pathlib.Path(path)
    if not path.exists():
        raise DataError(
            f"IMDB data not found at {str(path)!r}. Pass --data with the path of an aclImdb "
            f"directory or of aclImdb_v1.tar.gz ({URL})."
        )
    reviews = _read_archive(path) if path.is_file() else _read_directory(path)
    missing = [f"{s}/{c}" for s in SPLITS for c in CLASS_NAMES if c not in reviews[s]]
    if missing:
        raise DataError(
            f"{str(path)!r} is not a readable IMDB layout: expected {LAYOUT}, found no reviews "
            f"in {', '.join(missing)}. Pass --data with the aclImdb directory or aclImdb_v1.tar.gz."
        )
    return {split: _flatten(reviews[split]) for split in SPLITS}


def _flatten(by_class):
    texts, labels = [], []
    for label, name in enumerate(CLASS_NAMES):
        files = sorted(by_class[name])  # by file name: archive order is arbitrary
        texts += [review for _, review in files]
        labels += [label] * len(files)
    return texts, labels


def _empty() -> dict[str, dict[str, list[tuple[str, str]]]]:
    return {split: {} for split in SPLITS}


def _add(reviews: dict[str, dict[str, list[tuple[str, str]]]], parts: Sequence[str], data: bytes) -> None:
    """Files `data` under its split and class if `parts` ends with <split>/<class>/<name>.txt."""
    if len(parts) >= 3 and parts[-3] in SPLITS and parts[-2] in CLASS_NAMES and parts[-1].endswith(".txt"):
        reviews[parts[-3]].setdefault(parts[-2], []).append((parts[-1], data.decode("utf-8", errors="replace")))


def _read_directory(path: pathlib.Path) -> dict[str, dict[str, list[tuple[str, str]]]]:
    root = path / "aclImdb" if (path / "aclImdb").is_dir() else path
    reviews = _empty()
    try:
        for split in SPLITS:
            for name in CLASS_NAMES:
                for file in (root / split / name).glob("*.txt"):
                    _add(reviews, file.parts, file.read_bytes())
    except OSError as e:
        raise DataError(f"Cannot read the IMDB directory {str(path)!r}: {e}. Check its permissions.") from None
    return reviews


def _read_archive(path):
    reviews = _empty()
    try:
        with tarfile.open(path, "r:*") as tar:
            for member in tar:
                if member.isfile():
                    _add(reviews, member.name.split("/"), tar.extractfile(member).read())
    except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
        raise DataError(
            f"{str(path)!r} is not a readable tar archive ({e}); it may be truncated. Download "
            f"aclImdb_v1.tar.gz again ({URL}) and pass it with --data."
        ) from None
    return reviews
