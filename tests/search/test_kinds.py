"""The tuners' rows: what each means for a search, and Hyperband's schedule."""

import random
from types import SimpleNamespace

import keras_tuner
import pytest

from hypermodels import space as sp
from kt_rnn.search import kinds


def _objective():
    return keras_tuner.Objective("val_accuracy", "max")


def _hyperband_oracle(tmp_path, max_epochs=3, factor=3):
    hp = keras_tuner.HyperParameters()  # a continuous one: the oracle never runs out of new values
    hp.Float(sp.LEARNING_RATE, 1e-4, 1e-2, sampling="log")
    hp.Choice(sp.CELL, list(sp.CELLS))
    oracle = keras_tuner.oracles.HyperbandOracle(
        objective=_objective(), max_epochs=max_epochs, factor=factor, hyperparameters=hp, seed=1
    )
    oracle._set_project_dir(str(tmp_path), "tuner")
    return oracle


def test_get_unknown_tuner_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"Expected one of \['bayesian', 'grid', 'hyperband', 'random'\]"):
        kinds.get("tpe")


def test_tuner_kind_schedule_is_hyperbands_own_and_none_for_the_tuners_that_take_trials(tmp_path):
    config = SimpleNamespace(budget=SimpleNamespace(max_epochs=9, factor=3), trials=None)
    oracle = _hyperband_oracle(tmp_path, max_epochs=9)
    assert kinds.get("hyperband").schedule(config, oracle) == kinds.hyperband_schedule(oracle)
    worker = SimpleNamespace(max_trials=None)  # a worker's OracleClient: no schedule of its own
    assert kinds.get("hyperband").schedule(config, worker) == kinds.hyperband_schedule(oracle)
    assert all(kinds.get(name).schedule(config, oracle) is None for name in ("random", "bayesian", "grid"))


@pytest.mark.parametrize("max_epochs, factor", [(3, 3), (9, 3), (10, 3), (8, 2), (1, 3)])
def test_hyperband_schedule_matches_the_trials_the_oracle_creates(tmp_path, max_epochs, factor):
    oracle = _hyperband_oracle(tmp_path, max_epochs=max_epochs, factor=factor)
    schedule = kinds.hyperband_schedule(oracle)
    rng, created = random.Random(0), []
    while True:
        trial = oracle.create_trial("tuner0")
        if trial.status == "STOPPED":
            break
        values = trial.hyperparameters.values
        created.append(values["tuner/epochs"] - values["tuner/initial_epoch"])
        oracle.update_trial(trial.trial_id, {"val_accuracy": rng.random()})
        trial.status = "COMPLETED"
        oracle.end_trial(trial)
    assert created == schedule


def test_hyperband_schedule_of_nine_epochs_by_three():
    oracle = keras_tuner.oracles.HyperbandOracle(objective=_objective(), max_epochs=9, factor=3)
    schedule = kinds.hyperband_schedule(oracle)
    assert (len(schedule), sum(schedule)) == (23, 75)  # brackets 2, 1, 0: 9+3+1, 5+2, 3 trials
    oracle.hyperband_iterations = 2
    assert len(kinds.hyperband_schedule(oracle)) == 46
    assert len(kinds.hyperband_schedule(oracle, limit=30)) == 30
