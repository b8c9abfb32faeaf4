"""`config.toml`: the resolved options of a search, written beside it so `--config` repeats the run.

The options worth repeating are picked by `kt_rnn.runfile.settings` (the options
table's `saved` rows, absolute paths) into `Config.settings`; this module only
writes them, atomically, under the search's layout. Pure Python.
"""

import json
import math
import os
import pathlib
from collections.abc import Mapping
from typing import Any

from kt_rnn.state import durable
from kt_rnn.state.layout import Layout

FILENAME = Layout.RUNFILE  # the resolved options, under LOGDIR/PROJECT


def save(config: Any) -> pathlib.Path | None:
    """Writes `config.settings` atomically to `config.layout.runfile`; returns the path.

    Writes nothing (returns `None`) for an `--export-only` run, which is not a
    search, or for a `Config` not built from a command line (no settings).
    """
    if not config.settings or config.output.export_only:
        return None
    path = config.layout.runfile
    text = dumps(config.settings)
    durable.replace(path, lambda tmp: pathlib.Path(tmp).write_text(text, encoding="utf-8"))
    return path


def dumps(values: Mapping[str, Any]) -> str:
    """Formats `{dest: value}` as a flat TOML run file (keys with dashes)."""
    lines = [
        "# The resolved options of a kt_rnn search (run file, then command line).",
        "# Repeat it with: python -m kt_rnn.search --config THIS_FILE",
    ]
    lines += [f"{dest.replace('_', '-')} = {toml_value(value)}" for dest, value in values.items()]
    return "\n".join(lines) + "\n"


def toml_value(value: Any) -> str:
    """`value` as TOML writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else ("nan" if math.isnan(value) else str(value))
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    if isinstance(value, os.PathLike):
        value = os.fspath(value)
    # JSON's escapes are valid in a TOML basic string; TOML also wants DEL escaped.
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")
