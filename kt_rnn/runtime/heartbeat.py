"""A worker's side of a distributed search: wait for the chief, keep telling it we live, notice it is gone.

KerasTuner's workers call the chief with a one-hour deadline and say nothing
while they train, so a worker whose chief died hangs for an hour or more, and
the chief cannot tell a dead worker from a slow one. Here a worker first waits
a bounded time for its chief (`connect`); then a `Heartbeat` thread names the
worker's trial to the chief every `HEARTBEAT_S` seconds (the chief re-queues
the trial of a worker it stops hearing from), and when the chief has not
answered for `chief_timeout` seconds it stops the worker like a SIGTERM would
(its trial's state saved), so the worker exits with a message in bounded time.
Every call names the worker and its process (`channel`), so the chief refuses a
second live process under one `--worker-id` (`DuplicateWorker`, exit 2).
"""

import collections
import os
import signal
import sys
import threading
import time
import types
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, NamedTuple

import grpc

from kt_rnn.errors import EXIT_USAGE, SearchError, UsageError
from kt_rnn.runtime.roles import HEARD_KEY, HEARTBEAT_S, INSTANCE_KEY, LIVE_S, WORKER_KEY, Role
from kt_rnn.state import kerastuner as kt
from kt_rnn.state import stopping

if TYPE_CHECKING:
    from keras_tuner.src.distribute.oracle_client import OracleClient

IDLE_WAIT_S = 1.0  # a worker's pause when the chief has no trial for it yet (Hyperband between rounds)
CONNECT_S = 600.0  # a worker's wait for its chief to start (it loads the data first: minutes for large sets)
# The chief did not answer; any other error is an answer (the chief lives).
SILENCE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)
# The chief's answer to a process calling under the id of another live one (`kt_rnn.runtime.serving.Admission`).
TAKEN = grpc.StatusCode.ALREADY_EXISTS
LATENCY_S = 0.5  # a call's way to the chief and back, at most (a margin when comparing our clock with its)
INSTANCE = uuid.uuid4().hex  # this process's token: tells it from another process under the same worker id


class ChiefGone(SearchError):
    """The chief of a distributed search stopped answering."""


class DuplicateWorker(UsageError):
    """Another live process runs under this worker's `--worker-id`."""


def duplicate(role: Role, refusal: str) -> DuplicateWorker:
    """The error of a worker the chief refused (`refusal`: the chief's words) because its id is taken."""
    return DuplicateWorker(
        f"{refusal} Give this worker its own --worker-id, or stop that process first (a worker restarted "
        f"under its id is let in once its previous process has been silent for {LIVE_S:g} s)."
    )


class _Details(
    collections.namedtuple(
        "_Details", ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression")
    ),
    grpc.ClientCallDetails,
):
    """A call's details with other metadata (gRPC's own class is private)."""


class _Named(grpc.UnaryUnaryClientInterceptor):  # type: ignore[misc]
    """Adds the worker's id and this process's token to every call's metadata."""

    def __init__(self, worker_id: str, instance: str) -> None:
        self.metadata = ((WORKER_KEY, worker_id), (INSTANCE_KEY, instance))

    def intercept_unary_unary(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        metadata = (*(details.metadata or ()), *self.metadata)
        named = _Details(
            details.method, details.timeout, metadata, details.credentials, details.wait_for_ready, details.compression
        )
        return continuation(named, request)


def channel(role: Role, instance: str = INSTANCE) -> grpc.Channel:
    """A channel to the chief whose every call names this worker (`role.worker_id`) and process (`instance`)."""
    return grpc.intercept_channel(grpc.insecure_channel(role.address), _Named(role.worker_id or "", instance))


def connect(role: Role, timeout: float = CONNECT_S, patience: float = LIVE_S + HEARTBEAT_S) -> None:
    """Waits up to `timeout` seconds for the chief at `role.address`; raises `ChiefGone` if none answers.

    While the chief says another live process runs under this worker's id, waits up to `patience`
    seconds for it to fall silent (a restarted worker's previous process, just killed), then raises
    `DuplicateWorker`. Then sets how long each of KerasTuner's calls to the chief waits: `role.chief_timeout`.
    """
    print(f"Waiting for the chief at {role.address} (up to {timeout:.0f} s)...")
    messages, service = kt.service()
    first_refused = None
    with channel(role) as to_chief:
        stub = service.OracleStub(to_chief)
        while (refused := _ask(stub, messages, role, timeout)) is not None:
            first_refused = _wait_for_the_id(role, refused, first_refused, patience)
    kt.set_client_timeout(role.chief_timeout)


class Refused(NamedTuple):
    """The chief's refusal of this process: its words, and how long ago it heard from the id's holder."""

    message: str
    heard_s: float


def _ask(stub: Any, messages: types.ModuleType, role: Role, timeout: float) -> Refused | None:
    """None once the chief answers; its refusal while another live process has this worker's id;
    `ChiefGone` when no chief answers within `timeout` seconds."""
    try:
        stub.GetSpace(messages.GetSpaceRequest(), wait_for_ready=True, timeout=timeout)
    except grpc.RpcError as e:
        if e.code() == TAKEN:
            return Refused(e.details(), float(dict(e.trailing_metadata() or ()).get(HEARD_KEY, 0.0)))
        if e.code() not in SILENCE:
            raise
        raise ChiefGone(
            f"No chief answered at {role.address} within {timeout:.0f} s. Start it first "
            f"(the same command with --role chief --oracle {role.address}), or check the "
            "address, the port and the firewall."
        ) from None
    return None


def _wait_for_the_id(role: Role, refused: Refused, first_refused: float | None, patience: float) -> float:
    """Waits a moment before asking again; `DuplicateWorker` once the chief heard from the id's holder
    after this process was first refused (it lives), or after `patience` seconds of refusals."""
    now = time.monotonic()
    if first_refused is None:
        print(f"{refused.message} Waiting up to {patience:.0f} s for it to fall silent (a restart's old process).")
        first_refused = now
    elif refused.heard_s < now - first_refused - LATENCY_S or now - first_refused > patience:
        raise duplicate(role, refused.message)
    time.sleep(IDLE_WAIT_S)
    return first_refused


def named(client: "OracleClient", role: Role) -> "OracleClient":
    """Makes a worker's oracle client name this worker and process in every call (KerasTuner's calls do not)."""
    kt.set_client_channel(client, channel(role))
    return client


def paced(oracle: "OracleClient") -> "OracleClient":
    """Makes a worker's oracle client pause `IDLE_WAIT_S` when the chief answers IDLE (Hyperband waits
    for a round's trials to end), where KerasTuner's search loop would ask again at once, in a busy loop."""
    ask = oracle.create_trial

    def create_trial(tuner_id: str) -> kt.Trial:
        trial = ask(tuner_id)
        if trial.status == kt.TrialStatus.IDLE:
            time.sleep(IDLE_WAIT_S)
        return trial

    oracle.create_trial = create_trial
    return oracle


def gone_message(role: Role) -> str:
    return (
        f"The chief at {role.address} has not answered for {role.chief_timeout:g} s: this worker stops. "
        "Its trial's state is saved; once the chief runs again, start this worker with the same command "
        "and --worker-id to take the trial back."
    )


class Heartbeat(threading.Thread):
    """Pings the chief every `interval` seconds, naming `trial_id()`; stops the worker when it is gone.

    Args:
        role: the worker's `Role` (the chief's address, `chief_timeout`).
        trial_id: returns the id of the trial this worker runs, or `None` between trials.
        interval: seconds between heartbeats (default `HEARTBEAT_S`).
        clock: returns seconds (default `time.monotonic`).
        leave: ends the process with an exit code (default `os._exit`), when the chief says another
            process took this worker's id over (this one was silent too long): at once, writing nothing,
            since the other process now resumes this worker's trial from the same files.
    """

    def __init__(
        self,
        role: Role,
        trial_id: Callable[[], str | None],
        interval: float = HEARTBEAT_S,
        clock: Callable[[], float] = time.monotonic,
        leave: Callable[[int], object] = os._exit,
    ) -> None:
        super().__init__(name="kt_rnn-heartbeat", daemon=True)
        self.role, self.trial_id, self.interval, self.clock, self.leave = role, trial_id, interval, clock, leave
        self.gone = False
        self._done = threading.Event()
        self._sigint: stopping.Handler = None  # SIGINT's handler before `__enter__`, where it had to be replaced

    def __enter__(self) -> "Heartbeat":
        # A worker started in the background (`nohup ... &`, a batch script) has SIGINT ignored; without
        # kt_rnn's SIGTERM handler (the Python API), the stop below would then be lost and the worker
        # hang. Python's own Ctrl-C handler stands in while the heartbeat runs (only the main thread may set it).
        if self._stop_signal() is None and threading.current_thread() is threading.main_thread():
            self._sigint = signal.signal(signal.SIGINT, signal.default_int_handler)
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._done.set()
        if self._sigint is not None:
            signal.signal(signal.SIGINT, self._sigint)

    def run(self) -> None:
        messages, service = kt.service()
        with channel(self.role) as to_chief:
            stub = service.OracleStub(to_chief)
            answered = self.clock()
            while not self._done.wait(self.interval):
                if self.beat(stub, messages):
                    answered = self.clock()
                elif self.clock() - answered > self.role.chief_timeout:
                    return self._give_up()

    def beat(self, stub: Any, messages: types.ModuleType) -> bool:
        """One heartbeat; True when the chief answered (an error it returns is an answer too)."""
        trial_id = self.trial_id()
        try:
            if trial_id is None:
                stub.GetSpace(messages.GetSpaceRequest(), timeout=self.interval)
            else:
                stub.GetTrial(messages.GetTrialRequest(trial_id=trial_id), timeout=self.interval)
        except grpc.RpcError as e:
            if e.code() == TAKEN:
                self._taken_over(e.details())
            return e.code() not in SILENCE
        return True

    def _taken_over(self, refusal: str) -> None:
        print(
            f"{refusal} This process was silent too long and another one took its --worker-id and trial "
            "over: it stops now, writing nothing.",
            file=sys.stderr,
            flush=True,
        )
        self._done.set()
        self.leave(EXIT_USAGE)

    def _give_up(self):
        self.gone = True
        print(gone_message(self.role), flush=True)
        # A real signal, not `_thread.interrupt_main`: it also wakes a main thread blocked in a call.
        signal.pthread_kill(threading.main_thread().ident, self._stop_signal() or signal.SIGINT)

    @staticmethod
    def _stop_signal() -> signal.Signals | None:
        """The signal that stops the search here, or None when no Python handler would raise on it.

        With kt_rnn's handler (the command line), SIGTERM: the trial saves its state and ends
        (kt_rnn.state.stopping). Without it (the Python API), SIGINT: Python's handler raises
        `KeyboardInterrupt`.
        """
        if stopping.installed():
            return signal.SIGTERM
        return signal.SIGINT if callable(signal.getsignal(signal.SIGINT)) else None
