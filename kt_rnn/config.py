"""The configuration of one search, validated before anything touches the disk.

Pure Python: no TensorFlow, Keras or KerasTuner import.
"""

import dataclasses
import os
import pathlib

from hypermodels import edits
from hypermodels import space as sp
from hypermodels.space import SearchSpace
from kt_rnn.cli import runfile
from kt_rnn.errors import UsageError

DATASETS = ("imdb",)
TUNERS = ("hyperband", "random", "bayesian", "grid")
OBJECTIVES = ("val_accuracy", "val_loss", "accuracy", "loss")
JIT_MODES = ("auto", "on", "off")

# Options whose default depends on --quick. `None` = no cap / the tuner's own choice.
DEFAULTS = {
    "max_trials": None, "max_epochs": 10, "factor": 3,
    "train_size": None, "test_size": None, "max_tokens": 20_000, "sequence_length": 200,
}
# A first run that finishes in a few minutes on a laptop CPU and still exercises
# every step: a few thousand reviews and one small Hyperband round.
QUICK = {
    "max_trials": None, "max_epochs": 3, "factor": 3,
    "train_size": 4_000, "test_size": 2_000, "max_tokens": 10_000, "sequence_length": 200,
}
# --quick also narrows the space to settings that learn within 3 epochs on a few
# thousand reviews; --space and --fix still apply on top.
QUICK_SPACE = {
    sp.CELL: sp.choice(("gru", "lstm"), "gru"),
    sp.NUM_LAYERS: sp.fixed(1),
    sp.HEAD: sp.fixed("max_pool"),
    sp.OPTIMIZER: sp.fixed("adam"),
    sp.LEARNING_RATE: sp.span(1e-3, 1e-2, sampling="log", default=3e-3),
    sp.L2: sp.fixed(0.0),
    sp.BATCH_SIZE: sp.choice((32, 64), 32),
}
# Trials run by the tuners that take --max-trials when it is not given.
DEFAULT_MAX_TRIALS = 10


@dataclasses.dataclass(frozen=True)
class Config:
    """Everything one search needs; see `python -m kt_rnn.search --help`."""

    dataset: str
    data: str | None = None
    tuner: str = "hyperband"
    max_trials: int | None = None
    max_epochs: int = DEFAULTS["max_epochs"]
    factor: int = DEFAULTS["factor"]
    executions_per_trial: int = 1
    objective: str = "val_accuracy"
    seed: int = 42
    logdir: str = "logs"
    project: str | None = None
    overwrite: bool = False
    export_only: bool = False
    refit: bool = True
    space: SearchSpace = SearchSpace()
    validation_split: float = 0.2
    train_size: int | None = None
    test_size: int | None = None
    max_tokens: int = DEFAULTS["max_tokens"]
    sequence_length: int = DEFAULTS["sequence_length"]
    patience: int = 3
    jit: str = "auto"
    verbose: int | str = "auto"
    max_failures: int = 3
    max_crashes: int = 3
    extend_budget: bool = False
    # The resolved command line ({dest: value}), saved as LOGDIR/PROJECT/config.toml (`runfile.save`).
    settings: dict = dataclasses.field(default_factory=dict, compare=False)

    def __post_init__(self):
        _one_of("dataset", self.dataset, DATASETS)
        _one_of("tuner", self.tuner, TUNERS)
        _one_of("objective", self.objective, OBJECTIVES)
        _one_of("jit", self.jit, JIT_MODES)
        for name in ("max_epochs", "executions_per_trial", "max_tokens", "sequence_length", "patience",
                     "max_failures", "max_crashes"):
            _at_least(name, getattr(self, name), 1)
        for name in ("max_trials", "train_size", "test_size"):
            if getattr(self, name) is not None:
                _at_least(name, getattr(self, name), 1)
        _at_least("factor", self.factor, 2)
        if not 0 < self.validation_split < 1:
            raise UsageError(f"--validation-split must be between 0 and 1. Received: {self.validation_split}")
        if self.max_tokens < 3:  # padding, out-of-vocabulary and at least one word
            raise UsageError(f"--max-tokens must be at least 3. Received: {self.max_tokens}")
        project = self.project or self.dataset
        if pathlib.PurePath(project).name != project or project in (".", ".."):
            raise UsageError(f"--project must be a plain directory name. Received: {project!r}")
        object.__setattr__(self, "project", project)
        _writable_directory("--logdir", self.logdir)

    @property
    def project_dir(self):
        return pathlib.Path(self.logdir) / self.project

    @property
    def tensorboard_dir(self):
        return self.project_dir / "tensorboard"

    @property
    def best_dir(self):
        return self.project_dir / "best"

    @property
    def trials(self):
        """The trial budget: --max-trials, or the tuner's default (Hyperband: its schedule)."""
        if self.max_trials is None and self.tuner != "hyperband":
            return DEFAULT_MAX_TRIALS
        return self.max_trials

    @property
    def jit_compile(self):
        return {"auto": "auto", "on": True, "off": False}[self.jit]

    @classmethod
    def from_args(cls, args):
        """Builds a `Config` from parsed `argparse` arguments; raises `UsageError`."""
        preset = QUICK if args.quick else DEFAULTS
        sized = {name: _given(args, name, preset) for name in DEFAULTS}
        return cls(
            dataset=args.dataset, data=args.data, tuner=args.tuner, settings=runfile.settings(args),
            executions_per_trial=args.executions_per_trial, objective=args.objective,
            seed=args.seed, logdir=args.logdir, project=args.project,
            overwrite=args.overwrite, export_only=args.export_only, refit=not args.no_refit,
            space=build_space(args.fix, args.space, QUICK_SPACE if args.quick else {}),
            validation_split=args.validation_split,
            patience=args.patience, jit=args.jit, max_failures=args.max_failures,
            max_crashes=args.max_crashes, extend_budget=args.extend_budget, **sized,
        )


def _given(args, name, preset):
    value = getattr(args, name)
    return preset[name] if value is None else value


def build_space(fixes=(), space_file=None, preset=None):
    """The default space with `preset`, then a --space file, then each --fix applied."""
    try:
        domains = dict(preset or {})
        domains.update(edits.load_space_file(space_file) if space_file else {})
        domains.update(edits.parse_fix(text) for text in fixes or ())
    except edits.SpaceError as e:
        raise UsageError(str(e)) from None
    return SearchSpace().with_domains(domains)


def _one_of(name, value, allowed):
    if value not in allowed:
        raise UsageError(f"Expected {name} to be one of {list(allowed)}. Received: {name}={value!r}")


def _at_least(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        flag = "--" + name.replace("_", "-")
        raise UsageError(f"{flag} must be an integer >= {minimum}. Received: {value!r}")


def _writable_directory(flag, path):
    """Refuses a directory that cannot be created or written, before anything is written."""
    path = pathlib.Path(path)
    existing = next(p for p in (path, *path.parents) if p.exists())  # "." or "/" at the latest
    if not existing.is_dir() or not os.access(existing, os.W_OK | os.X_OK):
        raise UsageError(
            f"{flag} {str(path)!r} cannot be written: {str(existing)!r} is not a writable directory. "
            f"Choose another {flag} or fix its permissions."
        )
