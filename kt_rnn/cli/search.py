"""Command line: `python -m kt_rnn.search DATASET [options]`.

TensorFlow, Keras and KerasTuner are imported only after the arguments are
parsed and validated, so `--help` and usage errors return at once.
"""

import argparse
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from kt_rnn import api, runfile
from kt_rnn import config as config_lib
from kt_rnn.errors import EXIT_INTERRUPTED, DiskFull, KtRnnError, Terminated
from kt_rnn.options import build_parser
from kt_rnn.runtime import native_logs
from kt_rnn.state import space_left, stopping


def _exit_now(code: int) -> NoReturn:
    """Exits with `code` without running finalizers, after flushing what was printed."""
    sys.stdout.flush()
    sys.stderr.flush()
    native_logs.drain()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the search command; returns the process exit code."""
    # TensorFlow's C++ INFO lines (CPU features, oneDNN, XLA) say nothing a user acts on, nor do the
    # absl lines it writes whatever that level says (`native_logs`). Set before TensorFlow loads; a
    # user's own setting wins, and then stderr is left as it is.
    user_chose = native_logs.USER_SETTING in os.environ
    os.environ.setdefault(native_logs.USER_SETTING, "1")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")  # gRPC's INFO lines: a distributed search's closed channels
    parser = build_parser()
    args = runfile.parse_args(parser, argv)  # --config file, then the command line
    previous = stopping.install()  # Ctrl-C and SIGTERM stop the search, however many arrive
    space_left.quiet_finalizers()  # one message for a full disk, not a trace from each file closed at exit
    try:
        with native_logs.filtered(active=not user_chose):
            return _search(parser, args)
    finally:
        stopping.restore(previous)


def _search(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    """The search of `args`; its exit code, a `KtRnnError` or an interruption reported on stderr."""
    try:
        config = config_lib.Config.from_args(args)
        api.run(config)
    except KtRnnError as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        if isinstance(e, DiskFull):  # state is saved; HDF5's finalizer of a file whose write failed
            _exit_now(e.exit_code)  # can crash the interpreter at exit (SIGSEGV instead of exit 5)
        return e.exit_code
    except KeyboardInterrupt as e:
        stopping.stopping()
        print(
            f"{parser.prog}: {'stopped by SIGTERM' if isinstance(e, Terminated) else 'interrupted'}; "
            "state is saved. Run the same command again to resume.",
            file=sys.stderr,
        )
        return getattr(e, "exit_code", EXIT_INTERRUPTED)
    return 0


if __name__ == "__main__":
    sys.exit(main())
