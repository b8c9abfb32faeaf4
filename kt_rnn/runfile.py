"""Run files: `--config run.toml` supplies any option; the resolved options are saved beside the search.

A run file is flat TOML whose keys are the long option names, spelled with
dashes or underscores (`max-trials = 20`, `max_trials = 20`), plus `dataset`
for the positional. Repeatable options take a list (`fix = ["cell=lstm"]`),
switches a boolean (`quick = true`). The file's values become the parser's
defaults, so options given on the command line override them (`--fix` adds to
the file's list, and a later fix of the same name wins). Relative paths in the
file are relative to the file's directory.

`kt_rnn.state.config_file.save(config)` writes every resolved option to
`LOGDIR/PROJECT/config.toml` (absolute paths; no one-shot flags:
`kt_rnn.options.settings` picks them), which `--config` reads back to the same run.

Pure Python: no TensorFlow, Keras or KerasTuner import.
"""

import argparse
import os
import pathlib
from collections.abc import Sequence
from typing import Any

import tomllib

from kt_rnn import options
from kt_rnn.errors import UsageError

OPTION = "config"  # dest of --config


def parse_args(parser: argparse.ArgumentParser, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parses `argv` with the values of its `--config` file as defaults.

    Args:
        parser: the search's `argparse.ArgumentParser`, with a `--config` option
            and an optional (`nargs="?"`) `dataset` positional.
        argv: the command line without the program name (default `sys.argv[1:]`).

    Returns:
        The `argparse.Namespace`; command-line options override the file.
        Like `parser.parse_args`, exits with status 2 and the reason when the
        file is missing, unreadable, not TOML, or names an unknown option or a
        value of the wrong type (see `load`), or when no dataset is given.
    """
    args = parser.parse_args(argv)
    if getattr(args, OPTION, None):
        try:
            parser.set_defaults(**load(getattr(args, OPTION)))
        except UsageError as e:  # about the file: argparse's usage would not help
            parser.exit(e.exit_code, f"{parser.prog}: error: {e}\n")
        args = parser.parse_args(argv)
    if getattr(args, "dataset", "") is None:
        parser.error(
            "the following arguments are required: dataset "
            '(give it on the command line, or as `dataset = "imdb"` in the --config file)'
        )
    return args


def load(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Reads the run file `path`; returns its validated values as `{name: value}`.

    Args:
        path: the TOML run file; its keys are `kt_rnn.options` names, with dashes or underscores.

    Raises:
        UsageError: naming the file and the TOML error, the unknown key (with
            the valid ones), or the key, its expected type and the value.
    """
    path = pathlib.Path(path)
    values: dict[str, Any] = {}
    for key, value in _read(path).items():
        option = options.get(key, f"in {path}", excluded=(OPTION,), dashes=True)
        if option.name in values:
            raise UsageError(
                f"{path} sets {option.name.replace('_', '-')!r} twice ({key!r} is the same option). Keep one."
            )
        values[option.name] = options.convert(option, value, key, where=f"in {path}")
    return _resolve_paths(values, path.absolute().parent)


def _read(path: pathlib.Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise UsageError(f"--config file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as e:
        raise UsageError(f"Cannot read the --config file {path}: {getattr(e, 'strerror', None) or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise UsageError(f"The --config file {path} is not valid TOML: {e}") from None


def _resolve_paths(values: dict[str, Any], base: pathlib.Path) -> dict[str, Any]:
    for dest in (option.name for option in options.table() if option.path):
        if isinstance(values.get(dest), str):
            values[dest] = str(base / pathlib.Path(values[dest]).expanduser())
    return values
