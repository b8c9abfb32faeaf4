"""Ctrl-C and SIGTERM that always stop a search, however many arrive and wherever they land.

Python raises `KeyboardInterrupt` wherever the main thread is; when that is a
finalizer or weakref callback (TensorFlow has many), the exception is printed
and dropped, and the search would run on. So a stop request is also recorded
here, and the search's checkpoints (`raise_if_requested` at every batch and
trial) raise it again. While state files are written (`held`), signals wait,
so no stop leaves a half-written file.
"""

import contextlib
import signal
from collections.abc import Callable, Iterator, Mapping
from types import FrameType
from typing import Any

from kt_rnn.errors import Terminated

SIGNALS = (signal.SIGINT, signal.SIGTERM)
# What `signal.signal` takes and returns: a function, `SIG_DFL`/`SIG_IGN`, or None (a handler not set from Python).
Handler = Callable[[int, FrameType | None], Any] | int | signal.Handlers | None
_requested: list[int] = []  # the signals received, in order
_stopping = [False]  # a stop is being carried out: further signals are recorded, not raised
_held = [0]  # depth of `held` blocks: signals are recorded and raised when the outermost ends


def install() -> dict[signal.Signals, Handler]:
    """Routes SIGINT and SIGTERM through `request`; returns the previous handlers, for `restore`."""
    return {signum: signal.signal(signum, _handle) for signum in SIGNALS}


def installed() -> bool:
    """True while `install`'s handlers route the stop signals (the command line, not the Python API)."""
    return signal.getsignal(signal.SIGTERM) is _handle


def restore(previous: Mapping[signal.Signals, Handler]) -> None:
    """Puts the previous handlers back; after a stop, further stop signals are ignored instead.

    The process is exiting then: a late Ctrl-C must not turn its exit status into a death by signal.
    """
    for signum, handler in previous.items():
        signal.signal(signum, signal.SIG_IGN if _requested else handler)
    _requested.clear()
    _stopping[0] = False


def stopping() -> None:
    """Marks the stop as being carried out (saving state, reporting): later signals no longer interrupt it."""
    _stopping[0] = True


def raise_if_requested() -> None:
    """Raises the stop asked for (Ctrl-C: `KeyboardInterrupt`, SIGTERM: `Terminated`), if any.

    The first signal names the stop, whichever arrive after it: a SIGTERM whose exception a
    finalizer swallowed still ends the process with SIGTERM's exit code when a Ctrl-C follows.
    """
    if _requested:
        raise Terminated() if _requested[0] == signal.SIGTERM else KeyboardInterrupt()


@contextlib.contextmanager
def held() -> Iterator[None]:
    """Delays SIGINT and SIGTERM while the block runs (state being saved); they land after it.

    A flag, not a signal mask: any thread may take a process's signal, but Python runs the
    handler in the main thread, which checks the flag.
    """
    _held[0] += 1
    arrived = len(_requested)
    try:
        yield
    finally:
        _held[0] -= 1
    if len(_requested) > arrived and not _held[0] and not _stopping[0]:
        raise_if_requested()


def _handle(signum: int, frame: FrameType | None) -> None:
    _requested.append(signum)
    if not _stopping[0] and not _held[0]:
        raise_if_requested()
