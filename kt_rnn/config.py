"""The configuration of one search, validated before anything touches the disk.

Pure Python: no TensorFlow, Keras or KerasTuner import.
"""

import argparse
import dataclasses
import os
import pathlib
from collections.abc import Iterable, Mapping
from typing import Any

import tomllib

from hypermodels import edits
from hypermodels import space as sp
from hypermodels.space import SearchSpace
from kt_rnn import data as data_lib
from kt_rnn import options, presets, tasks
from kt_rnn.errors import UsageError
from kt_rnn.options import TUNERS, duration  # noqa: F401  (TUNERS: the tests read it here)
from kt_rnn.runtime import devices, roles
from kt_rnn.search import kinds
from kt_rnn.state.layout import Layout

CONSOLE_MODES = ("quiet", "normal", "verbose")
JIT_MIN_EXAMPLES = 2_000  # --jit auto: no XLA under this many training examples (its compile would not pay)
DEFAULTS = options.PRESET_DEFAULTS  # the options a preset may set, and their defaults without one
DEFAULT_MAX_TRIALS = kinds.DEFAULT_MAX_TRIALS
# The options whose value a `Config` field of another name holds (the others: a field of the same name, or
# none: they are turned into one, e.g. --fix into `space`).
FIELDS = {"data": "path", "task": "task_type"}


@dataclasses.dataclass(frozen=True)
class Data:
    """What is read, and how it is split (the `data` section of a `Config`)."""

    path: str | None = None  # --data; None: the dataset's own source (IMDB: $KT_RNN_DATA or a download)
    validation_split: float = 0.2
    test_split: float = 0.2
    train_size: int | None = None
    test_size: int | float | None = None  # examples, or a series' steps (or a fraction of its rows)
    max_tokens: int = DEFAULTS["max_tokens"]
    sequence_length: int = DEFAULTS["sequence_length"]
    task_type: str | None = None  # --task: classification or regression; None: from the data


@dataclasses.dataclass(frozen=True)
class Budget:
    """What the search may spend, and how its trials are ranked (the `budget` section)."""

    tuner: str = DEFAULTS["tuner"]
    max_trials: int | None = None
    max_epochs: int = DEFAULTS["max_epochs"]
    factor: int = DEFAULTS["factor"]
    executions_per_trial: int = 1
    patience: int = DEFAULTS["patience"]
    # The momentum of the weights' moving average that validation scores and a fit leaves (Keras's use_ema);
    # None: the weights as the last step left them.
    ema: float | None = DEFAULTS["ema"]
    # None: the task's default for its problem (classification: val_accuracy, regression: val_loss).
    objective: str | None = None
    seed: int = 42
    time_limit: float | None = None  # seconds the search may take (`duration`); None: no limit
    # Validation folds each trial is scored on (a series' rolling origins; None: one split, or planned from
    # the series). The option is the forecast task's; the pipeline, the plan and the export read it.
    folds: int | None = None


@dataclasses.dataclass(frozen=True)
class Runtime:
    """How this process runs its part of the search: devices, console, failures, role (the `runtime` section)."""

    jit: str = "auto"
    precision: str = "float32"  # Keras dtype policy; "mixed": float16 on a GPU, bfloat16 on a CPU
    strategy: str = "default"  # "mirrored": each trial on every visible GPU
    gpus: tuple[int, ...] | None = None  # GPU indices to train on; None: every GPU; (): the CPU only
    verbose: int | str = "auto"  # Keras's fit verbosity; "auto": a progress bar on a terminal
    console: str = "normal"  # quiet: one line per trial; normal: plus one per trial start; verbose: KerasTuner's tables
    max_failures: int = 3
    max_crashes: int = 3
    extend_budget: bool = False
    role: roles.Role = roles.Role()  # alone, or the chief or a worker of a distributed search


@dataclasses.dataclass(frozen=True)
class Output:
    """Where the search goes, and what is exported (the `output` section)."""

    logdir: str = "logs"
    project: str | None = None  # None: the dataset's name
    overwrite: bool = False
    export_only: bool = False
    refit: bool = True
    base_fallback: bool = True  # a forecaster's base is exported where no trial beat it on validation
    baselines: str = "all"  # "none": no classical model is fitted beside the network
    ensemble: int = DEFAULTS["ensemble"]  # the export averages this many best trials (distinct hyperparameters)
    refits: int = DEFAULTS["refits"]  # each exported trial is refit this many times, from seeds of its own


SECTIONS = {"data": Data, "budget": Budget, "runtime": Runtime, "output": Output}
# {field: section} of every section's field (their names are all distinct).
_SECTION_OF = {field.name: name for name, kind in SECTIONS.items() for field in dataclasses.fields(kind)}


@dataclasses.dataclass(frozen=True)
class Config:
    """Everything one search needs, in sections (see `python -m kt_rnn.search --help`).

    Args:
        dataset: the dataset name (`kt_rnn.tasks.datasets()`), which names the task.
        data, budget, runtime, output: the `Data`, `Budget`, `Runtime` and `Output` sections.
        space: the model's search space (`hypermodels.space.SearchSpace`); `None`: the task's model's default.
        task_options: the task's own options (`kt_rnn.tasks.Task.options`: a forecast's --target,
            --horizon, ...), `{name: value}` (None: not given); read with `option(name)`.
        settings: the resolved options (`{name: value}`), saved as LOGDIR/PROJECT/config.toml.
        given: the budget options and hyperparameters the user (or a preset) set: the plan from the
            data leaves them as given.
        planned: what `kt_rnn.search.plan` chose from the loaded data, in one line.

    `Config.of(dataset, **fields)` builds one from the sections' field names; `Config.from_options`
    from the options' (`kt_rnn.options`).
    """

    dataset: str
    data: Data = Data()
    budget: Budget = Budget()
    space: SearchSpace | None = None
    runtime: Runtime = Runtime()
    output: Output = Output()
    task_options: dict[str, Any] = dataclasses.field(default_factory=dict)
    settings: dict[str, Any] = dataclasses.field(default_factory=dict, compare=False)
    given: frozenset[str] = dataclasses.field(default_factory=frozenset, compare=False)
    planned: str = dataclasses.field(default="", compare=False)

    @classmethod
    def of(cls, dataset: str, **fields: Any) -> "Config":
        """A `Config` from its sections' field names, e.g. `Config.of("imdb", tuner="random", max_trials=4)`."""
        _check_fields(fields)
        own = {name: value for name, value in fields.items() if name not in _SECTION_OF}
        sections = {
            section: kind(**{name: value for name, value in fields.items() if _SECTION_OF.get(name) == section})
            for section, kind in SECTIONS.items()
        }
        return cls(dataset, **sections, **own)

    def replace(self, **fields: Any) -> "Config":
        """A copy with these fields changed: a section's (`max_epochs=20`) or the config's own (`space=...`)."""
        _check_fields(fields)
        changed = {name: value for name, value in fields.items() if name not in _SECTION_OF}
        for section in SECTIONS:
            mine = {name: value for name, value in fields.items() if _SECTION_OF.get(name) == section}
            if mine:
                changed[section] = dataclasses.replace(getattr(self, section), **mine)
        return dataclasses.replace(self, **changed)

    def __post_init__(self) -> None:
        _one_of("dataset", self.dataset, tasks.datasets())
        self._check_options()
        _one_of("console", self.runtime.console, CONSOLE_MODES)
        _one_of("precision", self.runtime.precision, devices.PRECISIONS)
        if self.data.task_type is not None:
            _one_of("task", self.data.task_type, self.task.problems)
        self._resolve_objective()
        self._resolve_space()
        if self.budget.time_limit is not None:  # kt_rnn.tune(time_limit="5m") arrives as given: seconds from here on
            self._set("budget", time_limit=duration(self.budget.time_limit))
        self._check_role()
        project = self.output.project or data_lib.default_project(self.dataset, self.data.path)
        if pathlib.PurePath(project).name != project or project in (".", ".."):
            raise UsageError(f"--project must be a plain directory name. Received: {project!r}")
        self._set("output", project=project)
        _writable_directory("--logdir", self.output.logdir)
        if self.project_dir.exists():  # an earlier search's directory, maybe made read-only since
            _writable_directory("--project", self.project_dir)

    def _check_options(self) -> None:
        """Each option's own validation (`kt_rnn.options`): no option of another task's data, none missing."""
        for option in options.table():
            if option.name not in (*_AS_GIVEN, *self.task_options):
                continue  # turned into a field of its own form (--fix into `space`, --role into `role`)
            value = self.option(option.name)
            if value is None:
                if option.required and option.tasks and self.task.name in option.tasks:
                    raise UsageError(f"The {self.dataset} dataset needs {option.flag} {option.metavar}: {option.help}.")
                continue
            if option.tasks is not None and self.task.name not in option.tasks:
                raise UsageError(
                    f"{option.flag} is an option of the {', '.join(option.tasks)} data, not of "
                    f"{self.dataset}. Remove it, or choose the dataset it belongs to."
                )
            if option.name not in FIELDS:  # a field of another name holds the value in its own form
                option.check(value, series=self.task.steps)

    def option(self, name: str) -> Any:
        """The value of option `name` (`kt_rnn.options`): its field's or the task's own; `None` for an option
        of another task's data (never given here: `_check_options` refuses it)."""
        if name in self.task_options:
            return self.task_options[name]
        field = FIELDS.get(name, name)
        if field in _SECTION_OF:
            return getattr(getattr(self, _SECTION_OF[field]), field)
        options.get(name)  # raises `UsageError` for a name that is no option
        return None

    def _set(self, section: str, **fields: Any) -> None:
        """Sets fields of a section while `__post_init__` resolves them (the config is frozen after)."""
        object.__setattr__(self, section, dataclasses.replace(getattr(self, section), **fields))

    def _check_role(self) -> None:
        # The chief owns the shared project: a worker must never delete it, nor export over the chief.
        for name in ("overwrite", "export_only"):
            if self.runtime.role.is_worker and getattr(self.output, name):
                raise UsageError(
                    f"--{name.replace('_', '-')} is the chief's alone: a worker never clears or "
                    "exports the shared search. Give it to the chief (or a single run)."
                )

    def _resolve_objective(self) -> None:
        if self.budget.objective is None:
            self._set("budget", objective=self.task.default_objective(self.data.task_type))
        else:
            self.task.check_objective(self.budget.objective, self.data.task_type)

    def _resolve_space(self) -> None:
        if self.space is None:
            defaults = self.task.default_domains(self._settings())
            object.__setattr__(self, "space", SearchSpace(self.task.params).with_domains(defaults))
        elif self.space.params != self.task.params:
            raise UsageError(
                f"The search space given is not the space of the {self.task.name} task's model "
                f"(hyperparameters {list(SearchSpace(self.task.params).names)})."
            )

    def _settings(self) -> dict[str, Any]:
        """Every field and task option by name: what a task's default domains are chosen from."""
        fields = {name: getattr(getattr(self, section), name) for name, section in _SECTION_OF.items()}
        return {**fields, **self.task_options}

    def is_default(self, name: str) -> bool:
        """True when hyperparameter `name`'s domain is the task's default for these settings (not edited)."""
        if name in self.given:
            return False
        defaults = SearchSpace(self.task.params).with_domains(self.task.default_domains(self._settings()))
        return self.space.domain(name) == defaults.domain(name)  # type: ignore[union-attr]  # set by __post_init__

    @property
    def task(self) -> tasks.Task:
        """The `kt_rnn.tasks.Task` that serves `dataset`."""
        return tasks.for_dataset(self.dataset)

    @property
    def layout(self) -> Layout:
        """The `Layout` naming every path of this search under LOGDIR/PROJECT."""
        return Layout.of(self.output.logdir, self.output.project)  # type: ignore[arg-type]  # set by __post_init__

    @property
    def project_dir(self) -> pathlib.Path:
        return self.layout.root

    @property
    def tuner_kind(self) -> kinds.TunerKind:
        """The `kt_rnn.search.kinds.TunerKind` of `tuner`: its budget, schedule and settings."""
        return kinds.get(self.budget.tuner)

    @property
    def identity_names(self) -> tuple[str, ...]:
        """The settings that define this search (`search.json`): the options marked `identity`, and the tuner's."""
        return options.identity(self.task.name) + self.tuner_kind.identity_fields()

    @property
    def trials(self) -> int | None:
        """The trial budget: --max-trials, or the tuner's default (Hyperband: its schedule)."""
        return self.tuner_kind.trials(self.budget.max_trials)

    @property
    def jit_compile(self) -> bool | str:
        modes: dict[str, bool | str] = {"auto": "auto", "on": True, "off": False}
        return modes[self.runtime.jit]

    @property
    def dtype_policy(self) -> str:
        """The models' Keras dtype policy; `mixed` is resolved by device at the search's start."""
        if self.runtime.precision == "mixed":
            raise ValueError("precision 'mixed' is resolved by kt_rnn.runtime.devices.configure first")
        return self.runtime.precision

    def jit_for(self, train_examples: int) -> bool | str:
        """`jit_compile` for a training part of `train_examples`: `auto` leaves XLA off under
        `JIT_MIN_EXAMPLES`, where compiling each trial's model takes longer than its epochs."""
        if self.runtime.jit == "auto" and train_examples < JIT_MIN_EXAMPLES:
            return False
        return self.jit_compile

    @classmethod
    def from_options(cls, values: Mapping[str, Any]) -> "Config":
        """Builds a `Config` from `{option: value}` (`kt_rnn.options` names); raises `UsageError`.

        What `kt_rnn.tune`'s keywords, a run file or a parsed command line give: options
        not given take their defaults, a preset's where it sets them.

        Example:

        >>> Config.from_options({"dataset": "imdb", "tuner": "random", "max_trials": 5}).trials
        5
        """
        o = options.resolve(values)
        chosen = _preset(o)
        sized = {name: _given(o, name, {**DEFAULTS, **chosen.options}) for name in DEFAULTS}
        _one_of("dataset", o["dataset"], tasks.datasets())
        task = tasks.for_dataset(o["dataset"])
        if chosen.tasks and task.name not in chosen.tasks:
            raise UsageError(
                f"--preset {chosen.name} is made for {' or '.join(chosen.tasks)} data, not for "
                f"{o['dataset']}. Remove it, or choose one of {sorted(presets.PRESETS)}."
            )
        space = build_space(o["fix"], o["space"], chosen.space, task.params, task.default_domains(o), o["tune"])
        plain = {FIELDS.get(name, name): o[name] for name in _PLAIN}
        return cls.of(
            **plain,
            settings=options.settings(o),
            task_options=_task_options(o, task),
            refit=not o["no_refit"],
            base_fallback=not o["no_base_fallback"],
            space=space,
            task_type=o["task"],
            console=_console(o),
            role=_role(o),
            gpus=devices.parse_gpus(o["gpus"]),
            precision="mixed" if o["mixed_precision"] else "float32",
            **sized,
            given=frozenset(name for name in DEFAULTS if o[name] is not None or name in chosen.options)
            | edited_names(o["fix"], o["space"], chosen.space, task.params, o["tune"]),
        )

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> "Config":
        """Builds a `Config` from the command line's parsed arguments (`from_options` of their values)."""
        return cls.from_options(vars(args))


# The options a `Config` field of the same name holds as given.
_PLAIN = (
    "dataset",
    "data",
    "executions_per_trial",
    "objective",
    "seed",
    "logdir",
    "project",
    "overwrite",
    "export_only",
    "folds",
    "validation_split",
    "test_split",
    "jit",
    "max_failures",
    "max_crashes",
    "extend_budget",
    "strategy",
    "baselines",
    "time_limit",
)
# The options a field holds as given (the others are turned into a field of their own form).
_AS_GIVEN = (*_PLAIN, *DEFAULTS, *FIELDS)


def _check_fields(fields: Mapping[str, Any]) -> None:
    unknown = sorted(set(fields) - set(_SECTION_OF) - {field.name for field in dataclasses.fields(Config)})
    if unknown:
        raise TypeError(f"Expected fields of Config or of its sections. Received: {unknown}")
    for name, kind in SECTIONS.items():  # `data=` is the section: the data's path is `path=`
        if name in fields and not isinstance(fields[name], kind):
            raise TypeError(f"Expected {name} to be a {kind.__name__} section. Received: {name}={fields[name]!r}")


def _task_options(o: Mapping[str, Any], task: tasks.Task) -> dict[str, Any]:
    """The task's own options from the resolved `o` (None: not given), and any other task's that was given
    (`Config` refuses it, naming its task)."""
    own = {option.name for option in task.options}
    found = {
        option.name: o[option.name]
        for option in options.table()
        if option.tasks is not None
        and option.name not in (*_SECTION_OF, *FIELDS)
        and (option.name in own or o[option.name] not in (None, option.default, []))
    }
    return {name: (tuple(value) or None) if isinstance(value, list) else value for name, value in found.items()}


def _role(o: Mapping[str, Any]) -> roles.Role:
    return roles.resolve(
        o["role"],
        o["oracle"],
        o["worker_id"],
        os.environ,
        worker_timeout=o["worker_timeout"],
        chief_timeout=o["chief_timeout"],
    )


def _console(o: Mapping[str, Any]) -> str:
    if o["verbose"] and o["quiet"]:
        raise UsageError("--verbose and --quiet contradict each other: give one.")
    return "verbose" if o["verbose"] else "quiet" if o["quiet"] else "normal"


def _preset(o: Mapping[str, Any]) -> presets.Preset:
    """The preset of `--preset` (`--quick` is `--preset quick`), or an empty one."""
    name = o["preset"] or ("quick" if o["quick"] else None)
    if o["quick"] and name != "quick":
        raise UsageError(f"--quick is --preset quick: give one preset. Received: --quick and --preset {name}")
    if name is None:
        return presets.Preset("none", "", {})
    try:
        return presets.get(name)
    except ValueError as e:
        raise UsageError(str(e)) from None


def _given(o: Mapping[str, Any], name: str, preset: Mapping[str, Any]) -> Any:
    return preset[name] if o[name] is None else o[name]


def build_space(
    fixes: Iterable[str] | None = (),
    space_file: str | None = None,
    preset: Mapping[str, sp.Domain] | None = None,
    params: tuple[sp.Param, ...] = sp.TEXT_PARAMS,
    defaults: Mapping[str, sp.Domain] | None = None,
    tune: str | None = None,
) -> SearchSpace:
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


def edited_names(
    fixes: Iterable[str] | None = (),
    space_file: str | None = None,
    preset: Mapping[str, sp.Domain] | None = None,
    params: tuple[sp.Param, ...] = sp.TEXT_PARAMS,
    tune: str | None = None,
) -> frozenset[str]:
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


def _writable_directory(flag: str, path: str | os.PathLike[str]) -> None:
    """Refuses a directory that cannot be created or written, before anything is written."""
    path = pathlib.Path(path)
    existing = next(p for p in (path, *path.parents) if p.exists())  # "." or "/" at the latest
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(
            f"{flag} {str(path)!r} cannot be written: {str(existing)!r} is not a writable directory. "
            f"Choose another {flag} or fix its permissions."
        )
