"""A full disk stops a search cleanly: one message with the directory and the space it needs.

Writing state, checkpoints, TensorBoard events or the export can fail with
ENOSPC (no space left), EDQUOT (quota exceeded) or EIO; TensorFlow and h5py
wrap these in their own errors, so both the errno and the words are looked for
along the exception's chain. No trial is counted as failed for it: the same
command resumes once space is freed.
"""

import errno
import pathlib
import shutil
import sys

from kt_rnn.errors import DiskFull

ERRNOS = (errno.ENOSPC, errno.EDQUOT, errno.EIO)
WORDS = ("no space left on device", "disk quota exceeded", "input/output error")
MIN_FREE_MB = 50


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
    """The `DiskFull` to raise for `error` under the search directory `root`."""
    return DiskFull(
        f"No space left where the search writes ({root}: {_free_mb(root):.0f} MB free; {error}). The search "
        f"stopped with its state saved and no trial counted as failed. Free at least {needed_mb(root):.0f} MB "
        "there (or move LOGDIR with --logdir), then run the same command again to resume."
    )


def needed_mb(root: pathlib.Path) -> float:
    """Space to free: twice the largest trial directory (checkpoints and records), at least 50 MB."""
    trials = [_size_mb(d) for d in (root / "tuner").glob("trial_*") if d.is_dir()] if root.is_dir() else []
    return max([MIN_FREE_MB, *(2 * size for size in trials)])


def _size_mb(directory: pathlib.Path) -> float:
    return sum(f.stat().st_size for f in directory.rglob("*") if f.is_file()) / 2**20


def _free_mb(root: pathlib.Path) -> float:
    existing = next((p for p in (root, *root.parents) if p.exists()), root)
    return shutil.disk_usage(existing).free / 2**20
