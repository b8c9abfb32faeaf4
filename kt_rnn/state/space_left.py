"""A full disk stops a search cleanly: one message with the directory and the space it needs.

Writing state, checkpoints, TensorBoard events or the export can fail with
ENOSPC (no space left), EDQUOT (quota exceeded) or EIO; TensorFlow and h5py
wrap these in their own errors, so both the errno and the words are looked for
along the exception's chain. No trial is counted as failed for it: the same
command resumes once space is freed.
"""

import errno
import os
import pathlib
import shutil
import sys

from kt_rnn.errors import DiskFull

ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EIO)
WORDS = ("no space left on device", "disk quota exceeded", "input/output error")
MIN_FREE_MB = 10  # an export and a trial's checkpoints of a small model


def disk_full(error: BaseException | None) -> BaseException | None:
    """The disk-full error in `error`'s chain (itself, its cause or context), else `None`."""
    seen = set()
    while error is not None and id(error) not in seen:
        if getattr(error, "errno", None) in ERRNOS or any(w in str(error).lower() for w in WORDS):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def quiet_finalizers() -> None:
    """Drops what finalizers print for a full disk (h5py closing a file it could not write) or a stop.

    The search already reports both with one message (a Ctrl-C a finalizer swallowed is raised
    again by `kt_rnn.state.stopping`); any other error is shown as usual. Cython's finalizers print
    their traceback through `sys.excepthook`, then report through `sys.unraisablehook`: both are filtered.
    """
    sys.unraisablehook = _quiet_unraisable
    sys.excepthook = _quiet_excepthook


def _reported(error: BaseException | None) -> bool:
    return isinstance(error, KeyboardInterrupt) or disk_full(error) is not None


def _quiet_unraisable(unraisable):
    if not _reported(unraisable.exc_value):
        sys.__unraisablehook__(unraisable)


def _quiet_excepthook(kind, value, traceback):
    if not _reported(value):
        sys.__excepthook__(kind, value, traceback)


def stopped(root: pathlib.Path, error: BaseException) -> DiskFull:
    """The `DiskFull` to raise for `error` under the search directory `root`.

    It asks for what the search needs (`needed_mb`), or, on a file system smaller than that, for
    another place: freeing space there could never be enough.
    """
    usage, needed = shutil.disk_usage(_existing(root)), needed_mb(root)
    total, free = usage.total / 2**20, usage.free / 2**20
    if needed > total:
        advice = (
            f"That file system holds {_mb(total)} in all, less than the search needs (about {_mb(needed)}): "
            "copy LOGDIR to a larger one and pass it with --logdir, then run the same command again to resume."
        )
    else:
        advice = (
            f"Free at least {_mb(needed)} there (or copy LOGDIR to another disk and pass it with --logdir), then "
            "run the same command again to resume."
        )
    return DiskFull(
        f"No space left where the search writes ({root}: {_mb(free)} free; {error}). The search stopped with "
        f"its state saved and no trial counted as failed. {advice}"
    )


def check_room(directory: str | os.PathLike[str], nbytes: int) -> None:
    """Raises `OSError(ENOSPC)` before a write of about `nbytes` that the file system under `directory`
    cannot hold.

    For what HDF5 writes (Keras's `.weights.h5` checkpoints): a write that runs out of space there
    ends the process with a segmentation fault when the file is closed (h5py issue 914, a bug in
    the HDF5 library), so no error would reach the search's handler. Checked first, the full disk
    stops the search as any other write's does: exit 5, its state saved.
    """
    free = shutil.disk_usage(_existing(pathlib.Path(directory))).free
    if free < nbytes:
        raise OSError(
            errno.ENOSPC,
            f"No space left on device ({_mb(free / 2**20)} free, a checkpoint needs about {_mb(nbytes / 2**20)})",
            str(directory),
        )


def needed_mb(root: pathlib.Path) -> float:
    """Space to free: twice the largest trial directory (checkpoints and records), at least `MIN_FREE_MB`."""
    trials = [_size_mb(d) for d in (root / "tuner").glob("trial_*") if d.is_dir()] if root.is_dir() else []
    return max([MIN_FREE_MB, *(2 * size for size in trials)])


def _mb(size: float) -> str:
    """`0.6 MB`, `12 MB`: a size in MiB as a person reads it."""
    return f"{size:.1f} MB" if size < 10 else f"{size:.0f} MB"


def _size_mb(directory: pathlib.Path) -> float:
    return sum(f.stat().st_size for f in directory.rglob("*") if f.is_file()) / 2**20


def _existing(root: pathlib.Path) -> pathlib.Path:
    """`root`, or its nearest existing parent (the file system it would be written on)."""
    return next((p for p in (root, *root.parents) if p.exists()), root)
