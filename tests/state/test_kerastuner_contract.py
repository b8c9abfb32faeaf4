"""Contract tests: the private KerasTuner internals kt_rnn relies on, against the installed KerasTuner.

Each private name kt_rnn overrides or calls (`kt_rnn.state.kerastuner`) must
still exist with the parameters kt_rnn passes or receives, and behave as kt_rnn
expects. A failure names the private name that changed and the kt_rnn modules
that depend on it.
"""

import importlib
import inspect
import json
import warnings

import keras
import keras_tuner
import numpy as np
import pytest
from tensorboard.plugins.hparams import api as hparams_api

from kt_rnn.state import kerastuner as kt

DISTRIBUTED_ENV = ("KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT", kt.TUNER_ID_ENV)
_PREFIX = {inspect.Parameter.VAR_POSITIONAL: "*", inspect.Parameter.VAR_KEYWORD: "**"}


def _changed(name, what):
    """A failure message: what changed in KerasTuner, and which kt_rnn modules to fix."""
    users = ", ".join(kt.DEPENDENTS[name])
    return (
        f"KerasTuner {keras_tuner.__version__}: private `{name}` {what}. "
        f"Relied on by {users} (reached through kt_rnn/state/kerastuner.py)."
    )


def _params(method):
    """A method's parameters after `self`, with `*`/`**` marking variadic ones."""
    params = list(inspect.signature(method).parameters.values())[1:]
    return tuple(_PREFIX.get(p.kind, "") + p.name for p in params)


def _members(table, data):
    return [
        (owner, name, params)
        for owner, names in table.items()
        for name, params in names.items()
        if (params is None) == data
    ]


def _id(case):
    return f"{case[0]}.{case[1]}"


def _oracle(tmp_path, cls=keras_tuner.oracles.RandomSearchOracle, **kwargs):
    """A KerasTuner oracle (a random search of 5 trials unless told) over one integer, under `tmp_path/tuner`."""
    if cls is not keras_tuner.oracles.HyperbandOracle:
        kwargs.setdefault("max_trials", 5)
    oracle = cls(objective=keras_tuner.Objective("val_loss", "min"), seed=1, **kwargs)
    kt.set_project_dir(oracle, tmp_path, "tuner")
    hp = keras_tuner.HyperParameters()
    hp.Int("units", 1, 100)
    oracle.update_space(hp)
    return oracle


def _build(hp):
    model = keras.Sequential([keras.layers.Dense(hp.Int("units", 1, 2)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    return model


def _tuner(tmp_path, cls=keras_tuner.Tuner, **kwargs):
    oracle = keras_tuner.oracles.RandomSearchOracle(objective="loss", max_trials=1, seed=1)
    return cls(oracle, _build, directory=str(tmp_path), project_name="tuner", **kwargs)


def _no_distribution(monkeypatch):
    for name in DISTRIBUTED_ENV:
        monkeypatch.delenv(name, raising=False)


def _instance(owner, tmp_path):
    if owner == "Oracle":
        return _oracle(tmp_path)
    if owner == "Display":
        return kt.Display(_oracle(tmp_path))
    if owner == "Tuner":
        return _tuner(tmp_path)
    return kt.SaveBestEpoch(keras_tuner.Objective("val_loss", "min"), str(tmp_path / "checkpoint.weights.h5"))


# Names and signatures.


@pytest.mark.parametrize("case", _members(kt.OVERRIDDEN, data=False), ids=_id)
def test_overridden_method_exists_with_the_parameters_kt_rnn_receives(case):
    owner, name, params = case
    method = getattr(kt.CLASSES[owner], name, None)
    assert callable(method), _changed(name, f"is no longer a method of {owner}, so kt_rnn's override is dead code")
    assert _params(method) == params, _changed(name, f"takes {_params(method)} now, kt_rnn's override takes {params}")


@pytest.mark.parametrize("case", _members(kt.USED, data=False), ids=_id)
def test_called_method_exists_with_the_parameters_kt_rnn_passes(case):
    owner, name, params = case
    method = getattr(kt.CLASSES[owner], name, None)
    assert callable(method), _changed(name, f"is no longer a method of {owner}")
    assert _params(method) == params, _changed(name, f"takes {_params(method)} now, kt_rnn passes {params}")


@pytest.mark.parametrize("case", _members(kt.USED, data=True), ids=_id)
def test_read_attribute_exists_on_a_fresh_instance(case, tmp_path):
    owner, name, _ = case
    instance = _instance(owner, tmp_path)
    assert hasattr(instance, name), _changed(name, f"is no longer set on a new {owner}")
    assert not callable(getattr(instance, name)), _changed(name, f"is a method of {owner} now, not data")


@pytest.mark.parametrize(
    "name",
    [
        "Trial",
        "TrialStatus",
        "SaveBestEpoch",
        "convert_hyperparams_to_hparams",
        "has_chief_oracle",
        "is_chief_oracle",
        "Display",
    ],
)
def test_reexported_helper_is_callable(name):
    assert callable(getattr(kt, name)), _changed(name, "is no longer a class or function in keras_tuner.src")


# The version check.


def test_version_check_warns_once_under_an_untested_kerastuner(monkeypatch):
    monkeypatch.setattr(keras_tuner, "__version__", "9.9.9")
    try:
        with pytest.warns(RuntimeWarning) as caught:
            importlib.reload(kt)
    finally:
        monkeypatch.undo()
        importlib.reload(kt)  # leave the module as the other tests expect it
    (message,) = [str(w.message) for w in caught if w.category is RuntimeWarning]
    assert "KerasTuner 9.9.9" in message and "1.4.8" in message
    assert "private KerasTuner internals" in message and "kt_rnn.state.kerastuner" in message


def test_version_check_is_silent_under_the_installed_tested_kerastuner():
    assert keras_tuner.__version__ in kt.TESTED, (
        f"KerasTuner {keras_tuner.__version__} is not in kt_rnn.state.kerastuner.TESTED: "
        "when every other test here passes, add it there."
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        importlib.reload(kt)


# Paths and the state file layout.


def test_set_project_dir_points_the_oracle_at_directory_and_project(tmp_path):
    oracle = _oracle(tmp_path / "logs")
    assert kt.project_dir(oracle) == tmp_path / "logs" / "tuner", _changed("_set_project_dir", "moved the project")
    assert kt.project_dir(oracle).is_dir(), _changed("_project_dir", "no longer creates the project directory")


def test_oracle_file_is_oracle_json_in_the_project(tmp_path):
    oracle = _oracle(tmp_path)
    assert kt.oracle_file(oracle) == tmp_path / "tuner" / kt.ORACLE_FILE, _changed(
        "_get_oracle_fname", f"returns {kt.oracle_file(oracle)}"
    )


def test_trial_dir_is_trial_id_in_the_project_and_holds_trial_json(tmp_path):
    oracle = _oracle(tmp_path)
    folder = kt.trial_dir(oracle, "07")
    assert folder == tmp_path / "tuner" / f"{kt.TRIAL_DIR_PREFIX}07", _changed("_get_trial_dir", f"returns {folder}")
    trial = oracle.create_trial("tuner0")
    path = kt.trial_dir(oracle, trial.trial_id) / kt.TRIAL_FILE  # written by KerasTuner's own `_save_trial`
    assert path.exists(), _changed("TRIAL_FILE", f"is not where KerasTuner wrote trial {trial.trial_id}")
    rebuilt = kt.Trial.from_state(json.loads(path.read_text()))
    assert rebuilt.hyperparameters.values == trial.hyperparameters.values, _changed(
        "Trial", "no longer rebuilds a trial from its trial.json state"
    )


def test_tuner_file_is_tuner_id_json_in_the_project(tmp_path, monkeypatch):
    _no_distribution(monkeypatch)
    tuner = _tuner(tmp_path / "default")
    assert tuner.tuner_id == kt.DEFAULT_TUNER_ID, _changed("DEFAULT_TUNER_ID", f"is {tuner.tuner_id!r}")
    assert kt.tuner_file(tuner) == tmp_path / "default" / "tuner" / "tuner0.json", _changed(
        "_get_tuner_fname", f"returns {kt.tuner_file(tuner)}"
    )
    monkeypatch.setenv(kt.TUNER_ID_ENV, "tuner7")
    named = _tuner(tmp_path / "named")
    assert kt.tuner_file(named).name == "tuner7.json", _changed("TUNER_ID_ENV", "no longer names the tuner")


class _CountingReload(keras_tuner.Tuner):
    reloads = 0

    def reload(self):
        type(self).reloads += 1


def test_tuner_reloads_only_when_its_tuner_file_exists(tmp_path, monkeypatch):
    _no_distribution(monkeypatch)
    first = _tuner(tmp_path, _CountingReload)
    assert _CountingReload.reloads == 0
    kt.tuner_file(first).write_text("{}")  # what kt_rnn.search.tuners writes to resume after a kill
    _tuner(tmp_path, _CountingReload)
    assert _CountingReload.reloads == 1, _changed("_get_tuner_fname", "is no longer the file that triggers a reload")


def test_build_config_file_is_what_hyperband_reads_to_continue_a_trial(tmp_path, monkeypatch):
    _no_distribution(monkeypatch)
    tuner = keras_tuner.Hyperband(_build, objective="loss", max_epochs=3, directory=str(tmp_path), project_name="tuner")
    hp = keras_tuner.HyperParameters()
    parent = _build(hp)
    parent.build((None, 4))
    path = kt.build_config_file(tuner, "00")
    assert path == tmp_path / "tuner" / "trial_00" / "build_config.json", _changed(
        "_get_build_config_fname", f"returns {path}"
    )
    path.write_text(json.dumps(parent.get_build_config()))  # as kt_rnn.search.tuners writes it
    parent.save_weights(tuner._get_checkpoint_fname("00"))  # where the trial's SaveBestEpoch writes
    hp.values["tuner/trial_id"] = "00"
    child = tuner._build_hypermodel(hp)  # Hyperband's continuation of trial 00
    for got, want in zip(child.get_weights(), parent.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)


# Oracle bookkeeping.


def test_oracle_state_holds_the_trial_id_lists_kt_rnn_filters(tmp_path):
    oracle = _oracle(tmp_path)
    trial = oracle.create_trial("tuner0")
    state = oracle.get_state()
    for key in (*kt.STATE_ID_LISTS, kt.STATE_ONGOING):
        assert key in state, _changed("STATE_ID_LISTS", f"oracle state has no {key!r} key")
    assert state[kt.STATE_ONGOING] == {"tuner0": trial.trial_id}
    state.update(retry_queue=[trial.trial_id], ongoing_trials={})
    oracle.set_state(state)
    assert kt.retry_queue(oracle) == [trial.trial_id], _changed("_retry_queue", "is not restored from 'retry_queue'")


def test_oracle_bookkeeping_records_each_tuners_trial_and_the_start_and_end_order(tmp_path):
    oracle = _oracle(tmp_path)
    first = oracle.create_trial("tuner0")
    second = oracle.create_trial("tuner1")
    assert oracle.tuner_ids == {"tuner0", "tuner1"}, _changed("tuner_ids", "no longer holds the tuners that asked")
    assert oracle.ongoing_trials == {"tuner0": first, "tuner1": second}, _changed(
        "ongoing_trials", "no longer maps a tuner id to its running Trial"
    )
    assert oracle.start_order == [first.trial_id, second.trial_id], _changed("start_order", "is not in start order")
    oracle.update_trial(second.trial_id, {"val_loss": 1.0})
    oracle.end_trial(second)
    assert oracle.end_order == [second.trial_id], _changed("end_order", "is not in end order")
    assert "tuner1" not in oracle.ongoing_trials, _changed("ongoing_trials", "keeps a trial that ended")


@pytest.mark.parametrize("max_trials", [2, 10, 12345])
def test_create_trial_pads_trial_ids_to_the_length_of_str_max_trials(tmp_path, max_trials):
    oracle = _oracle(tmp_path, max_trials=max_trials)
    with kt.padded_trial_ids(oracle):
        first = oracle.create_trial("tuner0").trial_id
    assert first == "0" * max(kt.TRIAL_ID_WIDTH, len(str(max_trials))), _changed(
        "max_trials", f"no longer sets the trial ids' width (got {first!r})"
    )
    assert oracle.max_trials == max_trials and type(oracle.max_trials) is int  # put back as it was
    oracle.end_trial(oracle.trials[first])
    assert oracle.create_trial("tuner0").trial_id == str(1).zfill(len(str(max_trials)))  # KerasTuner's own


def test_trial_id_width_keeps_a_searchs_own_width(tmp_path):
    oracle = _oracle(tmp_path, max_trials=10)
    assert kt.trial_id_width(oracle) == kt.TRIAL_ID_WIDTH
    oracle.create_trial("tuner0")  # unpadded: a search begun by an earlier release, "00"
    assert kt.trial_id_width(oracle) == 2


def test_retry_queue_is_what_create_trial_runs_first(tmp_path):
    oracle = _oracle(tmp_path)
    trial = oracle.create_trial("tuner0")
    oracle.ongoing_trials = {}  # as kt_rnn's reload leaves it
    kt.set_retry_queue(oracle, [trial.trial_id])
    again = oracle.create_trial("tuner1")
    assert again.trial_id == trial.trial_id, _changed("_retry_queue", "no longer decides which trial runs next")
    assert again.status == kt.TrialStatus.RUNNING and kt.retry_queue(oracle) == []


def test_run_times_counts_an_unseen_trial_from_zero(tmp_path):
    oracle = _oracle(tmp_path)
    kt.run_times(oracle)["new"] += 1
    oracle.set_state(oracle.get_state())
    kt.run_times(oracle)["other"] += 1
    assert dict(kt.run_times(oracle)) == {"new": 1, "other": 1}, _changed("_run_times", "is not a count by trial id")


def test_record_values_keeps_the_oracle_from_proposing_them_again(tmp_path):
    oracle = _oracle(tmp_path)
    first = oracle.create_trial("tuner0")
    values = dict(first.hyperparameters.values)
    oracle._tried_so_far.clear()  # forget, then record again as kt_rnn's reconcile does
    kt.record_values(oracle, first)
    assert oracle._duplicate(values), _changed("_record_values", "no longer marks the values as tried")


class _CountingSaves(keras_tuner.oracles.RandomSearchOracle):
    def _save_trial(self, trial):
        self.saved = getattr(self, "saved", 0) + 1


def test_every_trial_file_write_goes_through_save_trial(tmp_path):
    oracle = _oracle(tmp_path, _CountingSaves)
    counts = []
    trial = oracle.create_trial("tuner0")
    counts.append(oracle.saved)
    oracle.update_trial(trial.trial_id, {"val_loss": 0.5})
    counts.append(oracle.saved)
    trial.status = kt.TrialStatus.COMPLETED
    oracle.end_trial(trial)
    counts.append(oracle.saved)
    assert counts[0] >= 1 and counts[1] > counts[0] and counts[2] > counts[1], _changed(
        "_save_trial", f"is not called at each step of a trial (calls: {counts})"
    )
    assert not list(kt.project_dir(oracle).glob(f"*/{kt.TRIAL_FILE}")), _changed(
        "_save_trial", "is bypassed: KerasTuner wrote a trial file itself"
    )


def test_trial_status_values_are_the_strings_kt_rnn_compares():
    expected = {"RUNNING": "RUNNING", "IDLE": "IDLE", "COMPLETED": "COMPLETED", "FAILED": "FAILED"}
    got = {name: getattr(kt.TrialStatus, name, None) for name in expected}
    assert got == expected, _changed("TrialStatus", f"has {got}")


# Hyperband's schedule.


def test_hyperband_schedule_for_9_epochs_and_factor_3():
    oracle = keras_tuner.oracles.HyperbandOracle(objective="val_loss", max_epochs=9, factor=3)
    assert kt.hyperband_brackets(oracle) == 3, _changed("_get_num_brackets", "counts other brackets")
    assert [kt.hyperband_rounds(oracle, b) for b in range(3)] == [1, 2, 3], _changed(
        "_get_num_rounds", "counts other rounds"
    )
    sizes = [[kt.hyperband_size(oracle, b, r) for r in range(b + 1)] for b in range(3)]
    assert sizes == [[3], [5, 2], [9, 3, 1]], _changed("_get_size", f"gives {sizes}")
    epochs = [[kt.hyperband_epochs(oracle, b, r) for r in range(b + 1)] for b in range(3)]
    assert epochs == [[9], [3, 9], [1, 3, 9]], _changed("_get_epochs", f"gives {epochs}")


def test_hyperband_runs_its_most_aggressive_bracket_first(tmp_path):
    oracle = _oracle(tmp_path, keras_tuner.oracles.HyperbandOracle, max_epochs=9, factor=3)
    first_round = kt.hyperband_size(oracle, 2, 0)
    trials = [oracle.create_trial(f"tuner{i}") for i in range(first_round + 1)]
    values = [{k: t.hyperparameters.values.get(k) for k in kt.HYPERBAND_VALUES[:4]} for t in trials]
    expected = [
        {
            "tuner/epochs": kt.hyperband_epochs(oracle, b, 0),
            "tuner/initial_epoch": 0,
            "tuner/bracket": b,
            "tuner/round": 0,
        }
        for b in [2] * first_round + [1]
    ]
    assert values == expected, _changed("HYPERBAND_VALUES", f"or the bracket order changed: trials got {values}")


# Tuner internals.


class _CountingTuner(keras_tuner.Tuner):
    def _build_and_fit_model(self, trial, *args, **kwargs):
        self.calls = getattr(self, "calls", []) + [(trial.trial_id, args, kwargs["callbacks"])]
        return super()._build_and_fit_model(trial, *args, **kwargs)


def test_run_trial_calls_build_and_fit_model_once_per_execution(tmp_path, monkeypatch):
    _no_distribution(monkeypatch)
    tuner = _tuner(tmp_path, _CountingTuner, executions_per_trial=2)
    x = np.random.default_rng(0).normal(size=(8, 4)).astype("float32")
    tuner.search(x, x[:, :1], epochs=1, verbose=0)
    ids = [trial_id for trial_id, _, _ in getattr(tuner, "calls", [])]
    assert ids == ["0", "0"], _changed("_build_and_fit_model", f"was called for trials {ids}, not once per execution")
    checkpoints = [[c for c in callbacks if isinstance(c, kt.SaveBestEpoch)] for _, _, callbacks in tuner.calls]
    assert all(len(found) == 1 for found in checkpoints), _changed(
        "SaveBestEpoch", "is not passed exactly once in each execution's callbacks"
    )
    assert checkpoints[0][0] is checkpoints[1][0], _changed("SaveBestEpoch", "is no longer shared across executions")
    assert checkpoints[0][0].filepath == tuner._get_checkpoint_fname("0")
    assert all(args[0] is x for _, args, _ in tuner.calls), _changed("_build_and_fit_model", "lost search's args")
    assert tuner.oracle.get_trial("0").status == kt.TrialStatus.COMPLETED


def test_tensorboard_callback_found_by_class_name_is_pointed_at_get_tensorboard_dir(tmp_path, monkeypatch):
    _no_distribution(monkeypatch)

    class TensorBoard(keras.callbacks.Callback):  # kt_rnn's is no keras.callbacks.TensorBoard: only the name
        def __init__(self):
            super().__init__()
            self.log_dir, self.seen = str(tmp_path / "tb"), []

        def on_train_begin(self, logs=None):
            self.seen.append(self.log_dir)

    class Runs(keras_tuner.Tuner):
        def _get_tensorboard_dir(self, logdir, trial_id, execution):
            return f"{logdir}/run-{trial_id}-{execution}"

    tuner = _tuner(tmp_path, Runs, executions_per_trial=2)
    callback = TensorBoard()
    x = np.zeros((4, 4), "float32")
    seen = []
    monkeypatch.setattr(TensorBoard, "on_train_end", lambda self, logs=None: seen.extend(self.seen))
    tuner.search(x, x[:, :1], epochs=1, verbose=0, callbacks=[callback])
    assert seen == [f"{tmp_path}/tb/run-0-0", f"{tmp_path}/tb/run-0-1"], _changed(
        "_get_tensorboard_dir", f"no longer names the run of a callback called TensorBoard (it logged to {seen})"
    )


@pytest.mark.parametrize("show", [False, True])
def test_show_trial_tracebacks_is_what_decides_whether_a_failed_trial_prints_its_traceback(
    tmp_path, monkeypatch, capsys, show
):
    _no_distribution(monkeypatch)

    class Failing(keras_tuner.Tuner):
        def run_trial(self, trial, *args, **kwargs):
            raise keras_tuner.errors.FailedTrialError("no model today")

    oracle = keras_tuner.oracles.RandomSearchOracle(
        objective="loss", max_trials=1, seed=1, max_retries_per_trial=0, max_consecutive_failed_trials=2
    )
    tuner = Failing(oracle, _build, directory=str(tmp_path), project_name="tuner")
    kt.show_trial_tracebacks(show)
    try:
        tuner.search(np.zeros((4, 4), "float32"), np.zeros((4, 1)), epochs=1, verbose=0)
    finally:
        kt.show_trial_tracebacks(True)  # KerasTuner's default, for the tests after
    printed = capsys.readouterr()
    assert ("Traceback" in printed.out + printed.err) is show, _changed(
        "config.DEBUG", "no longer decides whether a failed trial's traceback is printed"
    )


def test_try_build_returns_the_hypermodels_model_and_rejects_anything_else(tmp_path, monkeypatch):
    _no_distribution(monkeypatch)
    tuner = _tuner(tmp_path)
    hp = keras_tuner.HyperParameters()
    assert isinstance(kt.try_build(tuner, hp), keras.Model), _changed(
        "_build_hypermodel", "no longer returns the model"
    )
    tuner.hypermodel.build = lambda hp: keras.Sequential([keras.Input((3,)), keras.layers.Dense(4)])  # 16 weights
    tuner.max_model_size = 15
    with pytest.raises(keras_tuner.errors.FailedTrialError, match="Oversized model: 16 parameters"):
        kt.try_build(tuner, hp)
    tuner.hypermodel.build = lambda hp: "not a model"
    with pytest.raises(keras_tuner.errors.FatalError):  # kt_rnn re-raises fatal errors: a bad hypermodel
        kt.try_build(tuner, hp)


def test_try_build_collects_garbage_once_a_trial(tmp_path, monkeypatch):
    import gc

    _no_distribution(monkeypatch)
    tuner, calls = _tuner(tmp_path), []
    monkeypatch.setattr(gc, "collect", lambda *args: calls.append(args) or 0)
    kt.try_build(tuner, keras_tuner.HyperParameters())
    assert len(calls) == 1  # clear_session's; KerasTuner's _try_build adds a second, full, collection


@pytest.mark.parametrize("tuner_id, worker", [(None, False), ("chief", False), ("tuner0", True)])
def test_is_worker_only_on_a_distributed_non_chief(monkeypatch, tuner_id, worker):
    _no_distribution(monkeypatch)
    if tuner_id:
        monkeypatch.setenv("KERASTUNER_ORACLE_IP", "127.0.0.1")
        monkeypatch.setenv("KERASTUNER_ORACLE_PORT", "8000")
        monkeypatch.setenv(kt.TUNER_ID_ENV, tuner_id)
    bare = object.__new__(keras_tuner.Tuner)  # a worker's real tuner would dial the chief
    assert kt.is_worker(bare) is worker, _changed("_is_worker", f"says {not worker} for tuner id {tuner_id!r}")
    assert (kt.has_chief_oracle() and not kt.is_chief_oracle()) is worker, _changed(
        "has_chief_oracle", "and is_chief_oracle no longer tell a worker"
    )


class _CountingCheckpoint(kt.SaveBestEpoch):
    def _save_model(self):
        self.saves = getattr(self, "saves", 0) + 1


def test_save_best_epoch_saves_through_save_model_only_on_a_better_epoch(tmp_path):
    checkpoint = _CountingCheckpoint(keras_tuner.Objective("val_loss", "min"), str(tmp_path / "checkpoint"))
    assert checkpoint.best_value == float("inf"), _changed("best_value", "does not start at the worst value")
    for value in (0.5, 0.7, 0.1):
        checkpoint.on_epoch_end(0, {"val_loss": value})
    assert getattr(checkpoint, "saves", 0) == 2, _changed("_save_model", "is not called once per better epoch")
    assert checkpoint.best_value == 0.1 and checkpoint.objective.name == "val_loss", _changed(
        "best_value", "does not track the best objective value"
    )
    checkpoint.best_value = 0.05  # as kt_rnn's resumed checkpoint sets it
    checkpoint.on_epoch_end(1, {"val_loss": 0.08})
    assert checkpoint.saves == 2, _changed("best_value", "set from outside is ignored")


class _AllActive:
    """Like kt_rnn.search.dashboard's view: only `space` and `get`."""

    def __init__(self, space):
        self.space = space

    def get(self, name):
        return None


def test_convert_hyperparams_to_hparams_needs_only_space_and_get():
    hp = keras_tuner.HyperParameters()
    hp.Int("units", 8, 64)
    hp.Choice("cell", ["lstm", "gru"])
    hparams = kt.convert_hyperparams_to_hparams(_AllActive(hp.space), hparams_api)
    domains = {h.name: type(h.domain).__name__ for h in hparams}
    assert domains == {"units": "IntInterval", "cell": "Discrete"}, _changed(
        "convert_hyperparams_to_hparams", f"gives {domains}"
    )


# Distributed search: the gRPC service the chief serves and the workers call.


def test_oracle_servicer_wraps_the_oracle_and_flags_the_stop():
    servicer = kt.oracle_servicer()(oracle := object())
    assert servicer.oracle is oracle, _changed("OracleServicer", "no longer keeps its oracle as .oracle")
    assert servicer.stop_triggered is False, _changed("OracleServicer", "no longer has .stop_triggered")
    for method in ("CreateTrial", "UpdateTrial", "EndTrial", "GetTrial", "GetSpace"):
        assert callable(getattr(servicer, method, None)), _changed("OracleServicer", f"has no {method} now")


def test_service_has_the_messages_and_stub_kt_rnn_uses():
    messages, service = kt.service()
    for name in (
        "CreateTrialRequest",
        "GetTrialRequest",
        "GetSpaceRequest",
        "UpdateTrialResponse",
        "EndTrialResponse",
        "EndTrialRequest",
        "UpdateTrialRequest",
    ):
        assert hasattr(messages, name), _changed("service", f"has no {name} message now")
    assert callable(service.OracleStub) and callable(service.add_OracleServicer_to_server)


def test_set_client_timeout_sets_the_deadline_the_oracle_client_reads(monkeypatch):
    from keras_tuner.src.distribute import oracle_client

    monkeypatch.setattr(oracle_client, "TIMEOUT", oracle_client.TIMEOUT)
    kt.set_client_timeout(7)
    assert oracle_client.TIMEOUT == 7, _changed("TIMEOUT", "is no longer the client's deadline")
    assert "TIMEOUT" in inspect.getsource(oracle_client.OracleClient.create_trial), _changed(
        "TIMEOUT", "is no longer read by OracleClient's calls"
    )


def test_gaussian_process_is_what_a_bayesian_oracle_fits_once_its_random_trials_ended(tmp_path, monkeypatch):
    oracle = _oracle(tmp_path, keras_tuner.oracles.BayesianOptimizationOracle, num_initial_points=2)
    for score in (0.5, 0.4):
        trial = oracle.create_trial("tuner0")
        oracle.update_trial(trial.trial_id, {"val_loss": score})
        trial.status = "COMPLETED"
        oracle.end_trial(trial)
    assert kt.gaussian_process(_oracle(tmp_path / "random")) is None
    fits = []
    monkeypatch.setattr(kt.gaussian_process(oracle), "fit", lambda x, y: fits.append(len(y)))
    monkeypatch.setattr(kt.gaussian_process(oracle), "predict", lambda x, return_std: (x[:, 0] * 0, x[:, 0] * 0 + 1))
    oracle.create_trial("tuner0")
    assert fits == [2], _changed("gpr", "is no longer what the Bayesian oracle fits to choose a trial")


def test_set_client_channel_is_the_channel_the_oracle_clients_calls_go_through(monkeypatch):
    from keras_tuner.src.distribute import oracle_client

    class Called(Exception):
        pass

    class Channel:  # what an OracleStub asks a channel for: one callable per method
        def unary_unary(self, method, *args, **kwargs):
            def call(*args, **kwargs):
                raise Called(method)

            return call

    for name, value in (("KERASTUNER_ORACLE_IP", "127.0.0.1"), ("KERASTUNER_ORACLE_PORT", "1"), (kt.TUNER_ID_ENV, "w")):
        monkeypatch.setenv(name, value)
    client = oracle_client.OracleClient(object())
    kt.set_client_channel(client, Channel())
    with pytest.raises(Called, match="GetSpace"):
        client.get_space()
    with pytest.raises(Called, match="CreateTrial"):
        client.create_trial("w")


@pytest.mark.parametrize("values", [["gru", "lstm"], [True], [1, 2], [0.5]])
def test_quiet_parent_to_proto_matches_kerastuners_and_prints_nothing(values, capsys):
    from keras_tuner.src.engine import conditions

    parent = conditions.Parent("num_layers", values)
    theirs = kt._PARENT_TO_PROTO(parent)
    capsys.readouterr()
    assert kt._parent_to_proto(parent) == theirs
    assert capsys.readouterr().out == ""
