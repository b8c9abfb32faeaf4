"""What a search is (`search.json`), and a refusal to resume it as something else.

Resuming with another dataset, data preparation, tuner, objective, schedule or
search space would mix incomparable trials, so it is refused with a short diff
unless `--overwrite` starts afresh; a different trial budget needs
`--extend-budget`. Pure Python: no TensorFlow import.
"""

from kt_rnn.state import durable
from kt_rnn.errors import UsageError

FILE = "search.json"
IDENTITY = ("dataset", "validation_split", "train_size", "test_size", "max_tokens",
            "sequence_length", "seed", "tuner", "objective", "max_epochs", "factor",
            "executions_per_trial")
BUDGET = ("max_trials",)


def fingerprint(config):
    """The settings that define `config`'s search, as JSON-ready values."""
    identity = {name: getattr(config, name) for name in IDENTITY}
    if config.tuner != "hyperband":
        identity.pop("factor")
    identity["direction"] = "min" if "loss" in config.objective else "max"
    identity["space"] = config.space.describe()
    return {**identity, **{name: getattr(config, name) for name in BUDGET}}


def diff(saved, current):
    """Lines `name: saved -> current` for every setting that differs (space entries one by one)."""
    lines = []
    for name in sorted(set(saved) | set(current)):
        old, new = saved.get(name), current.get(name)
        if name == "space" and isinstance(old, dict) and isinstance(new, dict):
            lines += [f"space.{line}" for line in diff(old, new)]
        elif old != new:
            lines.append(f"{name}: {_show(old)} -> {_show(new)}")
    return lines


def check(config):
    """Writes `search.json` for a new search; refuses a resume whose settings drifted.

    Raises `UsageError` with the diff, unless `config.extend_budget` covers a budget-only change.
    """
    path = config.project_dir / FILE
    current = fingerprint(config)
    saved = durable.read_json(path, missing=None)
    if saved is None:
        return durable.write_json(path, current)
    changes = diff(saved, current)
    budget_only = all(_setting(line) in BUDGET for line in changes)
    if not changes or (budget_only and config.export_only):
        return None  # an export runs no trial: its budget does not matter
    if not (budget_only and config.extend_budget):
        raise UsageError(_refusal(path, changes, budget_only))
    return durable.write_json(path, current)


def _setting(line):
    return line.split(":")[0]


def _refusal(path, changes, budget_only):
    way = ("add --extend-budget to change the trial budget of this search"
           if budget_only else "run with --overwrite to discard it and start afresh, or choose another --project")
    listed = "\n  ".join(changes)
    return f"The search in {path.parent} was started with other settings:\n  {listed}\nTo resume it, run it with its own settings; {way}."


def _show(value):
    return "(unset)" if value is None else str(value)
