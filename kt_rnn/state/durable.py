"""Files that survive a kill at any moment: atomic replace, a kept previous copy, checked reads.

A write goes to a temporary sibling, is flushed to disk, and is renamed over the
target; the target's last good content is first kept as `<name>.prev` (a hard
link, so no window without a good copy). A read that finds the file missing,
empty or unparsable falls back to `<name>.prev`.

Pure Python: no TensorFlow import.
"""

import json
import os
import pathlib
from collections.abc import Callable
from typing import Any

from kt_rnn.errors import SearchError
from kt_rnn.state import faults

PREVIOUS = ".prev"


class DamagedStateError(SearchError):
    """A state file and its previous copy are both unreadable."""


def previous(path: str | os.PathLike[str]) -> pathlib.Path:
    """The kept previous copy of `path`."""
    path = pathlib.Path(path)
    return path.with_name(path.name + PREVIOUS)


def replace(
    path: str | os.PathLike[str],
    write: Callable[[pathlib.Path], object],
    fault: str | None = None,
    intact: Callable[[pathlib.Path], bool] | None = None,
) -> None:
    """Calls `write(tmp_path)`, then atomically renames the result to `path`.

    `path`'s current content is kept as `previous(path)` when `intact(path)`
    (default: not empty) says it is good. `fault` names the fault-injection
    point hit between the write and the rename (see `faults`).
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.tmp-{os.getpid()}{''.join(path.suffixes)}")
    try:
        write(tmp)
        _fsync(tmp)
        faults.hit(fault)
        if path.exists() and (intact or _not_empty)(path):
            _link_previous(path)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_json(path: str | os.PathLike[str], obj: object, fault: str | None = None) -> None:
    """Writes `obj` as JSON to `path` atomically, keeping the previous copy."""
    text = json.dumps(obj, indent=2)
    replace(path, lambda tmp: pathlib.Path(tmp).write_text(text), fault=fault, intact=is_valid_json)


def read_json(path: str | os.PathLike[str], missing: Any = FileNotFoundError) -> Any:
    """Parses `path`, or its previous copy if `path` is missing, empty or torn.

    Returns `missing` when neither exists (raises it when it is an exception
    class); raises `DamagedStateError` naming the file when neither parses.
    """
    path = pathlib.Path(path)
    candidates = [p for p in (path, previous(path)) if p.exists()]
    if not candidates:
        if isinstance(missing, type) and issubclass(missing, BaseException):
            raise missing(f"No such file: {path}")
        return missing
    for candidate in candidates:
        try:
            return json.loads(candidate.read_text())
        except (ValueError, UnicodeDecodeError, OSError):
            continue
    raise DamagedStateError(
        f"{path} is damaged (empty or cut short) and has no good previous copy. "
        f"Move it aside and run the same command again to rebuild it from the other state files, "
        f"or add --overwrite to start the search afresh."
    )


def is_valid_json(path: str | os.PathLike[str]) -> bool:
    """True if `path` exists and holds parsable JSON."""
    try:
        json.loads(pathlib.Path(path).read_text())
        return True
    except (ValueError, UnicodeDecodeError, OSError):
        return False


def _not_empty(path: pathlib.Path) -> bool:
    return path.stat().st_size > 0


def _link_previous(path: pathlib.Path) -> None:
    prev = previous(path)
    staging = prev.with_name(f".{prev.name}.tmp-{os.getpid()}")
    if staging.exists():
        staging.unlink()
    os.link(path, staging)
    os.replace(staging, prev)


def _fsync(path: pathlib.Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())
