"""Command line: `python -m kt_rnn.report LOGDIR/PROJECT [--csv FILE] [--json FILE] [--plot DIR]`.

Shows every trial of a search, best first, from the files the search wrote; works
on a finished, an interrupted or a still-running search and never writes into its
directory. Pure Python: matplotlib is imported only for `--plot`, TensorFlow never.
"""

import argparse
import os
import pathlib
import sys
import types
from collections.abc import Callable, Sequence

from kt_rnn import options
from kt_rnn.errors import KtRnnError, UsageError
from kt_rnn.report import trials as tt
from kt_rnn.report import views

INSTALL_PLOT = "pip install -e '.[report]'"
STDOUT = "-"


def build_parser() -> options.Parser:
    """Returns the `argparse.ArgumentParser` of the report command."""
    parser = options.Parser(
        prog=options.prog("kt-rnn-report", "python -m kt_rnn.report"),
        description="Show every trial of a search (status, hyperparameters, best-epoch objective, "
        "epochs, wall time), best first, and export them as CSV, JSON or PNG figures.",
        epilog="Exit codes: 0 success; 2 usage error (bad option, an output inside the search "
        f"directory, --plot without matplotlib: {INSTALL_PLOT}); 4 no search in DIRECTORY.",
    )
    parser.add_argument("directory", metavar="DIRECTORY", help="the search: LOGDIR/PROJECT, e.g. logs/imdb")
    parser.add_argument(
        "--csv", metavar="FILE", help="write one row per trial, hyperparameters as columns (- for standard output)"
    )
    parser.add_argument(
        "--json",
        metavar="FILE",
        help="write a list of one object per trial, with the same keys as the CSV columns (- for standard output)",
    )
    parser.add_argument(
        "--plot",
        metavar="DIR",
        help="write PNG figures into DIR: the objective per "
        f"trial, and against each hyperparameter (needs matplotlib: {INSTALL_PLOT})",
    )
    parser.add_argument(
        "--table",
        action="store_true",
        help="also print the table when writing --csv, --json or --plot files (shown alone by default)",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Runs the report command; returns the process exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        run(args)
    except KtRnnError as e:
        print(f"{parser.prog}: error: {e}", file=sys.stderr)
        return e.exit_code
    except BrokenPipeError:  # `... | head`: the reader left; say nothing more
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


def run(args: argparse.Namespace, out: Callable[[str], object] = print) -> None:
    """Reads the search `args.directory` names and writes what `args` asks for."""
    plots = _plots_module() if args.plot else None
    search = tt.load(args.directory)
    _check_outputs(search, args)
    files = any((args.csv, args.json, args.plot))
    if (args.table or not files) and STDOUT not in (args.csv, args.json):
        out("\n".join(views.render(search)))
    if args.csv:
        _write(args.csv, "--csv", lambda f: views.write_csv(search, f))
    if args.json:
        _write(args.json, "--json", lambda f: views.write_json(search, f))
    if plots:
        _write_plots(plots, search, pathlib.Path(args.plot))


def _plots_module() -> types.ModuleType:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise UsageError(
            f"--plot needs matplotlib, which is not installed. Install it with "
            f"`{INSTALL_PLOT}` in the kt_rnn checkout (or `pip install 'matplotlib>=3.8'`), "
            f"or leave out --plot."
        ) from None
    from kt_rnn.report import plots

    return plots


def _check_outputs(search: tt.Search, args: argparse.Namespace) -> None:
    given = [(o, p) for o, p in (("--csv", args.csv), ("--json", args.json), ("--plot", args.plot)) if p]
    if args.csv == args.json == STDOUT:
        raise UsageError(
            "Expected at most one of --csv and --json to be '-' (standard output). Received: --csv=- --json=-"
        )
    root = search.path.resolve()
    for option, path in given:
        if path != STDOUT and pathlib.Path(path).resolve().is_relative_to(root):
            raise UsageError(
                f"Expected {option} outside the search directory {search.path} (the report "
                f"never writes into a search). Received: {option}={path}"
            )


def _write(path, option, write):
    if path == STDOUT:
        return write(sys.stdout)
    try:
        with open(path, "w", newline="", encoding="utf-8") as file:
            write(file)
    except OSError as e:
        raise UsageError(
            f"Cannot write {path}: {e.strerror}. Give {option} a path in a writable directory that exists."
        ) from None
    print(f"Wrote {path}", file=sys.stderr)


def _write_plots(plots: types.ModuleType, search: tt.Search, directory: pathlib.Path) -> None:
    try:
        written = plots.write_all(search, directory)
    except OSError as e:
        raise UsageError(
            f"Cannot write figures into {directory}: {e.strerror}. Give --plot a writable directory."
        ) from None
    if not written:
        print(f"No figures written: no trial has a {search.objective} score yet.", file=sys.stderr)
    for path in written:
        print(f"Wrote {path}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
