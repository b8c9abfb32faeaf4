"""The chief's service: silent workers' trials re-queued, stale results ignored, an exit once all is done."""

import json
import time

import keras_tuner
import pytest

from kt_rnn.errors import SearchError
from kt_rnn.runtime import serving
from kt_rnn.state import oracles

Status = oracles.Status
messages, _ = serving.kt.service()


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _servicer(tmp_path, max_trials=2, **kwargs):
    oracle = oracles.durable_oracle("RandomSearchOracle")(objective="val_accuracy", max_trials=max_trials, seed=1)
    oracle._set_project_dir(str(tmp_path), "tuner")
    hp = keras_tuner.HyperParameters()
    hp.Int("units", 1, 100)
    oracle.update_space(hp)
    return serving.Servicer(oracle, clock=Clock(), **kwargs)


def _create(servicer, tuner_id):
    return oracles.kt.Trial.from_proto(servicer.CreateTrial(messages.CreateTrialRequest(tuner_id=tuner_id), None).trial)


def _end(servicer, trial_id, score=0.5):
    servicer.UpdateTrial(messages.UpdateTrialRequest(trial_id=trial_id, metrics={"val_accuracy": score}), None)
    trial = oracles.kt.Trial.from_proto(servicer.oracle.get_trial(trial_id).to_proto())  # the worker's copy
    trial.status = Status.COMPLETED
    servicer.EndTrial(messages.EndTrialRequest(trial=trial.to_proto()), None)


def test_silent_names_a_worker_unheard_of_past_the_timeout(tmp_path):
    servicer = _servicer(tmp_path)
    _create(servicer, "a")
    servicer.clock.now += 4
    assert servicer.silent(5) == {}
    servicer.clock.now += 2
    assert servicer.silent(5) == {"a": 6}


def test_heartbeat_naming_the_trial_keeps_its_worker_alive(tmp_path):
    servicer = _servicer(tmp_path)
    trial = _create(servicer, "a")
    servicer.clock.now += 4
    servicer.GetTrial(messages.GetTrialRequest(trial_id=trial.trial_id), None)
    servicer.clock.now += 4
    assert servicer.silent(5) == {}


def test_a_silent_workers_trial_goes_to_the_next_worker_counted_as_rerun(tmp_path):
    servicer = _servicer(tmp_path)
    trial_id = _create(servicer, "a").trial_id
    servicer.oracle.release_silent("a", 61)
    assert servicer.oracle.ongoing_trials == {}
    assert _create(servicer, "b").trial_id == trial_id
    assert servicer.oracle.reruns() == {trial_id: 1}


def test_a_result_from_a_worker_given_up_on_is_ignored(tmp_path, capsys):
    servicer = _servicer(tmp_path)
    trial_id = _create(servicer, "a").trial_id
    servicer.oracle.release_silent("a", 61)
    _end(servicer, trial_id, score=0.9)  # worker a was only slow: its late result must not end the trial
    trial = servicer.oracle.get_trial(trial_id)
    assert trial.status != Status.COMPLETED and not trial.metrics.exists("val_accuracy")
    assert "given up on: ignored" in capsys.readouterr().out
    assert _create(servicer, "b").trial_id == trial_id  # still queued: it runs again


def test_a_restarted_worker_takes_its_trial_back_counted_as_rerun(tmp_path, capsys):
    servicer = _servicer(tmp_path)
    trial_id = _create(servicer, "a").trial_id
    assert _create(servicer, "a").trial_id == trial_id  # asked again without ending it: it restarted
    assert servicer.oracle.reruns() == {trial_id: 1}
    assert "Worker a restarted: it takes trial" in capsys.readouterr().out


def test_finished_once_the_budget_is_spent_and_every_trial_ended(tmp_path):
    ended = []
    servicer = _servicer(tmp_path, max_trials=1, on_trial_end=ended.append)
    trial_id = _create(servicer, "a").trial_id
    _create(servicer, "b")  # budget spent: b is told to stop, a still runs
    assert servicer.stop_triggered and not servicer.finished()
    _end(servicer, trial_id)
    assert [t.trial_id for t in ended] == [trial_id]
    assert not servicer.finished()  # a, heard of just now, has not been told to stop yet
    assert _create(servicer, "a").status == Status.STOPPED
    assert servicer.finished()


def test_finished_does_not_wait_for_a_worker_that_went_quiet(tmp_path):
    servicer = _servicer(tmp_path, max_trials=1)
    trial_id = _create(servicer, "a").trial_id
    _end(servicer, trial_id)
    _create(servicer, "b")
    servicer.clock.now += serving.DRAIN_S + 1  # a died between its trial's end and its next request
    assert servicer.finished()


def test_finished_waits_for_a_requeued_trial(tmp_path):
    servicer = _servicer(tmp_path, max_trials=1)
    _create(servicer, "a")
    _create(servicer, "b")
    servicer.oracle.release_silent("a", 61)
    servicer.clock.now += serving.DRAIN_S + 1
    assert not servicer.finished()


def test_halt_stops_handing_out_trials_and_releases_the_running_ones(tmp_path):
    servicer = _servicer(tmp_path, max_trials=5)
    trial_id = _create(servicer, "a").trial_id
    servicer.oracle.halt("3 trials failed in a row")
    assert _create(servicer, "b").status == Status.STOPPED
    assert servicer.oracle.ongoing_trials == {} and servicer.oracle.interruptions == {trial_id: 1}


def test_serve_refuses_an_address_it_cannot_listen_on(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        address = f"127.0.0.1:{taken.getsockname()[1]}"
        with pytest.raises(SearchError, match=f"cannot listen on {address}"):
            serving.serve(_servicer(tmp_path).oracle, address, worker_timeout=60)


def test_serve_stops_the_workers_and_raises_once_the_failure_budget_is_spent(tmp_path, monkeypatch):
    import concurrent.futures
    import socket

    import grpc

    from kt_rnn.search import tuners

    monkeypatch.setattr(serving, "DRAIN_S", 1.0)  # worker a, never told to stop, is not waited for long
    oracle = _servicer(tmp_path, max_trials=5).oracle
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        address = f"127.0.0.1:{s.getsockname()[1]}"

    def check_failures():
        if len(tuners.failure_streak(oracle)) >= 1:
            raise SearchError("1 trials failed in a row")

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        served = pool.submit(serving.serve, oracle, address, 60, check_failures=check_failures)
        _, service = serving.kt.service()
        with grpc.insecure_channel(address) as channel:
            stub = service.OracleStub(channel)
            proto = stub.CreateTrial(messages.CreateTrialRequest(tuner_id="a"), wait_for_ready=True, timeout=30).trial
            trial = oracles.kt.Trial.from_proto(proto)
            trial.status = Status.FAILED
            stub.EndTrial(messages.EndTrialRequest(trial=trial.to_proto()), timeout=30)
            told = stub.CreateTrial(messages.CreateTrialRequest(tuner_id="b"), timeout=30).trial
            assert oracles.kt.Trial.from_proto(told).status == Status.STOPPED
        with pytest.raises(SearchError, match="1 trials failed in a row"):
            served.result(timeout=60)
    assert oracle.halted


# One live process per worker id.


def test_admission_refuses_a_second_live_process_of_one_worker_id_naming_it():
    admission = serving.Admission(clock=Clock())
    assert admission.refusal("w", "first") is None
    admission.clock.now += serving.LIVE_S - 1
    assert admission.refusal("w", "second") == (
        "Worker w already runs in another live process (heard from 14 s ago).",
        14,
    )
    assert admission.refusal("v", "second") is None  # another id: another worker
    assert admission.refusal("w", "first") is None  # the first process goes on


def test_admission_lets_a_restarted_worker_in_once_its_old_process_is_silent_and_then_refuses_the_old_one():
    admission = serving.Admission(clock=Clock())
    admission.refusal("w", "old")
    admission.clock.now += serving.LIVE_S + 1  # the old process died (or stalled)
    assert admission.refusal("w", "new") is None
    admission.clock.now += 1
    assert "already runs in another live process" in admission.refusal("w", "old")[0]


# A restarted chief: each worker takes its own trial back.


def _restarted(tmp_path, keep_s=300.0):
    """A chief whose workers a and b ran trials when it died, loaded again from the same files."""
    servicer = _servicer(tmp_path, max_trials=3)
    trials = {worker: _create(servicer, worker).trial_id for worker in ("a", "b")}
    again = _servicer(tmp_path, max_trials=3)
    again.oracle.reload()
    again.oracle.keep_for_owners(keep_s)
    return again, trials


def test_a_restarted_chief_gives_each_worker_its_own_trial_and_others_a_new_one(tmp_path, capsys):
    servicer, trials = _restarted(tmp_path)
    assert _create(servicer, "a").trial_id == trials["a"]  # a is back first: its own, not the next queued (b's)
    assert _create(servicer, "c").trial_id not in trials.values()  # a newcomer: a new trial; b's waits for b
    assert _create(servicer, "b").trial_id == trials["b"]
    assert "Worker a takes its trial" in capsys.readouterr().out
    saved = json.loads(serving.kt.oracle_file(servicer.oracle).read_text())
    assert sorted(saved["ongoing_trials"].values()) == sorted([*trials.values(), "0002"])


def test_a_restarted_chief_keeps_queued_trials_on_disk_while_kept_for_their_workers(tmp_path):
    servicer, trials = _restarted(tmp_path)
    _create(servicer, "c")  # saved while a's and b's trials were out of c's reach
    saved = json.loads(serving.kt.oracle_file(servicer.oracle).read_text())
    assert sorted(saved["retry_queue"]) == sorted(trials.values())


def test_a_restarted_chief_tells_a_worker_to_wait_for_a_kept_trial_then_gives_it(tmp_path):
    servicer, trials = _restarted(tmp_path, keep_s=0.2)
    _end(servicer, _create(servicer, "c").trial_id)  # the last of the budget
    assert _create(servicer, "c").status == Status.IDLE  # not STOPPED: a and b's trials are left
    time.sleep(0.3)  # neither came back in time: any worker takes their trials
    assert {_create(servicer, "c").trial_id, _create(servicer, "d").trial_id} == set(trials.values())


def test_a_search_begun_alone_then_served_gives_its_running_trial_to_the_first_worker(tmp_path):
    alone = _servicer(tmp_path, max_trials=3)
    trial_id = _create(alone, oracles.kt.DEFAULT_TUNER_ID).trial_id  # the one process's tuner, killed
    chief = _servicer(tmp_path, max_trials=3)
    chief.oracle.reload()
    chief.oracle.keep_for_owners(300.0)
    assert _create(chief, "a").trial_id == trial_id  # not kept for a tuner that never comes back
