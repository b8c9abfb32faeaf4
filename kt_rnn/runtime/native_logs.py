"""TensorFlow's C++ log lines, kept off a command's terminal.

TensorFlow 2.21 logs from C++ through absl, which writes to the process's stderr (file
descriptor 2) before anything can configure it, whatever `TF_CPP_MIN_LOG_LEVEL` says:
`WARNING: All log messages before absl::InitializeLog() ...`, `I0000 ... oneDNN custom
operations are on`, and, on a machine without a GPU, `E0000 ... failed call to cuInit:
... UNKNOWN ERROR (303)`. They read as failures and say nothing a user acts on.

`filtered()` puts a pipe on descriptor 2 for the C++ side and a thread that copies what
comes through to the real stderr, leaving out absl's INFO and WARNING lines and the ERROR
lines known to be noise (`NOISE`); any other line, an unknown error included, passes.
Python's own `sys.stderr` keeps writing straight to the real stderr, so kt_rnn's messages
never wait on the thread, even before `os._exit`. A user who sets `TF_CPP_MIN_LOG_LEVEL`
has chosen: stderr is then left as it is.
"""

import contextlib
import io
import os
import re
import sys
import threading
from collections.abc import Iterator

# absl's prefix: severity, MMDD, time, thread id, file:line]. `I0000 00:00:1796480809.413010 8391 port.cc:153] ...`
ABSL_LINE = re.compile(rb"^([IWEF])\d{4} [\d:.]+\s+\d+ [\w.\-]+:\d+\] ")
PREAMBLE = b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR"
# ERROR lines that are noise: no GPU on a CPU machine; an oneDNN kernel falling back on a CPU without AVX-512.
NOISE = (b"failed call to cuInit", b"oneDNN supports DT_BOOL only")
USER_SETTING = "TF_CPP_MIN_LOG_LEVEL"


def keep(line: bytes) -> bool:
    """False for a line of TensorFlow's C++ logging a user has nothing to do about.

    Example:

    >>> keep(b"I0000 00:00:1796480809.413010    8391 port.cc:153] oneDNN custom operations are on.")
    False
    >>> keep(b"E0000 00:00:1796480812.615733    8391 cuda_platform.cc:52] failed call to cuInit: (303)")
    False
    >>> keep(b"E0000 00:00:1796480812.615733    8391 op.cc:12] something else went wrong"), keep(b"Traceback")
    (True, True)
    """
    if line.startswith(PREAMBLE):
        return False
    found = ABSL_LINE.match(line)
    if found is None:
        return True
    severity = found.group(1)
    return severity == b"F" or (severity == b"E" and not any(noise in line for noise in NOISE))


@contextlib.contextmanager
def filtered(active: bool = True) -> Iterator[None]:
    """Filters descriptor 2 through `keep` while the block runs, if `active` and descriptor 2 is open.

    On leaving, descriptor 2 is the real stderr again and every line already written is
    copied out. The command line passes `active=False` when the user set `TF_CPP_MIN_LOG_LEVEL`.
    Where Python's `sys.stderr` is not descriptor 2 (a notebook, pytest's capture) it is left alone.
    """
    if not active or not _is_open(2):
        yield
        return
    pipe = _Pipe(python_on_descriptor=_has_descriptor(sys.stderr))
    try:
        yield
    finally:
        pipe.close()


_current: list["_Pipe"] = []


def drain() -> None:
    """Copies out what the C++ side wrote so far, and puts the real stderr back (before `os._exit`)."""
    for pipe in list(_current):
        pipe.close()


class _Pipe:
    """Descriptor 2 on a pipe; a thread copies the lines `keep` keeps to the real stderr."""

    def __init__(self, python_on_descriptor: bool = True) -> None:
        sys.stderr.flush()
        self.real = os.dup(2)
        self.python_stderr = sys.stderr
        self.direct: io.TextIOWrapper | None = None
        if python_on_descriptor:  # Python's messages: straight to the real stderr, never behind the thread
            encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
            self.direct = io.TextIOWrapper(
                os.fdopen(os.dup(self.real), "wb", buffering=0), encoding, "backslashreplace", write_through=True
            )
            sys.stderr = self.direct
        read, write = os.pipe()
        os.dup2(write, 2)
        os.close(write)
        self.read = read
        self.thread = threading.Thread(target=self._copy, name="kt_rnn-native-logs", daemon=True)
        self.thread.start()
        _current.append(self)

    def _copy(self) -> None:
        rest = b""
        while chunk := os.read(self.read, 65536):
            *lines, rest = (rest + chunk).split(b"\n")
            kept = b"".join(line + b"\n" for line in lines if keep(line))
            if kept:
                os.write(self.real, kept)
        if rest and keep(rest):
            os.write(self.real, rest)

    def close(self) -> None:
        if self not in _current:
            return
        _current.remove(self)
        sys.stderr.flush()
        os.dup2(self.real, 2)  # the pipe's last writer closes: the thread reads to its end
        self.thread.join(timeout=5)
        os.close(self.read)
        sys.stderr = self.python_stderr
        if self.direct is not None:
            # Flushed, not closed: a logging handler made inside the block (TensorFlow's, on import) keeps
            # this stream and writes to it later; it stays a copy of the real stderr.
            self.direct.flush()
        os.close(self.real)


def _is_open(descriptor: int) -> bool:
    try:
        os.fstat(descriptor)
    except OSError:
        return False
    return True


def _has_descriptor(stream: object) -> bool:
    try:
        return stream.fileno() == 2  # type: ignore[attr-defined]
    except (AttributeError, OSError, io.UnsupportedOperation):
        return False  # pytest's capture, a notebook: no descriptor of ours to filter
