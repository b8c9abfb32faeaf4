import dataclasses

import keras
import keras_tuner
import pytest

from hypermodels.recurrent import RNNClassifier
from kt_rnn import config as config_lib
from kt_rnn import tuners


def _config(tmp_path, **kwargs):
    return config_lib.Config(dataset="imdb", logdir=str(tmp_path), **kwargs)


def test_registry_names_match_the_cli_choices():
    assert tuple(tuners.TUNERS) == config_lib.TUNERS


def test_get_tuner_class_unknown_lists_valid_names():
    with pytest.raises(ValueError, match=r"Expected one of \['bayesian', 'grid', 'hyperband', 'random'\]. Received: tuner='tpe'"):
        tuners.get_tuner_class("tpe")


@pytest.mark.parametrize("name", config_lib.TUNERS)
def test_build_puts_state_under_the_project(tmp_path, name):
    tuner = tuners.build(_config(tmp_path, tuner=name, max_trials=4), RNNClassifier(10, 4))
    assert isinstance(tuner, tuners.TUNERS[name])
    assert tuner.project_dir == str(tmp_path / "imdb" / tuners.STATE_DIR)
    assert tuner.oracle.max_trials == 4
    assert tuner.oracle.objective.name == "val_accuracy" and tuner.oracle.objective.direction == "max"


def test_build_hyperband_without_max_trials_runs_its_schedule(tmp_path):
    tuner = tuners.build(_config(tmp_path, max_epochs=9, factor=3), RNNClassifier(10, 4))
    assert (tuner.oracle.max_epochs, tuner.oracle.factor, tuner.oracle.max_trials) == (9, 3, None)


def test_build_loss_objective_is_minimised(tmp_path):
    tuner = tuners.build(_config(tmp_path, tuner="random", objective="val_loss"), RNNClassifier(10, 4))
    assert tuner.oracle.objective.direction == "min"


def test_callbacks_stop_non_hyperband_trials_on_stalled_validation_loss(tmp_path):
    (stop,) = tuners.callbacks(_config(tmp_path, tuner="bayesian", patience=2))
    assert isinstance(stop, keras.callbacks.EarlyStopping)
    assert (stop.monitor, stop.patience) == ("val_loss", 2)
    assert tuners.callbacks(_config(tmp_path)) == []


@pytest.mark.parametrize("env, worker", [
    ({}, False),
    ({"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": "8000", "KERASTUNER_TUNER_ID": "chief"}, False),
    ({"KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": "8000", "KERASTUNER_TUNER_ID": "tuner0"}, True),
])
def test_is_worker_follows_keras_tuner_distributed_variables(monkeypatch, env, worker):
    for name in ("KERASTUNER_ORACLE_IP", "KERASTUNER_ORACLE_PORT", "KERASTUNER_TUNER_ID"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert tuners.is_worker() is worker
