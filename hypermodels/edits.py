"""The user's edits to the search space: `--fix NAME=VALUE` and `--space FILE.toml`.

A space file has one table per hyperparameter, in one of three forms:

```toml
[cell]                      # a choice
values = ["gru", "lstm"]
default = "gru"             # optional

[learning_rate]             # a numeric range
min_value = 1e-4
max_value = 1e-2
sampling = "log"            # optional: linear (default), log, reverse_log
# step = ...                # optional

[bidirectional]             # a fixed value
value = true
```

Pure Python; every error is a `SpaceError` naming the valid choices.
"""

import math
import os
from collections.abc import Collection
from typing import Any

import tomllib

from hypermodels import space as sp

_TRUE, _FALSE = ("true", "1", "yes", "on"), ("false", "0", "no", "off")
_FORMS = {
    sp.FIXED: {"value"},
    sp.CHOICE: {"values", "default"},
    sp.RANGE: {"min_value", "max_value", "step", "sampling", "default"},
}


SpaceError = sp.SpaceError
_A = {int: "an integer", float: "a number", bool: "a boolean", str: "a string"}  # a param's type, in words


def parse_value(param: sp.Param, raw: object) -> Any:
    """Converts `raw` (a CLI string or a TOML value) to `param`'s type and checks it."""
    value = _convert(param, raw)
    if value is None or not _finite(value) or not param.valid(value):
        raise SpaceError(f"{param.name} takes {_A[param.type]} {param.rule}. Received: {param.name}={raw!r}")
    return value


def _finite(value):
    # inf and nan pass every "> 0" rule, then fail every trial: refused here, before anything is written.
    return not isinstance(value, float) or math.isfinite(value)


def _convert(param, raw):
    if isinstance(raw, str) and param.type is not str:
        return _from_text(param.type, raw.strip())
    if param.type is float and isinstance(raw, int) and not isinstance(raw, bool):
        return float(raw)
    return raw if type(raw) is param.type else None


def _from_text(kind, text):
    if kind is bool:
        low = text.lower()
        return True if low in _TRUE else False if low in _FALSE else None
    try:
        return kind(text)
    except ValueError:
        return None


def parse_fix(text: str, space: sp.SearchSpace) -> tuple[str, sp.Domain]:
    """Parses one `--fix NAME=VALUE` against `space` (a `SearchSpace`); returns `(name, Domain)`."""
    name, sep, raw = text.partition("=")
    if not sep or not name.strip():
        raise SpaceError(f"Expected --fix NAME=VALUE, e.g. --fix cell=lstm. Received: --fix {text!r}")
    param = space.param(name.strip())
    return param.name, sp.fixed(parse_value(param, raw))


def parse_tune(text: str, space: sp.SearchSpace) -> tuple[str, ...]:
    """Parses `--tune NAME[,NAME...]` against `space`; returns the names in order."""
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise SpaceError(
            f"Expected --tune NAME[,NAME...], e.g. --tune units_0,learning_rate,batch_size. Received: --tune {text!r}"
        )
    return tuple(space.param(name).name for name in names)


def tune_only(
    space: sp.SearchSpace, names: Collection[str], fixed_by_user: Collection[str] = ()
) -> dict[str, sp.Domain]:
    """`{name: Domain}` that searches only `names` and fixes every other hyperparameter at its default.

    A name whose domain is fixed by the model's defaults is searched over the shared
    recurrent domain (`--tune num_layers` searches 1-3 layers); one the user fixed
    (`--fix`) cannot also be tuned.
    """
    domains = {}
    for param in space.params:
        domain = space.domain(param.name)
        if param.name not in names:
            domains[param.name] = sp.fixed(default_value(domain))
        elif param.name in fixed_by_user:
            raise SpaceError(f"--tune {param.name} and --fix {param.name} contradict each other: remove one.")
        elif domain.kind == sp.FIXED:
            domains[param.name] = _searchable(param)
    return domains


def _searchable(param):
    shared = {p.name: p.domain for p in sp.RECURRENT_PARAMS}.get(param.name)
    if shared is None or shared.kind == sp.FIXED:
        raise SpaceError(
            f"{param.name} has one value by default, so --tune cannot search it: give it values "
            f"in a --space file ([{param.name}] values = [...])."
        )
    return shared


def default_value(domain: sp.Domain) -> Any:
    """The value a trial of `domain` starts from: its default, else the first choice or the lower end."""
    if domain.kind == sp.FIXED:
        return domain.values[0]
    if domain.default is not None:
        return domain.default
    return domain.values[0] if domain.kind == sp.CHOICE else domain.min_value


def load_space_file(path: str | os.PathLike[str], space: sp.SearchSpace) -> dict[str, sp.Domain]:
    """Reads a space file of `space`'s hyperparameters (a `SearchSpace`); returns `{name: Domain}`."""
    try:
        with open(path, "rb") as f:
            tables = tomllib.load(f)
    except OSError as e:
        raise SpaceError(f"Cannot read --space file {str(path)!r}: {e.strerror}.") from None
    except UnicodeDecodeError:
        raise SpaceError(
            f"--space file {str(path)!r} is not text (TOML must be UTF-8). "
            "Pass the space file, e.g. space.toml with one [name] table per hyperparameter."
        ) from None
    except tomllib.TOMLDecodeError as e:
        raise SpaceError(f"--space file {str(path)!r} is not valid TOML: {e}.") from None
    return {name: _domain(space.param(name), table) for name, table in tables.items()}


def _domain(param, table):
    form = None
    if isinstance(table, dict):  # a top-level `units_0 = 5` is a value, not a table
        form = next((k for k, keys in _FORMS.items() if set(table) & keys - {"default"}), None)
    if form is None or not set(table) <= _FORMS[form]:
        raise SpaceError(
            f"[{param.name}] in the space file expects `value = x`, `values = [...]` "
            f"or `min_value`/`max_value` (+ step, sampling). Received: {table!r}"
        )
    if form == sp.FIXED:
        return sp.fixed(parse_value(param, table["value"]))
    if form == sp.CHOICE:
        return _choice(param, table)
    return _range(param, table)


def _choice(param, table):
    values = table["values"]
    if not isinstance(values, list) or not values:
        raise SpaceError(f"[{param.name}] values must be a non-empty list. Received: {values!r}")
    values = [parse_value(param, v) for v in values]
    default = _default(param, table, lambda v: v in values)
    return sp.choice(values, default)


def _range(param, table):
    if param.type not in (int, float):
        raise SpaceError(f"[{param.name}] is not numeric; use `values = [...]` instead.")
    if not {"min_value", "max_value"} <= set(table):
        raise SpaceError(f"[{param.name}] a range needs both min_value and max_value.")
    lo, hi = (parse_value(param, table[k]) for k in ("min_value", "max_value"))
    sampling = table.get("sampling", "linear")
    step = table.get("step")
    checks = (
        (lo > hi, "min_value must be <= max_value"),
        (sampling not in sp.SAMPLINGS, f"sampling must be one of {list(sp.SAMPLINGS)}"),
        (sampling != "linear" and lo <= 0, "log sampling needs min_value > 0"),
        (step is not None and not _positive(param, step), "step must be a positive number"),
    )
    problem = next((message for failed, message in checks if failed), None)
    if problem:
        raise SpaceError(f"[{param.name}] {problem}. Received: {table!r}")
    default = _default(param, table, lambda v: lo <= v <= hi)
    return sp.span(lo, hi, step, sampling, default)


def _positive(param, step):
    value = _convert(param, step)
    return value is not None and value > 0


def _default(param, table, inside):
    if "default" not in table:
        return None
    value = parse_value(param, table["default"])
    if not inside(value):
        raise SpaceError(f"[{param.name}] default {value!r} is outside its domain.")
    return value
