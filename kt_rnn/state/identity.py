"""What a search is (`search.json`), and a refusal to resume it as something else.

Resuming with other data, another data preparation, tuner, objective, schedule
or search space would mix incomparable trials, so it is refused with a short
diff unless `--overwrite` starts afresh; a different trial budget needs
`--extend-budget`. The data is identified by its resolved source and a
fingerprint of the loaded examples, so changed data under the same path is
refused too. Pure Python: no TensorFlow import.
"""

import hashlib
import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from kt_rnn import objectives
from kt_rnn.errors import UsageError
from kt_rnn.state import durable

if TYPE_CHECKING:
    import pathlib

    from kt_rnn.state.layout import Layout

BUDGET = ("max_trials",)


def fingerprint(config: Any, dataset: Any = None) -> dict[str, Any]:
    """The settings and data that define `config`'s search, as JSON-ready values.

    Args:
        config: the search's `Config`, its objective resolved.
        dataset: the loaded `kt_rnn.data.Dataset`, or `None` to leave the data out.
    """
    identity = {name: _plain(config.option(name)) for name in config.identity_names}
    identity["task"] = config.task.name
    identity["direction"] = objectives.objective(config.budget.objective).direction  # type: ignore[arg-type]  # Config resolves it
    identity["space"] = config.space.describe()  # type: ignore[union-attr]  # Config resolves it
    if (config.budget.folds or 1) > 1:  # only then: searches made before folds existed keep their identity
        identity["folds"] = config.budget.folds
    if dataset is not None:
        identity["data"] = {
            "source": dataset.source,
            "fingerprint": dataset.fingerprint,
            "problem": dataset.problem,
            "sizes": dict(dataset.sizes),
        }
    return {**identity, **{name: config.option(name) for name in BUDGET}}


def digest(identity: Mapping[str, Any]) -> str:
    """A short sha256 of an identity (`fingerprint`'s dict): `best/metrics.json` names the search it exports."""
    text = json.dumps(identity, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value  # as JSON reads it back


def diff(saved: Mapping[str, Any], current: Mapping[str, Any], nested: bool = True) -> list[str]:
    """Lines `name: saved -> current` for every setting that differs (`space` and `data` entry by entry)."""
    lines = []
    for name in sorted(set(saved) | set(current)):
        old, new = saved.get(name), current.get(name)
        if nested and isinstance(old, dict) and isinstance(new, dict):
            lines += [f"{name}.{line}" for line in diff(old, new, nested=False)]
        elif old != new:
            lines.append(f"{name}: {_show(old)} -> {_show(new)}")
    return lines


def check(config: Any, dataset: Any = None) -> None:
    """Writes `search.json` for a new search; refuses a resume whose settings or data drifted.

    Raises `UsageError` with the diff, unless `config.runtime.extend_budget` covers a budget-only change.
    """
    path = config.layout.identity
    current = fingerprint(config, dataset)
    saved = durable.read_json(path, missing=None)
    rebuilt = saved is None
    if rebuilt:
        saved = kept_in_oracle(config.layout)  # search.json and its copy deleted: the oracle's copy
    if saved is None:
        return durable.write_json(path, current)
    changes = diff(saved, current)
    budget_only = all(_setting(line) in BUDGET for line in changes)
    if not changes or (budget_only and config.output.export_only):
        return durable.write_json(path, saved) if rebuilt else None  # an export's budget does not matter
    if not (budget_only and config.runtime.extend_budget):
        raise UsageError(_refusal(path, changes, budget_only))
    return durable.write_json(path, current)


def verify(config: Any, dataset: Any = None) -> None:
    """A worker's check against its chief's search (`search.json`); writes nothing.

    Raises `UsageError` when there is no search (the worker's --logdir is not the
    chief's) or when the worker's settings or data differ from it. The trial budget
    is the chief's, and the data may lie under another path on another host.
    """
    path = config.layout.identity
    saved = durable.read_json(path, missing=None)
    if saved is None:
        raise UsageError(
            f"No search in {path.parent}, though its chief answers: a worker needs the chief's "
            "--logdir and --project (the same directory; across hosts, on a shared filesystem)."
        )
    changes = [line for line in diff(saved, fingerprint(config, dataset)) if _setting(line) not in BUDGET + WORKER_FREE]
    if changes:
        listed = "\n  ".join(changes)
        raise UsageError(
            f"This worker's settings or data differ from its chief's search in {path.parent}:\n"
            f"  {listed}\nStart the worker with the chief's options and data."
        )


WORKER_FREE = ("data.source",)  # the same data may lie under another path on a worker's host


def kept_in_oracle(layout: "Layout") -> dict[str, Any] | None:
    """The identity the oracle keeps in its own state (`oracle.json`), or `None`."""
    state = durable.read_json(layout.oracle_file, missing=None) or {}
    return (state.get(ORACLE_KEY) or {}).get("identity") if isinstance(state, dict) else None


ORACLE_KEY = "kt_rnn"  # kt_rnn's entry in KerasTuner's oracle state (kt_rnn.state.oracles)


def _setting(line: str) -> str:
    return line.split(":")[0]


def _refusal(path: "pathlib.Path", changes: Sequence[str], budget_only: bool) -> str:
    way = (
        "add --extend-budget to change the trial budget of this search"
        if budget_only
        else "run with --overwrite to discard it and start afresh, or choose another --project"
    )
    listed = "\n  ".join(changes)
    data = [line.startswith("data.") for line in changes]
    what = "other data" if all(data) else "other data and settings" if any(data) else "other settings"
    return (
        f"The search in {path.parent} was started with {what}:\n  {listed}\n"
        f"To resume it, run it with its own settings and data; {way}."
    )


def _show(value: object) -> str:
    return "(unset)" if value is None else str(value)
