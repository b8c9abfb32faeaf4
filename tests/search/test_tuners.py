import keras
import keras_tuner
import numpy as np
import pytest

import searches
from hypermodels.classifier import RNNClassifier
from kt_rnn import config as config_lib
from kt_rnn.search import tuners
from kt_rnn.state import kerastuner as kt


def _config(tmp_path, **kwargs):
    return config_lib.Config.of("imdb", logdir=str(tmp_path), **kwargs)


def test_registry_names_match_the_cli_choices():
    assert tuple(tuners.TUNERS) == config_lib.TUNERS


def test_get_tuner_class_unknown_lists_valid_names():
    expected = r"Expected one of \['bayesian', 'grid', 'hyperband', 'random'\]. Received: tuner='tpe'"
    with pytest.raises(ValueError, match=expected):
        tuners.get_tuner_class("tpe")


@pytest.mark.parametrize("name", config_lib.TUNERS)
def test_build_puts_state_under_the_project(tmp_path, name):
    tuner = tuners.build(_config(tmp_path, tuner=name, max_trials=4), RNNClassifier(10, 4))
    tuner_class, oracle_class = tuners.TUNERS[name]
    assert isinstance(tuner, tuner_class) and isinstance(tuner.oracle, oracle_class)
    assert tuner.project_dir == str(tmp_path / "imdb" / tuners.STATE_DIR)
    assert tuner.oracle.max_trials == 4
    assert tuner.oracle.objective.name == "val_accuracy" and tuner.oracle.objective.direction == "max"


@pytest.mark.parametrize("strategy, expected", [("default", type(None)), ("mirrored", "MirroredStrategy")])
def test_build_hands_the_strategy_to_kerastuner(tmp_path, strategy, expected):
    tuner = tuners.build(_config(tmp_path, strategy=strategy, tuner="random"), RNNClassifier(10, 4))
    kind = type(tuner.distribution_strategy)
    assert kind is expected if isinstance(expected, type) else kind.__name__ == expected


def test_build_hyperband_without_max_trials_runs_its_schedule(tmp_path):
    tuner = tuners.build(_config(tmp_path, max_epochs=9, factor=3), RNNClassifier(10, 4))
    assert (tuner.oracle.max_epochs, tuner.oracle.factor, tuner.oracle.max_trials) == (9, 3, None)


def test_build_loss_objective_is_minimised(tmp_path):
    tuner = tuners.build(_config(tmp_path, tuner="random", objective="val_loss"), RNNClassifier(10, 4))
    assert tuner.oracle.objective.direction == "min"


def test_load_model_gives_a_trial_the_weights_average_it_was_scored_with_under_ema(tmp_path):
    hypermodel = RNNClassifier(10, 4, jit_compile=False, ema=0.5)
    tuner = tuners.build(_config(tmp_path, tuner="random"), hypermodel)
    hp = keras_tuner.HyperParameters()
    trained = hypermodel.build(hp)
    trained.run_eagerly = True  # step by step in Python: tracing the training step would take seconds
    x, y = np.random.randint(1, 10, size=(8, 4)), np.arange(8) % 2
    for _ in range(3):
        trained.train_on_batch(x, y)  # the training weights move away from their average
    trial = kt.Trial(hp, trial_id="0000")
    trained.save_weights(tuner._get_checkpoint_fname(trial.trial_id))  # as the best epoch's checkpoint holds them
    training = [np.asarray(weight) for weight in trained.trainable_variables]
    trained.optimizer.finalize_variable_values(trained.trainable_variables)  # the average, as a fit ends with
    loaded = tuner.load_model(trial)
    for weight, average in zip(loaded.trainable_variables, trained.trainable_variables, strict=True):
        np.testing.assert_allclose(np.asarray(weight), np.asarray(average))
    assert not np.allclose(training[0], np.asarray(trained.trainable_variables[0]))


def test_callbacks_stop_non_hyperband_trials_on_stalled_validation_loss(tmp_path):
    (stop,) = tuners.callbacks(_config(tmp_path, tuner="bayesian", patience=2))
    assert isinstance(stop, keras.callbacks.EarlyStopping)
    assert (stop.monitor, stop.patience) == ("val_loss", 2)
    assert tuners.callbacks(_config(tmp_path)) == []


def test_callbacks_stop_classifiers_at_chance_under_every_tuner(tmp_path):
    counts = {"validation": {"neg": 2500, "pos": 2500}}
    for tuner in ("hyperband", "random"):
        stops = tuners.callbacks(_config(tmp_path, tuner=tuner), counts)
        assert [type(c).__name__ for c in stops][-1] == "StopAtChance"


# Failing trials, through the whole pipeline on tiny synthetic reviews.

import json  # noqa: E402

import tensorflow as tf  # noqa: E402

from kt_rnn.errors import SearchError  # noqa: E402
from kt_rnn.search import pipeline  # noqa: E402
from kt_rnn.state import resume  # noqa: E402
from kt_rnn.tasks import text as text_task  # noqa: E402


class _PoisonAt(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            self.model.set_weights([np.full_like(w, np.nan) for w in self.model.get_weights()])


class Sabotaged(RNNClassifier):
    """An RNNClassifier whose n-th fit (n counts every trial's fit, from 0) fails as `plan[n]` says."""

    plan = {}
    fits = 0

    def fit(self, hp, model, *args, **kwargs):
        action = type(self).plan.get(type(self).fits)
        type(self).fits += 1
        if action == "oom":
            raise tf.errors.ResourceExhaustedError(None, None, "OOM when allocating tensor with shape[64,200,128]")
        if action == "nan_first":
            model.compile(optimizer="adam", loss=lambda y, p: keras.ops.mean(p) * np.nan, metrics=["accuracy"])
        if action == "nan_later":
            kwargs["callbacks"] = [*kwargs["callbacks"], _PoisonAt(1)]
        return super().fit(hp, model, *args, **kwargs)


@pytest.fixture
def sabotage(monkeypatch):
    """Sets the failure plan of the hypermodel the pipeline builds."""
    monkeypatch.setattr(text_task, "RNNClassifier", Sabotaged)
    monkeypatch.setattr(Sabotaged, "fits", 0)

    def plan(**actions):
        monkeypatch.setattr(Sabotaged, "plan", {int(k[1:]): v for k, v in actions.items()})

    return plan


def _search(data, logdir, *argv):
    return searches.tiny("imdb", data, logdir, "--tuner", "random", "--max-epochs", 3, "--patience", 5, *argv)


def _trials(config):
    files = sorted((config.project_dir / tuners.STATE_DIR).glob("trial_*/trial.json"))
    return {t["trial_id"]: t for t in (json.loads(f.read_text()) for f in files)}


@pytest.mark.e2e
def test_search_fails_a_trial_with_non_finite_loss_from_the_first_epoch(tiny_imdb, tmp_path, sabotage, capsys):
    sabotage(n0="nan_first")
    config = _search(tiny_imdb, tmp_path, "--max-trials", "2")
    result = pipeline.run(config)
    trials = _trials(config)
    assert trials["0000"]["status"] == "FAILED"
    assert trials["0000"]["message"] == "loss not finite from the first epoch"
    assert trials["0001"]["status"] == "COMPLETED" and result.metrics["best_trial"] == "0001"
    assert result.metrics["trials"]["failures"] == {"0000": "loss not finite from the first epoch"}
    printed = capsys.readouterr()
    assert "trial 0000 failed: loss not finite from the first epoch" in printed.out
    assert "Traceback" not in printed.out + printed.err  # KerasTuner's traceback is --verbose's


@pytest.mark.e2e
def test_search_keeps_the_best_finite_epoch_when_the_loss_turns_nan(tiny_imdb, tmp_path, sabotage):
    sabotage(n0="nan_later")
    config = _search(tiny_imdb, tmp_path, "--max-trials", "1", "--fix", "optimizer=adam")
    pipeline.run(config)
    trial = _trials(config)["0000"]
    record = json.loads(
        (config.project_dir / tuners.STATE_DIR / "trial_0000" / "execution0" / resume.RECORD).read_text()
    )
    assert [e["finite"] for e in record["epochs"]] == [True, False]  # stopped in the epoch that went NaN
    assert trial["status"] == "COMPLETED"
    assert trial["score"] == pytest.approx(record["epochs"][0]["logs"]["val_accuracy"]) and trial["best_step"] == 0


@pytest.mark.e2e
def test_search_fails_only_the_trial_that_ran_out_of_memory(tiny_imdb, tmp_path, sabotage):
    sabotage(n0="oom")
    config = _search(tiny_imdb, tmp_path, "--max-trials", "2")
    pipeline.run(config)
    trials = _trials(config)
    assert trials["0000"]["status"] == "FAILED"
    assert trials["0000"]["message"] == "out of memory: OOM when allocating tensor with shape[64,200,128]"
    assert trials["0001"]["status"] == "COMPLETED"


@pytest.mark.e2e
def test_search_stops_after_too_many_failures_in_a_row_then_continues(tiny_imdb, tmp_path, sabotage):
    sabotage(n0="nan_first", n1="oom", n2="oom")
    config = _search(tiny_imdb, tmp_path, "--max-trials", "4", "--max-failures", "2")
    with pytest.raises(
        SearchError,
        match=r"2 trials failed in a row \(trial 0000: loss not finite.*; "
        r"trial 0001: out of memory.*\).*run the same command again",
    ):
        pipeline.run(config)
    assert {i: t["status"] for i, t in _trials(config).items()} == {"0000": "FAILED", "0001": "FAILED"}
    assert not config.layout.best.exists()
    sabotage()  # the cause is fixed
    result = pipeline.run(config)
    assert {i: t["status"] for i, t in _trials(config).items()} == {
        "0000": "FAILED",
        "0001": "FAILED",
        "0002": "COMPLETED",
        "0003": "COMPLETED",
    }
    assert result.metrics["best_trial"] in ("0002", "0003")


@pytest.mark.e2e
def test_export_with_no_completed_trial_is_a_search_error_and_writes_nothing(tiny_imdb, tmp_path, sabotage):
    sabotage(n0="oom", n1="oom")
    config = _search(tiny_imdb, tmp_path, "--max-trials", "2", "--max-failures", "5")
    with pytest.raises(
        SearchError, match=r"No completed trial.*2 trial\(s\) failed \(trial 0000: out of memory"
    ) as info:
        pipeline.run(config)
    assert "--overwrite" in str(info.value) and "without --export-only" not in str(info.value)  # the run had run
    assert not config.layout.best.exists()
    assert not list(config.project_dir.glob(".best*"))


def test_failure_reason_is_the_informative_line_of_a_tensorflow_error():
    message = (
        "Graph execution error:\n\nDetected at node x defined at (most recent call last):\n"
        '  File "a.py", line 1\nindices[0] = 12957 is not in [0, 609)\n\t [[{{node y}}]]'
    )
    error = tf.errors.InvalidArgumentError(None, None, message)
    assert tuners.failure_reason(error) == "InvalidArgumentError: indices[0] = 12957 is not in [0, 609)"


def test_interrupt_behind_finds_a_signal_keras_tuner_wrapped():
    from kt_rnn.errors import Terminated

    try:
        try:
            raise Terminated()
        except BaseException:  # as KerasTuner's _deepcopy_callbacks does
            # As KerasTuner raises it: with the interrupt only as its context (no `from`).
            raise keras_tuner.errors.FatalValueError(  # noqa: B904
                "All callbacks used during a search should be deep-copyable"
            )
    except keras_tuner.errors.FatalValueError as wrapped:
        assert isinstance(tuners.interrupt_behind(wrapped), Terminated)
    assert tuners.interrupt_behind(ValueError("plain")) is None


def test_time_limit_stops_training_after_the_epoch_in_which_the_deadline_passed():
    import time

    import numpy as np

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse", run_eagerly=True)
    x, y = np.zeros((4, 2)), np.zeros((4, 1))
    history = model.fit(x, y, epochs=5, verbose=0, callbacks=[tuners.TimeLimit(time.time() - 1)])
    assert len(history.history["loss"]) == 1
    history = model.fit(x, y, epochs=3, verbose=0, callbacks=[tuners.TimeLimit(time.time() + 600)])
    assert len(history.history["loss"]) == 3
