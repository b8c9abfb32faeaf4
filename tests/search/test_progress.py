"""The progress line after each trial, against real KerasTuner oracles and a fake clock."""

import keras_tuner
import pytest

from hypermodels import space as sp
from kt_rnn import config as config_lib
from kt_rnn.search import progress


class FakeClock:
    """A clock the test moves by hand."""

    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def _space():
    hp = keras_tuner.HyperParameters()
    hp.Float(sp.LEARNING_RATE, 1e-4, 1e-2, sampling="log")
    hp.Choice(sp.CELL, list(sp.CELLS))
    return hp


def _objective():
    return keras_tuner.Objective("val_accuracy", "max")


def _random_oracle(tmp_path, max_trials=10):
    oracle = keras_tuner.oracles.RandomSearchOracle(
        objective=_objective(), max_trials=max_trials, hyperparameters=_space(), seed=1
    )
    oracle._set_project_dir(str(tmp_path), "tuner")
    return oracle


def _hyperband_oracle(tmp_path, max_epochs=3, factor=3, max_trials=None):
    oracle = keras_tuner.oracles.HyperbandOracle(
        objective=_objective(), max_epochs=max_epochs, factor=factor, hyperparameters=_space(), seed=1
    )
    oracle.max_trials = max_trials  # as kt_rnn.tuners.build caps Hyperband
    oracle._set_project_dir(str(tmp_path), "tuner")
    return oracle


def _run(oracle, score=None, message=None):
    """Creates the oracle's next trial and ends it: completed with `score`, else failed with `message`."""
    trial = oracle.create_trial("tuner0")
    assert trial.status == "RUNNING"
    if score is None:
        trial.status, trial.message = "FAILED", message
    else:
        oracle.update_trial(trial.trial_id, {"val_accuracy": score})
        trial.status = "COMPLETED"
    oracle.end_trial(trial)
    return trial


def _config(tmp_path, **overrides):
    return config_lib.Config.of("imdb", logdir=str(tmp_path), **overrides)


def _progress(config, oracle, clock, lines=None):
    return progress.Progress(config, oracle, out=(lines if lines is not None else []).append, clock=clock)


def test_progress_completed_trial_shows_n_of_budget_score_and_best(tmp_path):
    oracle, clock, lines = _random_oracle(tmp_path, max_trials=30), FakeClock(), []
    tracker = _progress(_config(tmp_path, tuner="random", max_trials=30), oracle, clock, lines)
    clock.now += 50
    first = _run(oracle, 0.8310)
    assert tracker.trial_done(first).startswith(
        f"Trial {first.trial_id} done (1 of 30): val_accuracy 0.8310 | "
        f"best 0.8310 (trial {first.trial_id}) | elapsed 50s"
    )
    clock.now += 70
    line = tracker.trial_done(_run(oracle, 0.8123))
    assert "done (2 of 30): val_accuracy 0.8123 | best 0.8310 (trial 00) | elapsed 2m00s" in line
    assert lines[-1] == line


def test_progress_failed_trial_shows_the_last_line_of_its_reason(tmp_path):
    oracle, clock = _random_oracle(tmp_path), FakeClock()
    tracker = _progress(_config(tmp_path, tuner="random"), oracle, clock)
    tracker.trial_done(_run(oracle, 0.75))
    failed = _run(oracle, message="Traceback (most recent call last):\n  ...\nloss not finite in epoch 1\n")
    line = tracker.trial_done(failed)
    assert line.startswith(f"Trial {failed.trial_id} failed (2 of 10): loss not finite in epoch 1 | best 0.7500")


def test_progress_before_any_completed_trial_says_so(tmp_path):
    oracle, clock = _random_oracle(tmp_path), FakeClock()
    line = _progress(_config(tmp_path, tuner="random"), oracle, clock).trial_done(_run(oracle, message=None))
    assert "failed (1 of 10): no reason recorded | best: none completed yet" in line


def test_progress_counts_trials_ended_in_earlier_runs(tmp_path):
    oracle, clock = _random_oracle(tmp_path), FakeClock()
    for score in (0.7, 0.9, 0.8):  # a resumed search: three trials ended before this process
        _run(oracle, score)
    tracker = _progress(_config(tmp_path, tuner="random"), oracle, clock)
    clock.now += 10
    line = tracker.trial_done(_run(oracle, 0.6))
    assert "(4 of 10)" in line and "best 0.9000 (trial 01)" in line
    assert line.endswith("about 1m00s left")  # from this process's one trial only: 10 s x 6


def test_progress_minimizes_a_loss_objective(tmp_path):
    oracle = keras_tuner.oracles.RandomSearchOracle(
        objective=keras_tuner.Objective("val_loss", "min"), max_trials=5, hyperparameters=_space(), seed=1
    )
    oracle._set_project_dir(str(tmp_path), "tuner")
    tracker = _progress(_config(tmp_path, tuner="random", objective="val_loss", max_trials=5), oracle, FakeClock())
    for score in (0.5, 0.3, 0.4):
        trial = oracle.create_trial("tuner0")
        oracle.update_trial(trial.trial_id, {"val_loss": score})
        trial.status = "COMPLETED"
        oracle.end_trial(trial)
        line = tracker.trial_done(trial)
    assert "val_loss 0.4000 | best 0.3000 (trial 1)" in line


def test_progress_time_left_is_the_mean_trial_time_times_the_trials_left(tmp_path):
    oracle, clock = _random_oracle(tmp_path, max_trials=10), FakeClock()
    tracker = _progress(_config(tmp_path, tuner="random", max_trials=10), oracle, clock)
    assert tracker.time_left() is None  # no trial has ended in this process yet
    clock.now += 30
    assert tracker.trial_done(_run(oracle, 0.7)).endswith("elapsed 30s | about 4m30s left")  # 30 s x 9
    clock.now += 90
    assert tracker.trial_done(_run(oracle, 0.7)).endswith("elapsed 2m00s | about 8m00s left")  # 60 s x 8
    assert tracker.time_left() == pytest.approx(480)


def test_progress_omits_the_estimate_after_the_last_trial(tmp_path):
    oracle, clock = _random_oracle(tmp_path, max_trials=2), FakeClock()
    tracker = _progress(_config(tmp_path, tuner="random", max_trials=2), oracle, clock)
    tracker.trial_done(_run(oracle, 0.7))
    line = tracker.trial_done(_run(oracle, 0.8))
    assert "(2 of 2)" in line and "left" not in line


def test_progress_elapsed_counts_from_the_given_start(tmp_path):
    oracle, clock = _random_oracle(tmp_path), FakeClock(now=5000.0)
    tracker = progress.Progress(
        _config(tmp_path, tuner="random"), oracle, started=5000.0 - 3845, out=[].append, clock=clock
    )
    assert "elapsed 1h04m" in tracker.trial_done(_run(oracle, 0.7))


def test_progress_hyperband_shows_bracket_round_and_schedule_total(tmp_path):
    oracle, clock = _hyperband_oracle(tmp_path, max_epochs=3, factor=3), FakeClock()
    tracker = _progress(_config(tmp_path, max_epochs=3, factor=3), oracle, clock)
    clock.now += 20
    line = tracker.trial_done(_run(oracle, 0.7))
    # max_epochs 3, factor 3: bracket 1 (3 trials x 1 epoch, then 1 x 2 more), bracket 0 (2 x 3): 6 trials, 11 epochs
    assert "done (1 of 6, bracket 1 round 0): val_accuracy 0.7000" in line
    assert line.endswith("about 3m20s left")  # 20 s per epoch x 10 epochs left


def test_progress_hyperband_estimate_weighs_trials_by_epochs(tmp_path):
    oracle, clock = _hyperband_oracle(tmp_path, max_epochs=3, factor=3), FakeClock()
    tracker = _progress(_config(tmp_path, max_epochs=3, factor=3), oracle, clock)
    for score in (0.6, 0.7, 0.8):  # round 0: one epoch each
        clock.now += 10
        tracker.trial_done(_run(oracle, score))
    clock.now += 20
    promoted = _run(oracle, 0.85)  # round 1: the best trial, epochs 1 -> 3
    line = tracker.trial_done(promoted)
    assert promoted.hyperparameters.values[progress.ROUND] == 1
    assert "(4 of 6, bracket 1 round 1)" in line
    assert line.endswith("about 1m00s left")  # 50 s / 5 epochs x 6 epochs (2 trials x 3)


def test_progress_hyperband_budget_is_capped_by_max_trials(tmp_path):
    oracle = _hyperband_oracle(tmp_path, max_epochs=9, factor=3, max_trials=5)
    tracker = _progress(_config(tmp_path, max_epochs=9, factor=3, max_trials=5), oracle, FakeClock())
    assert "(1 of 5, bracket 2 round 0)" in tracker.trial_done(_run(oracle, 0.5))


@pytest.mark.parametrize(
    "seconds, text",
    [(0, "0s"), (45, "45s"), (59.6, "1m00s"), (192, "3m12s"), (3599, "59m59s"), (3840, "1h04m"), (-3, "0s")],
)
def test_duration_is_compact(seconds, text):
    assert progress.duration(seconds) == text
