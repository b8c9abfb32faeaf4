"""One option of the search: a row of the options table (`kt_rnn.options`), and the option types.

A leaf module: the table (`kt_rnn.options`) and the tasks, which declare their
own options (`kt_rnn.tasks.Task.options`), both build rows from it.

Pure Python: no TensorFlow, Keras or KerasTuner import.
"""

import argparse
import dataclasses
import re
from collections.abc import Callable
from typing import Any

from kt_rnn.errors import UsageError

VALUE, SWITCH, REPEAT, POSITIONAL = "value", "switch", "repeat", "positional"  # how an option is given


@dataclasses.dataclass(frozen=True)
class Option:
    """One option of the search: a row of the options table (`kt_rnn.options`).

    Args:
        name: the name everywhere: `kt_rnn.tune`'s keyword, the run file's key
            (dashes or underscores), `--name-with-dashes` on the command line.
        help: `--help`'s text.
        group: a key of `kt_rnn.options.GROUPS`, or a task's own group (its title).
        type: text -> value (the command line's type; raises `ValueError` or
            `argparse.ArgumentTypeError`); `int`, `float` and `str` are also
            what a Python or TOML value must be.
        default: the value when not given. For a `preset` option, the value when
            neither it nor a preset gives one (the parser's default is then `None`).
        choices: the values allowed, or `None`.
        metavar: `--help`'s placeholder.
        kind: `VALUE`, `SWITCH` (`--name`: true), `REPEAT` (`--name X` again and
            again: a list) or `POSITIONAL`.
        tasks: the tasks (`kt_rnn.tasks` names) it applies to; `None`: every task.
            Given to another task's data, it is refused rather than ignored.
        identity: part of what a search is (`search.json`): resuming with
            another value is refused.
        minimum: the smallest integer allowed (`None`: no bound).
        fraction: a number strictly between 0 and 1.
        steps: a size in steps: where the task's data is a series (`Task.steps`), a
            fraction in (0, 1) of its rows is taken too where `minimum` asks for an integer.
        required: the tasks of `tasks` cannot run without it.
        saved: written to the resolved run file (`config.toml`); False for what
            acts once (`--overwrite`) or says where this process runs (`--role`).
        path: a path: a run file's relative value is relative to its directory.
        preset: a preset may set its default (`kt_rnn.presets`).
    """

    name: str
    help: str = ""
    group: str = ""
    type: Callable[[str], Any] = str
    default: Any = None
    choices: tuple[Any, ...] | None = None
    metavar: str | None = None
    kind: str = VALUE
    tasks: tuple[str, ...] | None = None
    identity: bool = False
    minimum: int | None = None
    fraction: bool = False
    steps: bool = False
    required: bool = False
    saved: bool = True
    path: bool = False
    preset: bool = False

    @property
    def flag(self) -> str:
        """The command line's spelling: `--max-trials`."""
        return "--" + self.name.replace("_", "-")

    def check(self, value: Any, series: bool = False) -> None:
        """Raises `UsageError` unless `value` (not `None`) is allowed for this option (`series`: the data's
        task reads a series, whose sizes may be fractions of its rows)."""
        if self.choices is not None and value not in self.choices:
            raise UsageError(f"Expected {self.name} to be one of {list(self.choices)}. Received: {self.name}={value!r}")
        if self.fraction and not (_number(value) and 0 < value < 1):
            raise UsageError(f"{self.flag} must be between 0 and 1. Received: {value}")
        if self.steps and series and _number(value) and 0 < value < 1:
            return  # a series' test and validation parts may be fractions of its rows
        if self.minimum is not None and (isinstance(value, bool) or not isinstance(value, int) or value < self.minimum):
            raise UsageError(f"{self.flag} must be an integer >= {self.minimum}. Received: {value!r}")


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?")


def duration(text: str | float) -> float:
    """Seconds from `90s`, `10m`, `1h`, `1h30m` or a number of seconds; raises `UsageError` otherwise.

    Example:

    >>> duration("1h30m"), duration("90s"), duration("45"), duration(600.0)
    (5400.0, 90.0, 45.0, 600.0)
    """
    seconds: float | None
    if _number(text):
        seconds = float(text)
    else:
        found = _DURATION.fullmatch(str(text).strip().lower())
        if not found or not any(found.groups()):
            seconds = None
        else:
            hours, minutes, rest = (float(part or 0) for part in found.groups())
            seconds = hours * 3600 + minutes * 60 + rest
    if seconds is None or not 0 < seconds < float("inf"):
        raise UsageError(f"--time-limit must be a duration such as 90s, 10m, 1h or 1h30m. Received: {text!r}")
    return seconds


def seconds(text: str) -> float:
    """`duration` as an option's type: a bad duration is a usage error (exit 2) naming the forms."""
    try:
        return duration(text)
    except UsageError as e:
        raise argparse.ArgumentTypeError(str(e).removeprefix("--time-limit ")) from None


def steps(text: str) -> int | float:
    """A number of steps, or a fraction of the rows ("0.2")."""
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number of steps or a fraction. Received: {text!r}") from None
