"""One writer per search: an exclusive OS file lock on LOGDIR/PROJECT/.lock.

A search, `--export-only` and `--overwrite` hold it while they run; a second
process is refused with the holder's pid and host, before it touches anything.
The lock is the kernel's (`fcntl.flock`): it is released when the process
ends, however it ends, so a SIGKILL never leaves a stale lock. Readers (the
report, TensorBoard) never take it. Pure Python; POSIX only.
"""

import fcntl
import json
import os
import socket
import time
from typing import Any

from kt_rnn.errors import SearchError

LOCK_FILE = ".lock"


class ProjectBusy(SearchError):
    """Another process holds the search's lock."""


class ProjectLock:
    """The exclusive lock of the search at `root` (a context manager).

    Example:

    ```python
    with ProjectLock(layout.root):
        ...  # this process alone writes under layout.root
    ```
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.path = os.path.join(root, LOCK_FILE)
        self._fd: int | None = None

    def __enter__(self) -> "ProjectLock":
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def acquire(self) -> None:
        """Takes the lock, or raises `ProjectBusy` naming the holder."""
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read(fd)
            os.close(fd)
            raise ProjectBusy(_busy_message(os.path.dirname(self.path), holder)) from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps(holder_info()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


def holder_info() -> dict[str, int | str]:
    """Who holds the lock: pid, host, since when and the command."""
    import sys

    return {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "since": time.strftime("%Y-%m-%d %H:%M:%S"),
        "command": " ".join(sys.argv)[:300],
    }


def _read(fd: int) -> Any:
    try:
        return json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (OSError, ValueError):
        return {}


def _busy_message(root: str, holder: dict[str, Any]) -> str:
    who = f"process {holder.get('pid', '?')} on {holder.get('host', '?')}"
    since = f" since {holder['since']}" if holder.get("since") else ""
    return (
        f"The search in {root} is in use by {who}{since} ({holder.get('command') or 'a kt_rnn search'}). "
        "One process writes a search at a time: wait for it to end, stop it, or choose another --project. "
        "The report and TensorBoard can read it meanwhile."
    )
