"""A worker's watch on its chief: a bounded wait to connect, heartbeats, a bounded stop once the chief is gone."""

import signal
import socket
import time

import pytest

from kt_rnn.runtime import heartbeat, roles, serving
from kt_rnn.state import oracles


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _role(port, chief_timeout=60.0):
    return roles.Role(roles.WORKER, "127.0.0.1", port, "a", chief_timeout=chief_timeout)


def test_connect_without_a_chief_fails_in_bounded_time_naming_the_fix():
    port = _free_port()
    started = time.monotonic()
    with pytest.raises(heartbeat.ChiefGone, match=f"No chief answered at 127.0.0.1:{port} within 1 s.*--role chief"):
        heartbeat.connect(_role(port), timeout=1)
    assert time.monotonic() - started < 10


def test_beat_is_answered_by_a_live_chief_and_not_by_a_dead_one(tmp_path):
    import keras_tuner

    oracle = oracles.durable_oracle("RandomSearchOracle")(objective="val_accuracy", max_trials=1, seed=1)
    oracle._set_project_dir(str(tmp_path), "tuner")
    oracle.update_space(keras_tuner.HyperParameters())
    port = _free_port()
    server = serving._grpc_server(serving.Servicer(oracle), f"127.0.0.1:{port}")
    messages, service = serving.kt.service()
    beat = heartbeat.Heartbeat(_role(port), lambda: None, interval=2)
    import grpc

    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        assert beat.beat(service.OracleStub(channel), messages)
        beat.trial_id = lambda: "no-such-trial"  # the chief answers with an error: it is alive
        assert beat.beat(service.OracleStub(channel), messages)
        server.stop(grace=None)
        assert not beat.beat(service.OracleStub(channel), messages)


def test_heartbeat_stops_the_worker_once_the_chief_is_silent_past_its_timeout(capsys):
    role = _role(_free_port(), chief_timeout=0.3)
    started = time.monotonic()
    with pytest.raises(KeyboardInterrupt):  # no kt_rnn signal handler here: stopped as by Ctrl-C
        with heartbeat.Heartbeat(role, lambda: "3", interval=0.05) as beat:
            time.sleep(20)
    assert beat.gone and time.monotonic() - started < 10
    assert "has not answered for 0.3 s: this worker stops" in capsys.readouterr().out


def test_heartbeat_stops_a_worker_started_with_sigint_ignored(capsys):
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)  # as `nohup ... &` from a script starts it
    try:
        with pytest.raises(KeyboardInterrupt):
            with heartbeat.Heartbeat(_role(_free_port(), chief_timeout=0.3), lambda: "3", interval=0.05) as beat:
                time.sleep(20)
        assert beat.gone and signal.getsignal(signal.SIGINT) is signal.SIG_IGN  # the user's setting is back
    finally:
        signal.signal(signal.SIGINT, previous)


def test_paced_pauses_when_the_chief_has_no_trial_yet(monkeypatch):
    from kt_rnn.state import kerastuner as kt

    answers = [kt.TrialStatus.IDLE, kt.TrialStatus.RUNNING]
    client = type("Client", (), {"create_trial": lambda self, tuner_id: kt.Trial(None, status=answers.pop(0))})()
    pauses = []
    monkeypatch.setattr(heartbeat.time, "sleep", pauses.append)
    heartbeat.paced(client)
    assert client.create_trial("a").status == kt.TrialStatus.IDLE and pauses == [heartbeat.IDLE_WAIT_S]
    assert client.create_trial("a").status == kt.TrialStatus.RUNNING and pauses == [heartbeat.IDLE_WAIT_S]


def _chief(tmp_path, live=serving.LIVE_S):
    """A chief's gRPC server on a free port, its admission of worker processes `live` seconds."""
    import keras_tuner

    oracle = oracles.durable_oracle("RandomSearchOracle")(objective="val_accuracy", max_trials=1, seed=1)
    oracle._set_project_dir(str(tmp_path), "tuner")
    oracle.update_space(keras_tuner.HyperParameters())
    port = _free_port()
    server = serving._grpc_server(serving.Servicer(oracle), f"127.0.0.1:{port}", serving.Admission(live))
    return server, port


def _call_as(role, instance):
    """One call to the chief from process `instance` of worker `role.worker_id`."""
    messages, service = serving.kt.service()
    with heartbeat.channel(role, instance) as channel:
        service.OracleStub(channel).GetSpace(messages.GetSpaceRequest(), timeout=10)


def test_connect_refuses_a_second_live_process_of_a_worker_id_as_soon_as_the_first_is_heard_again(tmp_path):
    import threading

    server, port = _chief(tmp_path)
    stop = threading.Event()

    def live_worker():  # worker a runs already, and beats
        while not stop.wait(0.3):
            _call_as(_role(port), "another process")

    _call_as(_role(port), "another process")
    beating = threading.Thread(target=live_worker)
    beating.start()
    started = time.monotonic()
    try:
        with pytest.raises(
            heartbeat.DuplicateWorker, match="Worker a already runs in another live process.*--worker-id"
        ):
            heartbeat.connect(_role(port), timeout=10, patience=60)
    finally:
        stop.set()
        beating.join()
        server.stop(grace=None)
    assert time.monotonic() - started < 10  # not the whole patience: the other process was heard since
    assert heartbeat.DuplicateWorker.exit_code == 2


def test_connect_lets_a_restarted_worker_in_once_its_old_process_falls_silent(tmp_path, capsys):
    server, port = _chief(tmp_path, live=1.0)
    try:
        _call_as(_role(port), "the process before the restart")
        heartbeat.connect(_role(port), timeout=10, patience=5)
    finally:
        server.stop(grace=None)
    assert "Waiting up to 5 s for it to fall silent" in capsys.readouterr().out


def test_heartbeat_leaves_at_once_when_another_process_took_its_worker_id_over(tmp_path, capsys):
    server, port = _chief(tmp_path, live=0.2)
    left = []
    try:
        beat = heartbeat.Heartbeat(_role(port), lambda: None, interval=0.05, leave=left.append)
        messages, service = serving.kt.service()
        with heartbeat.channel(_role(port)) as channel:
            assert beat.beat(service.OracleStub(channel), messages)  # this process, heard from
            time.sleep(0.3)  # ... then silent too long (stalled): a new process takes the id
            _call_as(_role(port), "the newcomer")
            beat.beat(service.OracleStub(channel), messages)
    finally:
        server.stop(grace=None)
    assert left == [2]
    assert "took its --worker-id and trial over: it stops now, writing nothing" in capsys.readouterr().err
