"""Run files: `--config run.toml` supplies any option; the resolved options are saved beside the search.

A run file is flat TOML whose keys are the long option names, spelled with
dashes or underscores (`max-trials = 20`, `max_trials = 20`), plus `dataset`
for the positional. Repeatable options take a list (`fix = ["cell=lstm"]`),
switches a boolean (`quick = true`). The file's values become the parser's
defaults, so options given on the command line override them (`--fix` adds to
the file's list, and a later fix of the same name wins). Relative paths in the
file are relative to the file's directory.

`save(config)` writes every resolved option to `LOGDIR/PROJECT/config.toml`
(absolute paths; no one-shot flags), which `--config` reads back to the same run.

Pure Python: no TensorFlow, Keras or KerasTuner import.
"""

import argparse
import difflib
import json
import math
import os
import pathlib
from collections.abc import Mapping, Sequence
from typing import Any

import tomllib

from kt_rnn.errors import UsageError
from kt_rnn.state import durable
from kt_rnn.state.layout import Layout

FILENAME = Layout.RUNFILE  # the resolved options, under LOGDIR/PROJECT
OPTION = "config"  # dest of --config
PATHS = ("data", "test_data", "space", "logdir")  # relative to the run file's directory
# Options that act once and must not be repeated by re-running a saved config.
ONE_SHOT = (OPTION, "overwrite", "export_only", "extend_budget",
            "role", "oracle", "worker_id")  # where this process runs, not what the search is
_SKIPPED = ("help", "version", OPTION)


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
            parser.set_defaults(**load(getattr(args, OPTION), parser))
        except UsageError as e:  # about the file: argparse's usage would not help
            parser.exit(e.exit_code, f"{parser.prog}: error: {e}\n")
        args = parser.parse_args(argv)
    if getattr(args, "dataset", "") is None:
        parser.error("the following arguments are required: dataset "
                     "(give it on the command line, or as `dataset = \"imdb\"` in the --config file)")
    return args


def load(path: str | os.PathLike[str], parser: argparse.ArgumentParser) -> dict[str, Any]:
    """Reads the run file `path`; returns its validated values as `{dest: value}`.

    Args:
        path: the TOML run file.
        parser: the parser whose options the file may set.

    Raises:
        UsageError: naming the file and the TOML error, the unknown key (with
            the valid ones), or the key, its expected type and the value.
    """
    path = pathlib.Path(path)
    table = _read(path)
    actions = _actions(parser)
    values: dict[str, Any] = {}
    for key, value in table.items():
        action = _action(key, actions, path)
        if action.dest in values:
            raise UsageError(f"{path} sets {action.dest.replace('_', '-')!r} twice ({key!r} is the same option). "
                             "Keep one.")
        values[action.dest] = _checked(key, value, action, path)
    return _resolve_paths(values, path.absolute().parent)


def settings(args: argparse.Namespace) -> dict[str, Any]:
    """The options of `args` worth repeating: `{dest: value}`, absolute paths, no one-shot flags or `None`s."""
    resolved: dict[str, Any] = {}
    for dest, value in vars(args).items():
        if value is None or dest in ONE_SHOT:
            continue
        resolved[dest] = os.path.abspath(value) if dest in PATHS else value
    return resolved


def save(config: Any) -> pathlib.Path | None:
    """Writes `config.settings` atomically to `config.layout.runfile`; returns the path.

    Writes nothing (returns `None`) for an `--export-only` run, which is not a
    search, or for a `Config` not built from a command line (no settings).
    """
    if not config.settings or config.export_only:
        return None
    path = config.layout.runfile
    text = dumps(config.settings)
    durable.replace(path, lambda tmp: pathlib.Path(tmp).write_text(text, encoding="utf-8"))
    return path


def dumps(values: Mapping[str, Any]) -> str:
    """Formats `{dest: value}` as a flat TOML run file (keys with dashes)."""
    lines = ["# The resolved options of a kt_rnn search (run file, then command line).",
             "# Repeat it with: python -m kt_rnn.search --config THIS_FILE"]
    lines += [f"{dest.replace('_', '-')} = {_toml_value(value)}" for dest, value in values.items()]
    return "\n".join(lines) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("nan" if math.isnan(value) else str(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    # JSON's escapes are valid in a TOML basic string; TOML also wants DEL escaped.
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


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


def _actions(parser: argparse.ArgumentParser) -> dict[str, argparse.Action]:
    """`{key: action}` for every spelling of every option a run file may set."""
    actions: dict[str, argparse.Action] = {}
    for action in parser._actions:
        if action.dest in _SKIPPED:
            continue
        names = [action.dest] + [s.lstrip("-") for s in action.option_strings if s.startswith("--")]
        for name in names:
            actions[name] = actions[name.replace("-", "_")] = actions[name.replace("_", "-")] = action
    return actions


def _action(key: str, actions: Mapping[str, argparse.Action], path: pathlib.Path) -> argparse.Action:
    if key in actions:
        return actions[key]
    names = sorted({action.dest.replace("_", "-") for action in actions.values()})
    close = difflib.get_close_matches(key.replace("_", "-"), names, n=1)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise UsageError(f"Unknown option in {path}: {key!r}. Expected one of {names}.{hint}")


def _checked(key: str, value: Any, action: argparse.Action, path: pathlib.Path) -> Any:
    """`value` converted for `action`; raises `UsageError` naming `key`, the expected type and the value."""
    if action.nargs == 0:  # store_true and the like: the file gives the option's value
        if not isinstance(value, bool):
            raise _type_error(key, value, "true or false", path)
        return value
    if isinstance(action, argparse._AppendAction):  # --fix: repeatable, _ExtendAction included
        if not isinstance(value, list):
            raise _type_error(key, value, f"a list of {_KINDS.get(action.type, 'values')}", path)
        return [_scalar(key, item, action, path) for item in value]
    return _scalar(key, value, action, path)


_KINDS: dict[Any, str] = {None: "strings", str: "strings", int: "integers", float: "numbers"}


def _scalar(key: str, value: Any, action: argparse.Action, path: pathlib.Path) -> Any:
    converted = _convert(value, action.type)
    if isinstance(converted, argparse.ArgumentTypeError):  # a custom type's own reason, e.g. a bad duration
        raise UsageError(f"{key} in {path} {converted}")  # "time-limit in run.toml must be a duration ..."
    if converted is _INVALID:
        kinds: dict[Any, str] = {None: "a string", str: "a string", int: "an integer", float: "a number"}
        kind = kinds.get(action.type, "a value")
        raise _type_error(key, value, kind, path)
    if action.choices is not None and converted not in action.choices:
        raise UsageError(f"Expected {key} in {path} to be one of {list(action.choices)}. "
                         f"Received: {key}={_shown(value)}")
    return converted


_INVALID = object()


def _convert(value: Any, type_: Any) -> Any:
    if isinstance(value, bool) or isinstance(value, (list, dict)):
        return _INVALID
    if type_ in (None, str):
        return value if isinstance(value, str) else _INVALID
    if type_ is int:
        return value if isinstance(value, int) else _INVALID
    if type_ is float:
        return float(value) if isinstance(value, (int, float)) else _INVALID
    try:  # a custom argparse type: give it the text, as the command line would
        return type_(value if isinstance(value, str) else str(value))
    except argparse.ArgumentTypeError as e:
        return e
    except (ValueError, TypeError):
        return _INVALID


def _type_error(key: str, value: Any, kind: str, path: pathlib.Path) -> UsageError:
    return UsageError(f"Expected {key} in {path} to be {kind}. Received: {key}={_shown(value)}")


def _shown(value: Any) -> str:
    if isinstance(value, dict):
        return repr(value)
    try:
        return _toml_value(value)
    except (TypeError, ValueError):
        return repr(value)


def _resolve_paths(values: dict[str, Any], base: pathlib.Path) -> dict[str, Any]:
    for dest in PATHS:
        if isinstance(values.get(dest), str):
            values[dest] = str(base / pathlib.Path(values[dest]).expanduser())
    return values
