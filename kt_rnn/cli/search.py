"""Command line: `python -m kt_rnn.search DATASET [options]`.

TensorFlow, Keras and KerasTuner are imported only after the arguments are
parsed and validated, so `--help` and usage errors return at once.
"""

import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from kt_rnn import api, runfile
from kt_rnn import config as config_lib
from kt_rnn.errors import EXIT_INTERRUPTED, DiskFull, KtRnnError, Terminated
from kt_rnn.options import build_parser
from kt_rnn.state import space_left, stopping


def _exit_now(code: int) -> NoReturn:
    """Exits with `code` without running finalizers, after flushing what was printed."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the search command; returns the process exit code."""
    # TensorFlow's C++ INFO lines (CPU features, oneDNN, XLA) say nothing a user acts on; its
    # warnings and errors still show. Set before TensorFlow loads; a user's own setting wins.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")
    os.environ.setdefault("GRPC_VERBOSITY", "ERROR")  # gRPC's INFO lines: a distributed search's closed channels
    parser = build_parser()
    args = runfile.parse_args(parser, argv)  # --config file, then the command line
    previous = stopping.install()  # Ctrl-C and SIGTERM stop the search, however many arrive
    space_left.quiet_finalizers()  # one message for a full disk, not a trace from each file closed at exit
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
    finally:
        stopping.restore(previous)
    return 0


if __name__ == "__main__":
    sys.exit(main())
