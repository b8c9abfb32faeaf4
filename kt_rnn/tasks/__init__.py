"""Task registry: what differs between problems, behind one seam.

A task owns its data kinds, its HyperModel and that model's search space, its
objectives (each with an explicit direction, never guessed from a metric's
name), its test scores, its serving wrapper for the export, and its summary
lines. The pipeline, tuners, state and report never name a task: they ask the
`Task` for each of these.

Each task declares its own options (`Task.options`, rows of the options table
that name it) and the datasets it serves. kt_rnn's own tasks are in `TASKS`;
another package (or a test) adds one with `register(task, loaders)`, or through
a `kt_rnn.tasks` entry point whose function calls it (`load_entry_points`).

This module is pure Python (the command line validates options against it
before TensorFlow loads); each task's implementation module is imported on use
and provides:

- `hypermodel(config, dataset)`: the `keras_tuner.HyperModel` to search;
- `serving_model(model, dataset, hparams)`: raw input -> prediction in the user's units;
- optionally `serving_ensemble(models, dataset, hparams_list)`: the mean prediction of members
  that read inputs of their own shape (without it, `--ensemble` averages the models' outputs);
- optionally `best_base(hypermodel, dataset, folds, hparams, trial_mae)`, `base_wins(base)`,
  `serving_base(dataset, hparams)`, `base_line(base, trial_id)` and `network_line(base, trial_id)`:
  a simple model (a forecaster's best base on validation) beside the best trial, which the export
  serves instead where `base_wins` (the trial's validation MAE does not beat it), and the lines
  that say which was exported and by how much the two differed;
- optionally `named_outputs(dataset)`: `output -> {name: tensor}`, the SavedModel's named outputs
  (default `kt_rnn.tasks.outputs.named_outputs`: `probabilities` and `label`, or `value`);
- `scores(serving_model, dataset)`: the test scores written to `metrics.json`;
- `summary_lines(scores)`: what the end of a run prints about them (kept in `metrics.json` as
  `test_lines`, which the report shows);
- `settings(dataset, served_model=None)`: data settings written with the hyperparameters (`hparams.json`);
- `assets(dataset)`: `{file name: text}` saved beside the export and in its SavedModel (labels);
- `export_files(serving_model, dataset)`: `{file name: write(path)}` of extra files beside the
  export (a forecast's predictions.csv and plot);
- `folds(dataset, k)`: `[(train, validation), ...]`, the `k` folds each trial is trained and
  scored on (a series' rolling origins), or `None` for the one split of the dataset.
"""

import dataclasses
import importlib
import importlib.metadata
import types
import warnings
from collections.abc import Callable, Mapping
from typing import Any

from hypermodels import space as sp
from kt_rnn import data
from kt_rnn.data.series import FILL_MODES
from kt_rnn.errors import UsageError

# The objectives and problems live in a leaf module the data, state and report sides read too; the
# tasks name them as their own.
from kt_rnn.objectives import (  # noqa: F401
    CLASSIFICATION,
    DEFAULT_OBJECTIVES,
    MAX,
    MIN,
    OBJECTIVES,
    PROBLEMS,
    REGRESSION,
    Objective,
    objective,
)
from kt_rnn.option import REPEAT, Option, steps


@dataclasses.dataclass(frozen=True)
class Task:
    """One kind of problem kt_rnn tunes recurrent networks for.

    Args:
        name: the registry name, e.g. `"text"`.
        params: the search-space table of its HyperModel (`hypermodels.space`).
        problems: the problems its data can pose (classification, regression).
        module: its implementation module (see the module docstring).
        datasets: the dataset names (command-line positional) it serves.
        options: its own options (`kt_rnn.option.Option` rows, each with `tasks`
            naming this task): the table (`kt_rnn.options`) adds them to the
            common ones; given to another task's data, they are refused.
        domains: `settings -> {name: Domain}`: default domains that depend on
            the settings (the forecaster's windows on its horizon), or `None`.
        steps: its data is a series of steps (its sizes, e.g. `--test-size`, may be
            fractions of the rows); defaults to False.
    """

    name: str
    params: tuple[sp.Param, ...]
    problems: tuple[str, ...]
    module: str
    datasets: tuple[str, ...]
    options: tuple[Option, ...] = ()
    domains: Callable[[Mapping[str, Any]], dict[str, sp.Domain]] | None = None
    steps: bool = False

    def default_domains(self, settings: Mapping[str, Any]) -> dict[str, sp.Domain]:
        """`{name: Domain}` replacing the table's defaults for these settings (a dict of `Config` fields)."""
        return self.domains(settings) if self.domains else {}

    def implementation(self) -> types.ModuleType:
        return importlib.import_module(self.module)

    def objectives(self, problem: str | None = None, num_classes: int | None = None) -> list[str]:
        """The objectives that fit this task (and `problem`, and `num_classes` when known)."""
        problems = self.problems if problem is None else (problem,)
        return [
            o.name
            for o in OBJECTIVES.values()
            if set(o.problems) & set(problems) and not (o.binary and num_classes not in (None, 2))
        ]

    def check_objective(self, name: str, problem: str | None = None, num_classes: int | None = None) -> Objective:
        """Raises `UsageError` unless objective `name` fits; returns its `Objective`."""
        found = objective(name)
        valid = self.objectives(problem, num_classes)
        if name not in valid:
            what = f"{problem} " if problem else ""
            classes = f" with {num_classes} classes" if num_classes else ""
            raise UsageError(
                f"Objective {name!r} does not fit {what}{self.name} data{classes}. "
                f"Expected one of {valid}. Received: objective={name!r}"
            )
        return found

    def default_objective(self, problem: str | None = None) -> str | None:
        """The default objective, or `None` while the problem is not known yet (before loading)."""
        problems = self.problems if problem is None else (problem,)
        return DEFAULT_OBJECTIVES[problems[0]] if len(problems) == 1 else None


def _forecast_domains(settings: Mapping[str, Any]) -> dict[str, sp.Domain]:
    # Series give hundreds of windows, not tens of thousands of examples: batches of 32-128 left
    # a trial one or two steps an epoch (BENCHMARKS.md, forecasting: 16/32/64 beat them on airline).
    return {
        sp.WINDOW: sp.window_domain(settings.get("horizon") or 1, settings.get("season")),
        sp.PREDICT: sp.predict_domain(settings.get("season")),
        # Each window read relative to its last value, or the series' scale: neither won on every
        # development series' validation folds (window: airline, co2, realgdp; series: woolyrnq,
        # elec_equip, elnino, ausbeer; BENCHMARKS.md), so each search chooses.
        sp.NORMALIZE: sp.choice(("window", "series"), "window"),
        sp.BATCH_SIZE: sp.choice((16, 32, 64), 32),
    }


_TEXT, _SEQUENCE, _FORECAST = ("text",), ("sequence",), ("forecast",)
_F = "forecasting (the timeseries dataset: --data FILE.csv)"  # --help's group of the forecast options
TEXT_OPTIONS = (
    Option(
        "test_data",
        "text: a separate test set in the same form as --data (default: a stratified --test-split of --data)",
        "data",
        metavar="PATH",
        tasks=_TEXT,
        path=True,
    ),
    Option(
        "text_column",
        "text table: the text column (name or 0-based index; default: detected)",
        "data",
        metavar="NAME|INDEX",
        tasks=_TEXT,
        identity=True,
    ),
    Option(
        "label_column",
        "text table: the label column (name or 0-based index; default: detected)",
        "data",
        metavar="NAME|INDEX",
        tasks=_TEXT,
        identity=True,
    ),
)
SEQUENCE_OPTIONS = (
    Option(
        "task",
        "sequence: classification or regression (default: integer y is classification, float y regression)",
        "data",
        choices=PROBLEMS,
        tasks=_SEQUENCE,
    ),
)
FORECAST_OPTIONS = (
    Option("target", "the column to forecast", _F, metavar="COLUMN", tasks=_FORECAST, identity=True, required=True),
    Option(
        "features",
        "other columns used as inputs, comma-separated, or `all` for every numeric column (default: the target alone)",
        _F,
        metavar="COLS",
        tasks=_FORECAST,
        identity=True,
    ),
    Option(
        "date_column",
        "dates: rows are ordered by them (default: row order is time order)",
        _F,
        metavar="COLUMN",
        tasks=_FORECAST,
        identity=True,
    ),
    Option(
        "horizon", "steps forecast at once (default 1)", _F, int, metavar="N", tasks=_FORECAST, identity=True, minimum=1
    ),
    Option(
        "season",
        "seasonal period in steps, e.g. 12 for monthly data (default 1): the seasonal-naive baseline and MASE use it",
        _F,
        int,
        metavar="N",
        tasks=_FORECAST,
        identity=True,
        minimum=1,
    ),
    Option(
        "validation_size",
        "steps (or a fraction) before the test part used for selection (default: about 15% "
        "of the rows, in whole horizons)",
        _F,
        steps,
        metavar="N|F",
        tasks=_FORECAST,
        identity=True,
        minimum=1,
        steps=True,
    ),
    Option(
        "stride",
        "steps between forecast origins (default 1)",
        _F,
        int,
        metavar="N",
        tasks=_FORECAST,
        identity=True,
        minimum=1,
    ),
    Option(
        "folds",
        "rolling-origin validation: each trial trains and is scored K times, on validation parts of "
        "--validation-size steps that end where the validation part ends, each fold trained only on the steps "
        "before its own; the objective is their mean (default: 3 for a series of under 300 training windows, "
        "else 1)",
        _F,
        int,
        metavar="K",
        tasks=_FORECAST,
        minimum=1,
    ),
    Option(
        "fill_missing",
        "fill missing values instead of stopping: ffill, interpolate, or drop the rows",
        _F,
        choices=FILL_MODES,
        tasks=_FORECAST,
        identity=True,
    ),
    Option(
        "categorical",
        "one-hot encode this feature column (repeatable)",
        _F,
        metavar="COLUMN",
        kind=REPEAT,
        tasks=_FORECAST,
        identity=True,
    ),
)
TASKS = {
    t.name: t
    for t in (
        Task("text", sp.TEXT_PARAMS, (CLASSIFICATION,), "kt_rnn.tasks.text", ("imdb", "text"), TEXT_OPTIONS),
        Task("sequence", sp.SEQUENCE_PARAMS, PROBLEMS, "kt_rnn.tasks.sequence", ("sequence",), SEQUENCE_OPTIONS),
        Task(
            "forecast",
            sp.FORECAST_PARAMS,
            (REGRESSION,),
            "kt_rnn.tasks.forecast",
            ("timeseries",),
            FORECAST_OPTIONS,
            _forecast_domains,
            steps=True,
        ),
    )
}


def datasets() -> tuple[str, ...]:
    """The dataset names of every registered task, e.g. `("imdb", "text", "sequence", "timeseries")`."""
    return tuple(name for task in TASKS.values() for name in task.datasets)


def get(name: str) -> Task:
    """Returns the task registered as `name`; raises `ValueError` listing the valid names."""
    if name not in TASKS:
        raise ValueError(f"Unknown task. Expected one of {sorted(TASKS)}. Received: task={name!r}")
    return TASKS[name]


def for_dataset(dataset: str) -> Task:
    """Returns the task that serves `dataset`; raises `UsageError` listing the datasets."""
    for task in TASKS.values():
        if dataset in task.datasets:
            return task
    raise UsageError(f"Unknown dataset. Expected one of {list(datasets())}. Received: dataset={dataset!r}")


ENTRY_POINTS = "kt_rnn.tasks"  # the entry-point group through which an installed package adds its tasks


def register(task: Task, loaders: Mapping[str, str]) -> Task:
    """Adds `task`: the command line, `kt_rnn.tune`, run files, resume, TensorBoard, the report and the
    export serve its datasets from now on, with no change to kt_rnn.

    Args:
        task: the `Task`: its name, search-space table, problems, implementation module (see
            this module's docstring), datasets, and options (`kt_rnn.option.Option` rows whose
            `tasks` is `(task.name,)`; a `Config` holds their values in `task_options`).
        loaders: `{dataset: "module:function"}`, one per dataset of `task`: the function turns
            a `Config` and `read_inputs`'s keyword arguments into a `kt_rnn.data.Dataset`, and
            its module's `read_inputs(config, **given)` checks the data before TensorFlow loads.

    Returns:
        `task`.

    Raises:
        ValueError: the task's name or one of its datasets or options is taken, a dataset has
            no loader, or an option is not marked as the task's.

    Example:

    ```python
    from hypermodels import space as sp
    from kt_rnn import tasks
    from kt_rnn.option import Option

    tasks.register(
        tasks.Task("tally", (sp.Param("units", int, sp.choice((4, 8), 4), ...),), (tasks.REGRESSION,),
                   "my_package.tally", ("tally",), (Option("digit", "the digit counted", "tally", int,
                   tasks=("tally",), identity=True, required=True),)),
        {"tally": "my_package.tally:load"})
    ```
    """
    taken = [name for name in (task.name, *task.datasets) if name in TASKS or name in datasets()]
    names = {option.name for option in task.options}
    taken += [option.name for other in TASKS.values() for option in other.options if option.name in names]
    if taken:
        raise ValueError(f"Expected a task whose name, datasets and options are new. Received: {taken} taken")
    if set(loaders) != set(task.datasets):
        raise ValueError(
            f"Expected one loader per dataset of the task, {list(task.datasets)}. "
            f"Received: loaders for {sorted(loaders)}"
        )
    strays = [option.name for option in task.options if option.tasks != (task.name,)]
    if strays:
        raise ValueError(f"Expected the task's options marked tasks=({task.name!r},). Received: {strays}")
    for name, target in loaders.items():
        data.register(name, target)
    TASKS[task.name] = task
    return task


def load_entry_points() -> list[str]:
    """Registers the tasks of installed packages; returns the names of the entry points loaded.

    A package declares `[project.entry-points."kt_rnn.tasks"] NAME = "module:function"`; the
    function (no arguments) calls `register`. One that fails is left out with a warning, so a
    broken package does not stop every kt_rnn command.
    """
    loaded = []
    for entry in importlib.metadata.entry_points(group=ENTRY_POINTS):
        try:
            entry.load()()
        except Exception as e:  # noqa: BLE001  (any fault of another package's code)
            warnings.warn(
                f"kt_rnn: the task entry point {entry.name} ({entry.value}) failed and is left out: "
                f"{type(e).__name__}: {e}",
                stacklevel=2,
            )
        else:
            loaded.append(entry.name)
    return loaded


BUILT_IN = tuple(TASKS)  # kt_rnn's own tasks; the entry points below add the installed packages'
load_entry_points()
