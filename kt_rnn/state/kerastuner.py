"""The one place kt_rnn reaches KerasTuner's private internals.

kt_rnn makes KerasTuner's state durable and its trials resumable by overriding
and calling methods that KerasTuner does not document (`Oracle._save_trial`,
`Tuner._build_and_fit_model`, Hyperband's bracket arithmetic, ...) and by
importing from `keras_tuner.src`. Any KerasTuner release may rename or change
them without notice. Every such name is reached through this module, and
`tests/state/test_kerastuner_contract.py` checks each of them against the
installed KerasTuner, so after an upgrade there is one module to read and one
test file that says what changed and which kt_rnn module is affected.

What is here:

- `TESTED`: the KerasTuner versions these internals were checked against;
  importing this module warns (`RuntimeWarning`) under any other version.
- Re-exports from `keras_tuner.src` (no other kt_rnn module imports it):
  `Trial`, `TrialStatus`, `SaveBestEpoch`, `convert_hyperparams_to_hparams`,
  `has_chief_oracle`, `is_chief_oracle`, and the classes owning the private
  names (`BaseTuner`, `Tuner`, `Oracle`, `HyperbandOracle`).
- Functions for the private attributes kt_rnn reads or calls: paths
  (`project_dir`, `oracle_file`, `trial_dir`, `tuner_file`,
  `build_config_file`), oracle bookkeeping (`retry_queue`,
  `set_retry_queue`, `run_times`, `record_values`, `set_project_dir`),
  Hyperband's schedule (`hyperband_brackets`, `hyperband_rounds`,
  `hyperband_size`, `hyperband_epochs`), trial ids of one width for every tuner
  (`padded_trial_ids`, `trial_id_width`), tuner helpers (`is_worker`,
  `try_build`, `show_trial_tracebacks`) and the distributed search's gRPC service (`oracle_servicer`,
  `service`, `set_client_timeout`, `synchronized`, `quiet_parent_to_proto`).
- `OVERRIDDEN` and `USED`: the private names kt_rnn overrides in its
  subclasses or calls, with the parameters it relies on; `DEPENDENTS`: the
  kt_rnn modules that rely on each name.
- The on-disk layout KerasTuner uses for its state (`ORACLE_FILE`,
  `TRIAL_FILE`, `TRIAL_DIR_PREFIX`, `TUNER_ID_ENV`, `DEFAULT_TUNER_ID`,
  `STATE_ID_LISTS`) and the Hyperband bookkeeping values (`HYPERBAND_VALUES`).
  `kt_rnn.report.trials` reads the same files without importing KerasTuner,
  so it spells these names itself; the contract tests guard them for it too.

Imports KerasTuner, hence Keras and TensorFlow.
"""

import contextlib
import pathlib
import types
import warnings
from collections.abc import Iterable, Iterator, MutableMapping
from typing import TYPE_CHECKING, Any

import keras_tuner
from keras_tuner.src import config as _kt_config
from keras_tuner.src.distribute import utils as _dist_utils
from keras_tuner.src.engine import base_tuner as _base_tuner
from keras_tuner.src.engine import conditions as _conditions
from keras_tuner.src.engine import oracle as _oracle
from keras_tuner.src.engine import trial as _trial
from keras_tuner.src.engine import tuner as _tuner
from keras_tuner.src.engine import tuner_utils as _tuner_utils

if TYPE_CHECKING:
    import keras

TESTED = ("1.4.8",)  # KerasTuner versions the contract tests passed on

# Classes owning the private names (public in KerasTuner except `BaseTuner`).
BaseTuner = _base_tuner.BaseTuner
Tuner = keras_tuner.Tuner
Oracle = keras_tuner.Oracle
HyperbandOracle = keras_tuner.oracles.HyperbandOracle

# Private helpers kt_rnn uses as they are.
Trial = _trial.Trial  # `Trial.from_state` rebuilds a trial from a checked read of trial.json
TrialStatus = _trial.TrialStatus
SaveBestEpoch = _tuner_utils.SaveBestEpoch  # the best-epoch checkpoint `Tuner.run_trial` adds
convert_hyperparams_to_hparams = _tuner_utils.convert_hyperparams_to_hparams
maybe_compute_model_size = _tuner.maybe_compute_model_size  # `Tuner._try_build`'s size check
has_chief_oracle = _dist_utils.has_chief_oracle
is_chief_oracle = _dist_utils.is_chief_oracle
Display = _oracle.Display  # what an oracle prints at each trial's start and end

# KerasTuner's state files, under `<directory>/<project_name>/`.
ORACLE_FILE = "oracle.json"
TRIAL_FILE = "trial.json"  # in each trial's directory
TRIAL_DIR_PREFIX = "trial_"  # a trial's directory is `trial_<trial id>`
TUNER_ID_ENV = "KERASTUNER_TUNER_ID"  # a tuner's state file is `<tuner id>.json`
DEFAULT_TUNER_ID = "tuner0"
STATE_ID_LISTS = ("start_order", "end_order", "retry_queue")  # trial-id lists in oracle.json
STATE_ONGOING = "ongoing_trials"  # tuner id -> trial id, in oracle.json
# Hyperband's bookkeeping entries in a trial's hyperparameter values.
HYPERBAND_VALUES = ("tuner/epochs", "tuner/initial_epoch", "tuner/bracket", "tuner/round", "tuner/trial_id")

# Private methods kt_rnn overrides: class -> {method -> the parameters the override receives}.
OVERRIDDEN = {
    "Tuner": {
        "_build_and_fit_model": ("trial", "*args", "**kwargs"),
        "_get_tensorboard_dir": ("logdir", "trial_id", "execution"),
    },
    "Oracle": {"_save_trial": ("trial",)},
    "SaveBestEpoch": {"_save_model": ()},
    "Display": {"on_trial_begin": ("trial",), "on_trial_end": ("trial",)},
}

# Private names kt_rnn calls or reads, and public attributes KerasTuner does not document (the oracle's
# bookkeeping): class -> {name -> the parameters it passes, or None for data}.
USED = {
    "BaseTuner": {"_get_tuner_fname": (), "_is_worker": ()},
    "Tuner": {"_build_hypermodel": ("hp",), "_get_build_config_fname": ("trial_id",), "max_model_size": None},
    "Oracle": {
        "_get_oracle_fname": (),
        "_get_trial_dir": ("trial_id",),
        "_record_values": ("trial",),
        "_set_project_dir": ("directory", "project_name"),
        "max_trials": None,  # public, but its `str` sets the trial ids' width (`padded_trial_ids`)
        "_project_dir": None,
        "_retry_queue": None,
        "_run_times": None,
        "_display": None,
        "ongoing_trials": None,
        "tuner_ids": None,
        "start_order": None,
        "end_order": None,
    },
    "HyperbandOracle": {
        "_get_num_brackets": (),
        "_get_num_rounds": ("bracket_num",),
        "_get_size": ("bracket_num", "round_num"),
        "_get_epochs": ("bracket_num", "round_num"),
    },
    "SaveBestEpoch": {"objective": None, "filepath": None, "best_value": None},
    "Display": {"show_hyperparameter_table": ("trial",), "get_state": (), "set_state": ("state",), "verbose": None},
}

CLASSES = {
    "BaseTuner": BaseTuner,
    "Tuner": Tuner,
    "Oracle": Oracle,
    "HyperbandOracle": HyperbandOracle,
    "SaveBestEpoch": SaveBestEpoch,
    "Display": Display,
}

_TUNERS = "kt_rnn.search.tuners"
_ORACLES = "kt_rnn.state.oracles"
_KINDS = "kt_rnn.search.kinds"
_SERVING = "kt_rnn.runtime.serving"
# Private name -> the kt_rnn modules relying on it, named by a failing contract test.
DEPENDENTS = {
    "_build_and_fit_model": (_TUNERS,),
    "_get_tensorboard_dir": (_TUNERS, "kt_rnn.search.dashboard"),
    "_save_trial": (_ORACLES,),
    "_save_model": ("kt_rnn.state.resume",),
    "_get_tuner_fname": (_TUNERS,),
    "_is_worker": ("kt_rnn.runtime.roles",),
    "_build_hypermodel": (_TUNERS,),
    "max_model_size": (_TUNERS,),
    "_get_build_config_fname": (_TUNERS,),
    "_get_oracle_fname": (_ORACLES,),
    "_get_trial_dir": (_ORACLES,),
    "_record_values": (_ORACLES,),
    "_set_project_dir": ("tests/state/test_oracles.py", "tests/search/test_progress.py"),
    "max_trials": (_ORACLES,),
    "config.DEBUG": (_TUNERS,),
    "_project_dir": (_ORACLES,),
    "_retry_queue": (_ORACLES,),
    "_run_times": (_ORACLES,),
    "_display": ("kt_rnn.search.console",),
    "ongoing_trials": (_ORACLES, _SERVING),
    "tuner_ids": (_ORACLES, _SERVING),
    "start_order": (_ORACLES, "kt_rnn.report.trials"),
    "end_order": (_ORACLES, _TUNERS),
    "Display": ("kt_rnn.search.console",),
    "on_trial_begin": ("kt_rnn.search.console",),
    "on_trial_end": ("kt_rnn.search.console",),
    "show_hyperparameter_table": ("kt_rnn.search.console",),
    "get_state": ("kt_rnn.state.kerastuner.set_display",),
    "set_state": ("kt_rnn.state.kerastuner.set_display",),
    "verbose": ("kt_rnn.state.kerastuner.set_display",),
    "_get_num_brackets": (_KINDS,),
    "_get_num_rounds": (_KINDS,),
    "_get_size": (_KINDS,),
    "_get_epochs": (_KINDS,),
    "objective": ("kt_rnn.state.resume",),
    "filepath": ("kt_rnn.state.resume",),
    "best_value": ("kt_rnn.state.resume",),
    "SaveBestEpoch": ("kt_rnn.state.resume", _TUNERS),
    "Trial": (_ORACLES,),
    "TrialStatus": (_ORACLES, "kt_rnn.search.export"),
    "convert_hyperparams_to_hparams": ("kt_rnn.search.dashboard",),
    "has_chief_oracle": ("kt_rnn.runtime.roles",),  # KerasTuner's rule: an id with "chief" is the chief
    "is_chief_oracle": ("kt_rnn.runtime.roles",),
    "ORACLE_FILE": (_TUNERS, "kt_rnn.search.pipeline", "kt_rnn.report.trials"),
    "TRIAL_FILE": (_ORACLES, "kt_rnn.report.trials"),
    "TRIAL_DIR_PREFIX": (_ORACLES, "kt_rnn.report.trials"),
    "TUNER_ID_ENV": (_TUNERS,),
    "DEFAULT_TUNER_ID": (_TUNERS, _ORACLES),
    "STATE_ID_LISTS": (_ORACLES,),
    "STATE_ONGOING": (_ORACLES,),
    "HYPERBAND_VALUES": ("kt_rnn.search.progress", "kt_rnn.search.export", "kt_rnn.report.trials"),
    "OracleServicer": (_SERVING,),
    "oracle": (_SERVING,),
    "stop_triggered": (_SERVING,),
    "service": (_SERVING, "kt_rnn.runtime.heartbeat"),
    "TIMEOUT": ("kt_rnn.runtime.heartbeat",),
    "stub": ("kt_rnn.runtime.heartbeat",),
    "gpr": (_ORACLES,),
    "synchronized": (_ORACLES,),
    "to_proto": ("kt_rnn.state.kerastuner.quiet_parent_to_proto",),
}


def version_warning(version: str) -> str | None:
    """The warning for KerasTuner `version`, or `None` when it is in `TESTED`."""
    if version in TESTED:
        return None
    return (
        f"KerasTuner {version} is installed, but kt_rnn was tested with KerasTuner "
        f"{', '.join(TESTED)}. kt_rnn relies on private KerasTuner internals, all listed in "
        f"{__name__}; run tests/state/test_kerastuner_contract.py to see which of them changed."
    )


def check_version(version: str) -> None:
    """Warns (`RuntimeWarning`) when KerasTuner `version` is not one in `TESTED`.

    A warning, not an error: the package pins KerasTuner, so an untested
    version means someone chose it, and it may well still work.
    """
    message = version_warning(version)
    if message:
        warnings.warn(message, RuntimeWarning, stacklevel=2)


# Paths. KerasTuner creates each directory when asked for it (so do these).
def project_dir(oracle: keras_tuner.Oracle) -> pathlib.Path:
    """`oracle`'s project directory, `<directory>/<project_name>`, as a `pathlib.Path`."""
    return pathlib.Path(oracle._project_dir)


def oracle_file(oracle: keras_tuner.Oracle) -> pathlib.Path:
    """The path of `oracle`'s own state file (`<project>/oracle.json`)."""
    return pathlib.Path(oracle._get_oracle_fname())


def trial_dir(oracle: keras_tuner.Oracle, trial_id: str) -> pathlib.Path:
    """The directory of trial `trial_id`, `<project>/trial_<id>`, as the oracle writes it."""
    return pathlib.Path(oracle._get_trial_dir(trial_id))


def tuner_file(tuner: _base_tuner.BaseTuner) -> pathlib.Path:
    """The path of `tuner`'s state file (`<project>/<tuner id>.json`); its existence makes KerasTuner reload."""
    return pathlib.Path(tuner._get_tuner_fname())


def build_config_file(tuner: keras_tuner.Tuner, trial_id: str) -> pathlib.Path:
    """Where a trial's model build config goes; Hyperband reads it to continue the trial."""
    return pathlib.Path(tuner._get_build_config_fname(trial_id))


def set_project_dir(oracle: keras_tuner.Oracle, directory: str | pathlib.Path, project_name: str) -> None:
    """Points `oracle` at `<directory>/<project_name>`, as a tuner does when it is created."""
    oracle._set_project_dir(str(directory), project_name)


# Oracle bookkeeping.
def retry_queue(oracle: keras_tuner.Oracle) -> list[str]:
    """The ids of trials waiting to run again; the live list `create_trial` pops from."""
    return oracle._retry_queue


def set_retry_queue(oracle: keras_tuner.Oracle, trial_ids: Iterable[str]) -> None:
    """Replaces `oracle`'s retry queue with a list of `trial_ids`."""
    oracle._retry_queue = list(trial_ids)


def run_times(oracle: keras_tuner.Oracle) -> MutableMapping[str, int]:
    """Trial id -> runs ended; the live mapping, which counts an unseen id as 0."""
    return oracle._run_times


def record_values(oracle: keras_tuner.Oracle, trial: _trial.Trial) -> None:
    """Records `trial`'s values as tried, so the oracle does not propose them again."""
    oracle._record_values(trial)


# Trial ids: KerasTuner's `Oracle.create_trial` numbers them `len(self.trials)` padded to
# `len(str(self.max_trials))` digits: "0" for 2 random trials, "02" for 10, "0000" for Hyperband
# (no max_trials: "None"). kt_rnn names them alike for every tuner.
TRIAL_ID_WIDTH = 4


class _Padded(int):
    """`max_trials` whose `str` is `width` characters: KerasTuner pads trial ids to that length."""

    width: int

    def __new__(cls, value: int, width: int) -> "_Padded":
        padded = super().__new__(cls, value)
        padded.width = width
        return padded

    def __str__(self) -> str:
        return str(int(self)).zfill(self.width)


def trial_id_width(oracle: keras_tuner.Oracle) -> int:
    """The digits of `oracle`'s trial ids: those of its first trial (a search begun by an earlier release
    keeps its own), else `TRIAL_ID_WIDTH`."""
    first = next(iter(oracle.trials), None)
    return len(first) if first is not None and first.isdigit() else TRIAL_ID_WIDTH


@contextlib.contextmanager
def padded_trial_ids(oracle: keras_tuner.Oracle) -> Iterator[None]:
    """While it runs, `oracle.create_trial` numbers a new trial with `trial_id_width` digits."""
    max_trials = oracle.max_trials
    if max_trials is not None:  # None pads to len("None"): 4 already
        oracle.max_trials = _Padded(max_trials, trial_id_width(oracle))
    try:
        yield
    finally:
        oracle.max_trials = max_trials


# Hyperband's schedule: brackets of rounds of trials, each round training longer.
def hyperband_brackets(oracle: keras_tuner.oracles.HyperbandOracle) -> int:
    """How many brackets one Hyperband iteration has."""
    return oracle._get_num_brackets()


def hyperband_rounds(oracle: keras_tuner.oracles.HyperbandOracle, bracket: int) -> int:
    """How many rounds bracket `bracket` has."""
    return oracle._get_num_rounds(bracket)


def hyperband_size(oracle: keras_tuner.oracles.HyperbandOracle, bracket: int, round_num: int) -> int:
    """How many trials round `round_num` of bracket `bracket` runs."""
    return oracle._get_size(bracket, round_num)


def hyperband_epochs(oracle: keras_tuner.oracles.HyperbandOracle, bracket: int, round_num: int) -> int:
    """The epoch a trial of round `round_num` of bracket `bracket` trains up to."""
    return oracle._get_epochs(bracket, round_num)


# Tuner helpers.
def show_trial_tracebacks(show: bool) -> None:
    """Whether a failed trial prints its whole traceback (KerasTuner's `config.DEBUG`, on by default).

    kt_rnn prints a failed trial's one-line reason and keeps the traceback for `--verbose`.
    """
    _kt_config.DEBUG = show


def set_display(oracle: keras_tuner.Oracle, display: _oracle.Display) -> None:
    """Makes `display` (a `Display`) print `oracle`'s trial starts and ends, keeping the old one's state."""
    display.set_state(oracle._display.get_state())
    display.verbose = oracle._display.verbose
    oracle._display = display


def is_worker(tuner: _base_tuner.BaseTuner) -> bool:
    """True when `tuner` is a worker of a distributed search (its oracle is the chief's)."""
    return tuner._is_worker()


# Distributed search: KerasTuner's gRPC oracle service, served by the chief and called by workers.
synchronized = keras_tuner.synchronized  # one oracle call at a time across the chief's gRPC threads


def oracle_servicer() -> type:
    """KerasTuner's `OracleServicer` class: the chief's gRPC handlers, calling the oracle it wraps."""
    from keras_tuner.src.distribute import oracle_chief

    return oracle_chief.OracleServicer


def service() -> tuple[types.ModuleType, types.ModuleType]:
    """`(messages, grpc)`: KerasTuner's oracle service's request/response classes (`GetTrialRequest`,
    ...) and its gRPC module (`OracleStub`, `add_OracleServicer_to_server`)."""
    from keras_tuner.src import protos

    return protos.get_service(), protos.get_service_grpc()


def _parent_to_proto(self: Any) -> Any:
    """`conditions.Parent.to_proto` without its stray `print(self.values[0])` (KerasTuner 1.4.8), which
    printed a conditional hyperparameter's parent values at every trial sent between chief and workers."""
    from keras_tuner.src import protos

    kind = next(k for t, k in _PROTO_VALUE_KINDS if isinstance(self.values[0], t))
    values = [protos.get_proto().Value(**{kind: v}) for v in self.values]
    return protos.get_proto().Condition(parent=protos.get_proto().Condition.Parent(name=self.name, values=values))


_PROTO_VALUE_KINDS = ((str, "string_value"), (bool, "boolean_value"), (int, "int_value"), (object, "float_value"))
_PARENT_TO_PROTO = _conditions.Parent.to_proto  # KerasTuner's own, for the contract test


def quiet_parent_to_proto() -> None:
    """Installs `_parent_to_proto` on KerasTuner's `Parent` condition (distributed searches only use it)."""
    _conditions.Parent.to_proto = _parent_to_proto


def set_client_timeout(seconds: float) -> None:
    """How long a worker's calls to the chief wait for an answer (KerasTuner: an hour, then a gRPC error)."""
    from keras_tuner.src.distribute import oracle_client

    oracle_client.TIMEOUT = seconds


def gaussian_process(oracle: keras_tuner.Oracle) -> Any:
    """A Bayesian oracle's Gaussian process regressor, fitted as it chooses each trial after its
    random ones (None for other oracles)."""
    return getattr(oracle, "gpr", None)


def set_client_channel(client: Any, channel: Any) -> None:
    """Makes a worker's `OracleClient` call the chief through `channel` (KerasTuner opens its own, plain one)."""
    client.stub = service()[1].OracleStub(channel)


def try_build(tuner: keras_tuner.Tuner, hp: keras_tuner.HyperParameters) -> "keras.Model":
    """Builds `tuner`'s model for `hp` as `Tuner._try_build` does (a fresh Keras session, the compile
    overrides, the model check), with one garbage collection where KerasTuner makes two.

    `keras.backend.clear_session()` collects already; `_try_build` then calls `gc.collect()` again, a
    second full collection whose cost grows with what the process holds: 0.2-0.3 s a trial, a tenth of
    a tiny search's time (`bench/overhead.py`, BENCHMARKS.md), for nothing left to free.
    """
    import keras

    keras.backend.clear_session()  # collects the previous trial's model (free_memory=True)
    model = tuner._build_hypermodel(hp)
    if not isinstance(model, keras.Model):
        raise keras_tuner.errors.FatalTypeError(
            "Expected the model-building function, or HyperModel.build() to return a valid Keras Model "
            f"instance. Received: {model} of type {type(model)}."
        )
    size = maybe_compute_model_size(model)
    if tuner.max_model_size and size > tuner.max_model_size:
        raise keras_tuner.errors.FailedTrialError(f"Oversized model: {size} parameters. Skip model.")
    return model


check_version(keras_tuner.__version__)
