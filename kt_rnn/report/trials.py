"""Reads a search directory into one record per trial, for the report command.

Reads only what the search wrote: `search.json`, `tuner/oracle.json`,
`tuner/trial_<id>/trial.json` and `tuner/trial_<id>/execution<e>/epochs.json`,
each through `durable.read_json`, so a file torn mid-write falls back to its
kept previous copy. Works on a finished, an interrupted or a running search.
Never writes. Pure Python: no TensorFlow, Keras or KerasTuner import.
"""

import dataclasses
import math
import os
import pathlib
from collections.abc import Collection
from typing import Any

from hypermodels import cudnn
from kt_rnn import objectives
from kt_rnn.errors import SearchError
from kt_rnn.state import durable
from kt_rnn.state.layout import Layout

TUNER_PREFIX = "tuner/"  # Hyperband's bookkeeping values, not hyperparameters
COMPLETED = "COMPLETED"
RUNNING = "RUNNING"
UNREADABLE = "UNREADABLE"
DEFAULT_OBJECTIVE = "val_accuracy"
DIRECTIONS = ("min", "max")
HYPERBAND_COLUMNS = ("bracket", "round")
PARENT = "trial_id"  # Hyperband's `tuner/trial_id`: the trial a continuation goes on from
CONTINUES = "continues"  # its column
CUDNN = "cudnn_eligible"  # as in the TensorBoard HParams sessions
_ABSENT = object()


@dataclasses.dataclass
class Trial:
    """What the report shows of one trial.

    Args:
        trial_id: KerasTuner's trial id, e.g. `"03"`.
        status: KerasTuner's status (`"COMPLETED"`, `"FAILED"`, `"RUNNING"`, ...)
            or `"UNREADABLE"` when its `trial.json` cannot be parsed.
        message: the failure reason KerasTuner recorded, if any.
        score: the objective at the best epoch; `None` if not scored (yet).
        best_epoch: 1-based epoch of the score, counted from the first epoch of
            training behind the trial (a Hyperband continuation included).
        epochs: epochs in the trial's `epochs.json` files; `None` if none.
        seconds: wall time of those epochs; `None` if none.
        values: the active hyperparameters, `{name: value}`.
        tuner_values: Hyperband's `tuner/...` values, prefix removed.
        so_far: `(value, epoch)`: best objective in `epochs.json` (running trials).
        best: whether this is the best completed trial.
    """

    trial_id: str
    status: str
    message: str | None = None
    score: float | None = None
    best_epoch: int | None = None
    epochs: int | None = None
    seconds: float | None = None
    values: dict[str, Any] = dataclasses.field(default_factory=dict)
    tuner_values: dict[str, Any] = dataclasses.field(default_factory=dict)
    so_far: tuple[float, int] | None = None
    best: bool = False


@dataclasses.dataclass
class Search:
    """A search directory as read: its settings, space and trials in start order."""

    path: pathlib.Path
    objective: str
    direction: str
    info: dict[str, Any]
    space: dict[str, dict[str, Any]]  # {name: {"class_name": ..., "config": {...}}}, oracle's order first
    trials: list[Trial]
    export: dict[str, Any] | None = None  # best/metrics.json of the export, if any

    def ranked(self) -> list[Trial]:
        """The trials, best score first; those without a score after, in start order."""
        sign = -1 if self.direction == "max" else 1
        order = {id(t): i for i, t in enumerate(self.trials)}
        return sorted(self.trials, key=lambda t: (t.score is None, sign * (t.score or 0), order[id(t)]))

    def best(self) -> Trial | None:
        """The best completed trial, or `None`."""
        return next((t for t in self.trials if t.best), None)

    def is_fixed(self, name: str) -> bool:
        return self.space.get(name, {}).get("class_name") == "Fixed"

    def hyperband(self) -> bool:
        return any("bracket" in t.tuner_values for t in self.trials)


def find_project(path: str | os.PathLike[str]) -> pathlib.Path:
    """Returns the search directory `path` names; raises `SearchError` naming the fix.

    Accepts LOGDIR/PROJECT or its `tuner/` subdirectory.
    """
    path = pathlib.Path(path)
    if not path.is_dir():
        raise SearchError(
            f"{path} is not a directory. Expected a search directory LOGDIR/PROJECT "
            f"(e.g. logs/imdb), as written by `python -m kt_rnn.search`."
        )
    if Layout(path).tuner.is_dir():
        return path
    if path.name == Layout.TUNER and _has_tuner_state(Layout(path.parent)):
        return path.parent
    found = sorted(str(p) for p in path.iterdir() if Layout(p).tuner.is_dir())
    hint = (
        f" Searches found under it: {', '.join(found)}."
        if found
        else (" Run `python -m kt_rnn.search DATASET --logdir LOGDIR` first, then report on LOGDIR/PROJECT.")
    )
    raise SearchError(f"{path} holds no search (no tuner/ subdirectory).{hint}")


def load(path: str | os.PathLike[str]) -> Search:
    """Reads the search directory at `path` (see `find_project`) into a `Search`."""
    path = find_project(path)
    layout = Layout(path)
    info = _read_or(layout.identity, {})
    objective = info.get("objective") or DEFAULT_OBJECTIVE
    direction = _direction(info, objective, layout)
    oracle = _read_or(layout.oracle_file, {})
    try:
        trials, space = _load_trials(layout, objective, direction, oracle)
    except (AttributeError, KeyError, TypeError) as e:
        raise SearchError(
            f"{layout.oracle_file} is not a KerasTuner oracle state ({e!r}). Move it aside and run the report again."
        ) from None
    search = Search(path, objective, direction, info, space, trials, _read_or(layout.metrics, None))
    _mark_best(search)
    return search


def record(search: Search, trial: Trial) -> dict[str, Any]:
    """The trial as one flat `{column: value}` dict; see `columns`."""
    row = {
        "trial_id": trial.trial_id,
        "status": trial.status,
        "message": trial.message,
        "best": trial.best,
        search.objective: trial.score,
        "best_epoch": trial.best_epoch,
        "epochs": trial.epochs,
        "seconds": trial.seconds,
        CUDNN: cudnn_eligible(trial),
    }
    if search.hyperband():
        row.update({c: trial.tuner_values.get(c) for c in HYPERBAND_COLUMNS})
        row[CONTINUES] = trial.tuner_values.get(PARENT)
    for name, column in hyperparameter_columns(search, row).items():
        row[column] = trial.values.get(name)
    return row


def cudnn_eligible(trial: Trial) -> bool | None:
    """Would the trial's recurrent layers run on cuDNN on a GPU (`None`: no values to tell)."""
    return cudnn.eligible(trial.values) if trial.values else None


def columns(search: Search) -> list[str]:
    """Column names of `record`: trial fields, then one per hyperparameter."""
    return list(record(search, Trial("", "")))


def hyperparameter_columns(search: Search, taken: Collection[str] = ()) -> dict[str, str]:
    """`{name: column}`; a name that clashes with a trial field gets an `hp_` prefix."""
    return {name: f"hp_{name}" if name in taken else name for name in search.space}


def _has_tuner_state(layout: Layout) -> bool:
    return layout.has_search() or bool(layout.trial_dirs())


def _read_or(path: pathlib.Path, default: Any) -> Any:
    try:
        found = durable.read_json(path, missing=None)
    except durable.DamagedStateError:
        return default
    return found if isinstance(found, dict) else default


def _direction(info, objective, layout):
    """The objective's direction: as search.json says, else as the registry or KerasTuner's trial files say."""
    if info.get("direction") in DIRECTIONS:
        return info["direction"]
    if objective in objectives.OBJECTIVES:
        return objectives.OBJECTIVES[objective].direction
    for trial_dir in layout.trial_dirs().values():
        found = _read_or(trial_dir / layout.TRIAL, {})
        direction = (((found.get("metrics") or {}).get("metrics") or {}).get(objective) or {}).get("direction")
        if direction in DIRECTIONS:
            return direction
    return "max"


def _load_trials(layout, objective, direction, oracle):
    space = {}
    _merge_space(space, oracle.get("hyperparameters"))
    trials = []
    for trial_dir in _trial_dirs(layout, oracle):
        trial = _load_trial(trial_dir, objective, direction, space)
        if trial is not None:
            trials.append(trial)
    return trials, space


def _trial_dirs(layout, oracle):
    dirs = layout.trial_dirs()
    started = [i for i in oracle.get("start_order") or [] if i in dirs]
    rest = sorted(set(dirs) - set(started), key=lambda i: (len(i), i))
    return [dirs[i] for i in started + rest]


def _load_trial(trial_dir, objective, direction, space):
    trial_id = trial_dir.name[len("trial_") :]
    try:
        state = durable.read_json(trial_dir / Layout.TRIAL, missing=None)
        if state is None:
            return None  # created but not written yet: nothing to show
        trial = _parse_trial(state, objective, space)
    except durable.DamagedStateError:
        return Trial(trial_id, UNREADABLE, "trial.json is damaged and has no good previous copy")
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        return Trial(trial_id, UNREADABLE, f"trial.json is not a KerasTuner trial ({e!r})")
    _add_epochs(trial, trial_dir, objective, direction)
    return trial


def _parse_trial(state, objective, space):
    hps = state.get("hyperparameters") or {}
    _merge_space(space, hps)
    values = hps.get("values") or {}
    trial = Trial(str(state["trial_id"]), state.get("status") or "UNKNOWN", state.get("message"))
    trial.values = _active_values(hps.get("space") or [], values)
    trial.tuner_values = {k[len(TUNER_PREFIX) :]: v for k, v in values.items() if k.startswith(TUNER_PREFIX)}
    trial.score = _finite(state.get("score"))
    if trial.score is not None and state.get("best_step") is not None:
        trial.best_epoch = trial.tuner_values.get("initial_epoch", 0) + state["best_step"] + 1
    return trial


def _merge_space(space, hps):
    for entry in (hps or {}).get("space") or []:
        name = entry["config"]["name"]
        if isinstance(name, str) and not name.startswith(TUNER_PREFIX):
            space.setdefault(name, entry)


def _active_values(space, values):
    """`{name: value}` of the hyperparameters whose conditions hold; inactive ones left out."""
    names = [e["config"]["name"] for e in space if _conditions_hold(e["config"], values)]
    return {n: values[n] for n in names if n in values and not n.startswith(TUNER_PREFIX)}


def _conditions_hold(config: dict[str, Any], values: dict[str, Any]) -> bool:
    conditions = config.get("conditions") or []
    return all(values.get(c["config"]["name"], _ABSENT) in c["config"]["values"] for c in conditions)


def _add_epochs(trial, trial_dir, objective, direction):
    records = []
    for path in Layout(trial_dir.parent.parent).records(trial_dir):
        records.extend(_epoch_records(path))
    if not records:
        return
    trial.epochs = len(records)
    trial.seconds = round(sum(_finite(r.get("seconds")) or 0.0 for r in records), 3)
    seen = [
        (v, _epoch_number(r, i))
        for i, r in enumerate(records)
        if (v := _finite((r.get("logs") or {}).get(objective))) is not None
    ]
    if seen:
        trial.so_far = (min if direction == "min" else max)(seen, key=lambda s: s[0])


def _epoch_records(path: pathlib.Path) -> list[dict[str, Any]]:
    epochs = _read_or(path, {}).get("epochs")
    return [r for r in epochs or [] if isinstance(r, dict)]


def _epoch_number(record: dict[str, Any], index: int) -> int:
    epoch = record.get("epoch")
    return (epoch if isinstance(epoch, int) else index) + 1


def _mark_best(search: Search) -> None:
    scored = [t for t in search.ranked() if t.score is not None and t.status == COMPLETED]
    if scored:
        scored[0].best = True


def _finite(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None
