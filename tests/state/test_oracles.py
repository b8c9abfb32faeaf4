"""Durable oracles: crash-loop guard, clean stops, torn and disagreeing state files."""

import json
import time

import keras_tuner
import pytest

from kt_rnn.state import durable, oracles

Status = oracles.Status


def _oracle(tmp_path, max_crashes=3, max_trials=5):
    oracle = oracles.durable_oracle("RandomSearchOracle")(
        objective="val_accuracy", max_trials=max_trials, seed=1, max_crashes=max_crashes
    )
    oracle._set_project_dir(str(tmp_path), "tuner")
    hp = keras_tuner.HyperParameters()
    hp.Int("units", 1, 100)
    oracle.update_space(hp)
    return oracle


def _start(oracle):
    return oracle.create_trial("tuner0")


def _complete(oracle, trial, score=0.5):
    oracle.update_trial(trial.trial_id, {"val_accuracy": score}, step=0)
    trial.status = Status.COMPLETED
    oracle.end_trial(trial)


def _restart(tmp_path, **kwargs):
    """A new process: a fresh oracle reloading the state left on disk."""
    oracle = _oracle(tmp_path, **kwargs)
    oracle.reload()
    return oracle


def _trial_file(tmp_path, trial_id):
    return tmp_path / "tuner" / f"trial_{trial_id}" / "trial.json"


def test_reload_counts_a_death_and_queues_the_trial_again(tmp_path):
    oracle = _oracle(tmp_path)
    trial = _start(oracle)  # ... and the process dies
    oracle = _restart(tmp_path)
    assert oracle.crashes == {trial.trial_id: 1}
    assert _start(oracle).trial_id == trial.trial_id


def test_reload_fails_a_trial_that_kills_its_process_every_time(tmp_path, capsys):
    oracle = _oracle(tmp_path, max_crashes=2)
    trial_id = _start(oracle).trial_id
    for _ in range(2):
        oracle = _restart(tmp_path, max_crashes=2)
        if oracle.trials[trial_id].status == Status.FAILED:
            break
        assert _start(oracle).trial_id == trial_id  # dies again
    failed = oracle.trials[trial_id]
    assert failed.status == Status.FAILED
    assert failed.message == "process died during the trial, 2 times"
    assert _start(oracle).trial_id != trial_id  # the search goes on
    assert json.loads(_trial_file(tmp_path, trial_id).read_text())["status"] == Status.FAILED
    assert "process died during the trial, 2 times" in capsys.readouterr().out


def test_release_ongoing_resumes_the_trial_without_counting_a_crash(tmp_path):
    oracle = _oracle(tmp_path)
    trial = _start(oracle)
    oracle.release_ongoing()  # SIGTERM or Ctrl-C
    oracle = _restart(tmp_path)
    assert oracle.crashes == {} and oracle.interruptions == {trial.trial_id: 1}
    assert _start(oracle).trial_id == trial.trial_id
    assert oracle.reruns() == {trial.trial_id: 1}


@pytest.mark.parametrize("name", ["oracle.json", "trial.json"])
@pytest.mark.parametrize("keep", [0, 0.5])
def test_reload_recovers_torn_state_from_previous_copy(tmp_path, name, keep):
    oracle = _oracle(tmp_path)
    first = _start(oracle)
    _complete(oracle, first, 0.7)
    second = _start(oracle)
    _complete(oracle, second, 0.6)
    path = tmp_path / "tuner" / name if name == "oracle.json" else _trial_file(tmp_path, second.trial_id)
    text = path.read_text()
    path.write_text(text[: int(len(text) * keep)])
    oracle = _restart(tmp_path)
    assert {i: t.status for i, t in oracle.trials.items()} == {
        first.trial_id: Status.COMPLETED,
        second.trial_id: Status.COMPLETED,
    }
    assert oracle.trials[first.trial_id].score == pytest.approx(0.7)
    assert sorted(oracle.end_order) == sorted([first.trial_id, second.trial_id])
    assert oracle.crashes == {}  # no completed trial runs again
    assert _start(oracle).trial_id not in (first.trial_id, second.trial_id)


def test_reload_writes_the_end_of_a_trial_whose_file_got_ahead_of_the_oracle(tmp_path):
    oracle = _oracle(tmp_path)
    trial = _start(oracle)
    ongoing = (tmp_path / "tuner" / "oracle.json").read_text()
    _complete(oracle, trial)
    (tmp_path / "tuner" / "oracle.json").write_text(ongoing)  # killed before the oracle saved the end
    durable.previous(tmp_path / "tuner" / "oracle.json").unlink()
    _restart(tmp_path)
    on_disk = json.loads((tmp_path / "tuner" / "oracle.json").read_text())  # what the next run, or report, reads
    assert on_disk["end_order"] == [trial.trial_id] and on_disk["ongoing_trials"] == {}


def test_reload_reruns_a_trial_whose_file_fell_behind_the_oracle(tmp_path):
    oracle = _oracle(tmp_path)
    trial = _start(oracle)
    path = _trial_file(tmp_path, trial.trial_id)
    running = path.read_text()
    oracle.update_trial(trial.trial_id, {"val_accuracy": 0.5}, step=0)
    trial.status = Status.FAILED
    oracle.end_trial(trial)
    path.write_text(running)  # the end of the trial never reached its file
    durable.previous(path).unlink()
    oracle = _restart(tmp_path)
    assert trial.trial_id not in oracle.end_order
    assert _start(oracle).trial_id == trial.trial_id


@pytest.mark.parametrize("damage", ["garbled", "missing"])
def test_reload_records_a_trial_whose_file_is_lost_as_lost_and_keeps_the_damaged_file(tmp_path, damage):
    oracle = _oracle(tmp_path)
    lost = _start(oracle)
    _complete(oracle, lost)
    kept = _start(oracle)
    _complete(oracle, kept)
    path = _trial_file(tmp_path, lost.trial_id)
    if damage == "garbled":
        path.write_text("")
        durable.previous(path).write_text("")
    else:
        path.unlink()
        durable.previous(path).unlink(missing_ok=True)
    restarted = _restart(tmp_path)
    assert restarted.trials[lost.trial_id].status == Status.FAILED
    assert restarted.trials[lost.trial_id].message.startswith("lost: its trial.json")
    assert restarted.trials[kept.trial_id].status == Status.COMPLETED
    assert path.with_name("trial.json.damaged").exists() is (damage == "garbled")  # kept for a post-mortem


def test_end_trial_does_not_raise_on_consecutive_failures(tmp_path):
    oracle = _oracle(tmp_path)
    for _ in range(4):  # KerasTuner alone raises at 3, before saving the state
        trial = _start(oracle)
        trial.status = Status.FAILED
        trial.message = "boom"
        oracle.end_trial(trial)
    assert [oracle.trials[i].status for i in oracle.end_order] == [Status.FAILED] * 4


def test_lost_ids_names_trials_the_state_knows_and_gaps_in_the_numbering():
    trials = {"00": object(), "01": object(), "03": object()}
    state = {"start_order": ["00", "01", "02", "03", "04"], "end_order": ["00"], "ongoing_trials": {}}
    assert oracles.lost_ids(state, trials) == ["02", "04"]
    assert oracles.lost_ids({"start_order": [], "end_order": []}, trials) == ["02"]  # state lost too: the gap


def test_rounded_to_steps_rounds_stepped_floats_only():
    hp = keras_tuner.HyperParameters()
    hp.Float("dropout", 0.0, 0.5, step=0.1)
    hp.Float("l2", 1e-5, 1e-3, step=1e-5)
    hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
    values = {"dropout": 0.30000000000000004, "l2": 0.00012000000000000002, "learning_rate": 0.0012345678}
    assert oracles.rounded_to_steps(hp, values) == {"dropout": 0.3, "l2": 0.00012, "learning_rate": 0.0012345678}


def test_oracle_values_are_rounded_to_their_steps(tmp_path):
    oracle = oracles.durable_oracle("RandomSearchOracle")(objective="val_accuracy", max_trials=20, seed=3)
    oracle.hyperparameters.Float("dropout", 0.0, 0.5, step=0.1)
    oracle._set_project_dir(str(tmp_path), "tuner")
    drawn = [oracle.create_trial(f"t{i}").hyperparameters.values["dropout"] for i in range(12)]
    assert all(repr(value) in {"0.0", "0.1", "0.2", "0.3", "0.4", "0.5"} for value in drawn), drawn


def test_oracle_time_limit_starts_no_trial_once_the_deadline_passed(tmp_path, capsys):
    oracle = _oracle(tmp_path)
    oracle.deadline = time.time() - 1
    assert _start(oracle).status == Status.STOPPED
    assert "Time limit: 0 s left" in capsys.readouterr().out


def test_oracle_time_limit_starts_no_trial_the_time_left_cannot_hold(tmp_path, capsys):
    oracle = _oracle(tmp_path)
    oracle.deadline = time.time() + 60
    first = _start(oracle)
    assert first.status == Status.RUNNING  # nothing timed yet: a minute is worth a try
    _complete(oracle, first)
    assert len(oracle.trial_seconds) == 1
    oracle.trial_seconds[:] = [50.0, 90.0, 200.0]  # median 90 s: more than the minute left
    assert _start(oracle).status == Status.STOPPED
    assert "less than a trial takes here (90 s" in capsys.readouterr().out
    oracle.trial_seconds[:] = [5.0]
    assert _start(oracle).status == Status.RUNNING


def test_oracle_without_a_time_limit_hands_out_its_whole_budget(tmp_path):
    oracle = _oracle(tmp_path, max_trials=3)
    for _ in range(3):
        trial = _start(oracle)
        assert trial.status == Status.RUNNING
        _complete(oracle, trial)
    assert _start(oracle).status == Status.STOPPED and oracle.deadline is None


def test_initial_points_are_three_per_tuned_hyperparameter_not_per_fixed_one():
    hp = keras_tuner.HyperParameters()
    for name in ("cell", "units", "dropout"):
        hp.Fixed(name, 1)
    assert oracles.initial_points(hp) == 3  # nothing tuned yet: KerasTuner's floor
    hp.Float("learning_rate", 1e-4, 1e-2)
    assert oracles.initial_points(hp) == 3
    hp.Int("layers", 1, 3)
    assert oracles.initial_points(hp) == 6


def test_bayesian_oracle_chooses_by_its_model_after_three_random_trials_of_one_tuned_hyperparameter(tmp_path):
    oracle = oracles.durable_oracle("BayesianOptimizationOracle")(objective="val_accuracy", max_trials=5, seed=1)
    oracle._set_project_dir(str(tmp_path), "tuner")
    hp = keras_tuner.HyperParameters()
    for name in range(15):  # kt_rnn fixes every hyperparameter --tune leaves out
        hp.Fixed(f"fixed_{name}", 1)
    hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
    oracle.update_space(hp)
    fits = []
    for score in (0.5, 0.6, 0.7):
        _complete(oracle, _start(oracle), score)
    fit = oracle.gpr.fit
    oracle.gpr.fit = lambda x, y: (fits.append(len(y)), fit(x, y))[1]
    _start(oracle)
    assert fits == [3]  # KerasTuner alone would draw 48 random trials first (3 per name, fixed ones too)
