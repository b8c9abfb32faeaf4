"""The configuration of one search, validated before anything touches the disk.

Pure Python: no TensorFlow, Keras or KerasTuner import.
"""

import argparse
import dataclasses
import os
import pathlib
import re
from collections.abc import Iterable, Mapping
from typing import Any

import tomllib

from hypermodels import edits
from hypermodels import space as sp
from hypermodels.space import SearchSpace
from kt_rnn import presets, runfile, tasks
from kt_rnn.errors import UsageError
from kt_rnn.runtime import devices, roles
from kt_rnn.search import kinds
from kt_rnn.state.layout import Layout

DATASETS = tasks.DATASETS
TUNERS = tuple(kinds.KINDS)
OBJECTIVES = tuple(tasks.OBJECTIVES)
JIT_MODES = ("auto", "on", "off")
CONSOLE_MODES = ("quiet", "normal", "verbose")
JIT_MIN_EXAMPLES = 2_000  # --jit auto: no XLA under this many training examples (its compile would not pay)
FILL_MODES = ("ffill", "interpolate", "drop")
BASELINE_MODES = ("all", "none")  # the classical models fitted beside the network (kt_rnn.tasks.baselines)

DEFAULTS = presets.DEFAULTS  # the options a preset may set, and their defaults without one
DEFAULT_MAX_TRIALS = kinds.DEFAULT_MAX_TRIALS


@dataclasses.dataclass(frozen=True)
class Config:
    """Everything one search needs; see `python -m kt_rnn.search --help`."""

    dataset: str
    data: str | None = None
    tuner: str = DEFAULTS["tuner"]
    max_trials: int | None = None
    max_epochs: int = DEFAULTS["max_epochs"]
    factor: int = DEFAULTS["factor"]
    executions_per_trial: int = 1
    # None: the task's default for its problem (classification: val_accuracy, regression: val_loss).
    objective: str | None = None
    seed: int = 42
    logdir: str = "logs"
    project: str | None = None
    overwrite: bool = False
    export_only: bool = False
    refit: bool = True
    base_fallback: bool = True  # a forecaster's base is exported where no trial beat it on validation
    space: SearchSpace | None = None  # None: the task's model's default space
    validation_split: float = 0.2
    test_data: str | None = None
    test_split: float = 0.2
    text_column: str | None = None
    label_column: str | None = None
    task_type: str | None = None  # classification or regression; None: from the data
    # Forecasting (the timeseries dataset); None unless given.
    target: str | None = None
    features: str | None = None  # comma-separated column names, or "all"
    date_column: str | None = None
    horizon: int | None = None  # steps forecast at once (default 1)
    season: int | None = None  # seasonal period in steps, for the seasonal-naive baseline and MASE
    validation_size: int | float | None = None  # steps, or a fraction of the rows
    stride: int | None = None  # steps between forecast origins (default 1)
    folds: int | None = None  # rolling-origin validation folds (None: planned from the series)
    fill_missing: str | None = None
    categorical: tuple[str, ...] | None = None  # feature columns to one-hot encode
    train_size: int | None = None
    test_size: int | None = None
    max_tokens: int = DEFAULTS["max_tokens"]
    sequence_length: int = DEFAULTS["sequence_length"]
    patience: int = DEFAULTS["patience"]
    ensemble: int = DEFAULTS["ensemble"]  # the export averages this many best trials (distinct hyperparameters)
    jit: str = "auto"
    verbose: int | str = "auto"  # Keras's fit verbosity; "auto": a progress bar on a terminal
    console: str = "normal"  # quiet: one line per trial; normal: plus one per trial start; verbose: KerasTuner's tables
    max_failures: int = 3
    max_crashes: int = 3
    extend_budget: bool = False
    role: roles.Role = roles.Role()  # alone, or the chief or a worker of a distributed search
    gpus: tuple[int, ...] | None = None  # GPU indices to train on; None: every GPU; (): the CPU only
    precision: str = "float32"  # Keras dtype policy; "mixed": float16 on a GPU, bfloat16 on a CPU
    strategy: str = "default"  # "mirrored": each trial on every visible GPU
    baselines: str = "all"  # "none": no classical model is fitted beside the network
    time_limit: float | None = None  # seconds the search may take (`duration`); None: no limit
    # The resolved command line ({dest: value}), saved as LOGDIR/PROJECT/config.toml (`runfile.save`).
    settings: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False)
    # The budget options and the hyperparameters the user (or a preset) set: the plan from the data leaves
    # them as given.
    given: frozenset[str] = dataclasses.field(default_factory=frozenset, compare=False)
    # What `kt_rnn.search.plan` chose from the loaded data, in one line ("" before loading, or nothing).
    planned: str = dataclasses.field(default="", compare=False)

    def __post_init__(self) -> None:
        _one_of("dataset", self.dataset, DATASETS)
        _one_of("tuner", self.tuner, TUNERS)
        _one_of("jit", self.jit, JIT_MODES)
        _one_of("console", self.console, CONSOLE_MODES)
        _one_of("precision", self.precision, devices.PRECISIONS)
        _one_of("strategy", self.strategy, devices.STRATEGIES)
        _one_of("baselines", self.baselines, BASELINE_MODES)
        self._check_task_options()
        if self.task_type is not None:
            _one_of("task", self.task_type, self.task.problems)
        self._resolve_objective()
        self._resolve_space()
        for name in ("max_epochs", "executions_per_trial", "max_tokens", "sequence_length", "patience",
                     "max_failures", "max_crashes", "ensemble"):
            _at_least(name, getattr(self, name), 1)
        for name in ("max_trials", "train_size", "horizon", "season", "stride", "folds"):
            if getattr(self, name) is not None:
                _at_least(name, getattr(self, name), 1)
        for name in ("test_size", "validation_size"):  # forecasting also takes a fraction of the rows
            if getattr(self, name) is not None:
                _steps_or_fraction(name, getattr(self, name), fraction=self.task.name == "forecast")
        if self.fill_missing is not None:
            _one_of("fill_missing", self.fill_missing, FILL_MODES)
        if self.task.name == "forecast" and not self.target:
            raise UsageError("The timeseries dataset needs --target COLUMN: the column to forecast.")
        _at_least("factor", self.factor, 2)
        if self.time_limit is not None:  # kt_rnn.tune(time_limit="5m") arrives as given: seconds from here on
            object.__setattr__(self, "time_limit", duration(self.time_limit))
        self._check_role()
        for name in ("validation_split", "test_split"):
            if not 0 < getattr(self, name) < 1:
                raise UsageError(f"--{name.replace('_', '-')} must be between 0 and 1. Received: {getattr(self, name)}")
        if self.max_tokens < 3:  # padding, out-of-vocabulary and at least one word
            raise UsageError(f"--max-tokens must be at least 3. Received: {self.max_tokens}")
        project = self.project or self.dataset
        if pathlib.PurePath(project).name != project or project in (".", ".."):
            raise UsageError(f"--project must be a plain directory name. Received: {project!r}")
        object.__setattr__(self, "project", project)
        _writable_directory("--logdir", self.logdir)
        if self.project_dir.exists():  # an earlier search's directory, maybe made read-only since
            _writable_directory("--project", self.project_dir)

    def _check_role(self) -> None:
        # The chief owns the shared project: a worker must never delete it, nor export over the chief.
        for name in ("overwrite", "export_only"):
            if self.role.is_worker and getattr(self, name):
                raise UsageError(f"--{name.replace('_', '-')} is the chief's alone: a worker never clears or "
                                 "exports the shared search. Give it to the chief (or a single run).")

    def _check_task_options(self) -> None:
        for name in tasks.TASK_OPTIONS:
            if getattr(self, name) is not None and name not in self.task.options:
                flag = tasks.FLAGS.get(name, "--" + name.replace("_", "-"))
                owners = [t.name for t in tasks.TASKS.values() if name in t.options]
                raise UsageError(f"{flag} is an option of the {', '.join(owners)} data, not of {self.dataset}. "
                                 f"Remove it, or choose the dataset it belongs to.")

    def _resolve_objective(self) -> None:
        if self.objective is None:
            object.__setattr__(self, "objective", self.task.default_objective(self.task_type))
        else:
            self.task.check_objective(self.objective, self.task_type)

    def _resolve_space(self) -> None:
        if self.space is None:
            defaults = self.task.default_domains(dataclasses.asdict(self))
            object.__setattr__(self, "space", SearchSpace(self.task.params).with_domains(defaults))
        elif self.space.params != self.task.params:
            raise UsageError(f"The search space given is not the space of the {self.task.name} task's model "
                             f"(hyperparameters {list(SearchSpace(self.task.params).names)}).")

    def is_default(self, name: str) -> bool:
        """True when hyperparameter `name`'s domain is the task's default for these settings (not edited)."""
        if name in self.given:
            return False
        defaults = SearchSpace(self.task.params).with_domains(self.task.default_domains(dataclasses.asdict(self)))
        return self.space.domain(name) == defaults.domain(name)  # type: ignore[union-attr]  # set by __post_init__

    @property
    def task(self) -> tasks.Task:
        """The `kt_rnn.tasks.Task` that serves `dataset`."""
        return tasks.for_dataset(self.dataset)

    @property
    def layout(self) -> Layout:
        """The `Layout` naming every path of this search under LOGDIR/PROJECT."""
        return Layout.of(self.logdir, self.project)  # type: ignore[arg-type]  # project: set by __post_init__

    @property
    def project_dir(self) -> pathlib.Path:
        return self.layout.root

    @property
    def tuner_kind(self) -> kinds.TunerKind:
        """The `kt_rnn.search.kinds.TunerKind` of `tuner`: its budget, schedule and settings."""
        return kinds.get(self.tuner)

    @property
    def trials(self) -> int | None:
        """The trial budget: --max-trials, or the tuner's default (Hyperband: its schedule)."""
        return self.tuner_kind.trials(self.max_trials)

    @property
    def jit_compile(self) -> bool | str:
        modes: dict[str, bool | str] = {"auto": "auto", "on": True, "off": False}
        return modes[self.jit]

    @property
    def dtype_policy(self) -> str:
        """The models' Keras dtype policy; `mixed` is resolved by device at the search's start."""
        if self.precision == "mixed":
            raise ValueError("precision 'mixed' is resolved by kt_rnn.runtime.devices.configure first")
        return self.precision

    def jit_for(self, train_examples: int) -> bool | str:
        """`jit_compile` for a training part of `train_examples`: `auto` leaves XLA off under
        `JIT_MIN_EXAMPLES`, where compiling each trial's model takes longer than its epochs."""
        if self.jit == "auto" and train_examples < JIT_MIN_EXAMPLES:
            return False
        return self.jit_compile

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "Config":
        """Builds a `Config` from parsed `argparse` arguments; raises `UsageError`."""
        chosen = _preset(args)
        sized = {name: _given(args, name, {**DEFAULTS, **chosen.options}) for name in DEFAULTS}
        _one_of("dataset", args.dataset, DATASETS)
        task = tasks.for_dataset(args.dataset)
        if chosen.tasks and task.name not in chosen.tasks:
            raise UsageError(f"--preset {chosen.name} is made for {' or '.join(chosen.tasks)} data, not for "
                             f"{args.dataset}. Remove it, or choose one of {sorted(presets.PRESETS)}.")
        space = build_space(args.fix, args.space, chosen.space, task.params, task.default_domains(vars(args)),
                            args.tune)
        return cls(
            dataset=args.dataset, data=args.data, settings=runfile.settings(args),
            executions_per_trial=args.executions_per_trial, objective=args.objective,
            seed=args.seed, logdir=args.logdir, project=args.project,
            overwrite=args.overwrite, export_only=args.export_only, refit=not args.no_refit,
            base_fallback=not args.no_base_fallback,
            space=space, target=args.target, features=args.features, date_column=args.date_column,
            horizon=args.horizon, season=args.season, validation_size=args.validation_size, stride=args.stride,
            folds=args.folds,
            fill_missing=args.fill_missing, categorical=tuple(args.categorical) if args.categorical else None,
            validation_split=args.validation_split, test_data=args.test_data, test_split=args.test_split,
            text_column=args.text_column, label_column=args.label_column, task_type=args.task,
            jit=args.jit, console=_console(args), max_failures=args.max_failures,
            max_crashes=args.max_crashes, extend_budget=args.extend_budget, role=_role(args),
            gpus=devices.parse_gpus(args.gpus), precision="mixed" if args.mixed_precision else "float32",
            strategy=args.strategy, baselines=args.baselines, time_limit=args.time_limit, **sized,
            given=frozenset(name for name in DEFAULTS if getattr(args, name) is not None or name in chosen.options)
            | edited_names(args.fix, args.space, chosen.space, task.params, args.tune),
        )


_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s?)?")


def duration(text: str | float) -> float:
    """Seconds from `90s`, `10m`, `1h`, `1h30m` or a number of seconds; raises `UsageError` otherwise.

    Example:

    >>> duration("1h30m"), duration("90s"), duration("45"), duration(600.0)
    (5400.0, 90.0, 45.0, 600.0)
    """
    seconds: float | None
    if isinstance(text, (int, float)) and not isinstance(text, bool):
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


def _role(args: argparse.Namespace) -> roles.Role:
    return roles.resolve(args.role, args.oracle, args.worker_id, os.environ,
                         worker_timeout=args.worker_timeout, chief_timeout=args.chief_timeout)


def _console(args: argparse.Namespace) -> str:
    if args.verbose and args.quiet:
        raise UsageError("--verbose and --quiet contradict each other: give one.")
    return "verbose" if args.verbose else "quiet" if args.quiet else "normal"


def _preset(args: argparse.Namespace) -> presets.Preset:
    """The preset of `--preset` (`--quick` is `--preset quick`), or an empty one."""
    name = args.preset or ("quick" if args.quick else None)
    if args.quick and name != "quick":
        raise UsageError(f"--quick is --preset quick: give one preset. Received: --quick and --preset {name}")
    if name is None:
        return presets.Preset("none", "", {})
    try:
        return presets.get(name)
    except ValueError as e:
        raise UsageError(str(e)) from None


def _given(args: argparse.Namespace, name: str, preset: Mapping[str, Any]) -> Any:
    value = getattr(args, name)
    return preset[name] if value is None else value


def build_space(fixes: Iterable[str] | None = (), space_file: str | None = None,
                preset: Mapping[str, sp.Domain] | None = None, params: tuple[sp.Param, ...] = sp.TEXT_PARAMS,
                defaults: Mapping[str, sp.Domain] | None = None, tune: str | None = None) -> SearchSpace:
    """The default space of the model whose table is `params` (with the task's `defaults` for the
    settings), with `preset`, then a --space file, then each --fix applied; with `tune` (the
    text of --tune), only the hyperparameters it names are searched, every other one fixed."""
    space = SearchSpace(params)
    try:
        domains = dict(defaults or {})
        domains.update((name, domain) for name, domain in (preset or {}).items() if name in space.names)
        domains.update(edits.load_space_file(space_file, space) if space_file else {})
        fixed = dict(edits.parse_fix(text, space) for text in fixes or ())
        domains.update(fixed)
        space = space.with_domains(domains)
        if tune is not None:
            space = space.with_domains(edits.tune_only(space, edits.parse_tune(tune, space), fixed))
        return space
    except edits.SpaceError as e:
        raise UsageError(str(e)) from None


def edited_names(fixes: Iterable[str] | None = (), space_file: str | None = None,
                 preset: Mapping[str, sp.Domain] | None = None, params: tuple[sp.Param, ...] = sp.TEXT_PARAMS,
                 tune: str | None = None) -> frozenset[str]:
    """The hyperparameters `build_space`'s edits set (every one under `tune`): kept as given even where
    an edit equals the default (`--fix batch_size=128`), which the plan would otherwise resize."""
    if tune is not None:
        return frozenset(param.name for param in params)
    names = {text.partition("=")[0].strip() for text in fixes or ()} | set(preset or ())
    if space_file:
        with open(space_file, "rb") as f:  # read and checked by build_space already
            names |= set(tomllib.load(f))
    return frozenset(names)


def _one_of(name: str, value: object, allowed: Iterable[object]) -> None:
    if value not in allowed:
        raise UsageError(f"Expected {name} to be one of {list(allowed)}. Received: {name}={value!r}")


def _at_least(name: str, value: object, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        flag = "--" + name.replace("_", "-")
        raise UsageError(f"{flag} must be an integer >= {minimum}. Received: {value!r}")


def _steps_or_fraction(name: str, value: object, fraction: bool) -> None:
    if fraction and isinstance(value, float) and 0 < value < 1:
        return
    _at_least(name, value, 1)


def _writable_directory(flag: str, path: str | os.PathLike[str]) -> None:
    """Refuses a directory that cannot be created or written, before anything is written."""
    path = pathlib.Path(path)
    existing = next(p for p in (path, *path.parents) if p.exists())  # "." or "/" at the latest
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(
            f"{flag} {str(path)!r} cannot be written: {str(existing)!r} is not a writable directory. "
            f"Choose another {flag} or fix its permissions."
        )
