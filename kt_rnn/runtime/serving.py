"""The chief of a distributed search: KerasTuner's oracle service, with the guards it lacks.

KerasTuner's chief (`oracle_chief.start_server`) serves the oracle over gRPC and
returns once every trial marked running has ended and every worker that ever
asked for a trial has been told to stop. A worker that dies therefore keeps its
trial RUNNING and the chief up forever, and a failing search never stops. Here
the same servicer is served with three guards:

- workers send a heartbeat (`kt_rnn.runtime.heartbeat`); the trial of a worker
  silent for `worker_timeout` seconds is re-queued for the next worker that asks
  (counted as a crash, so a trial that kills every worker fails at `--max-crashes`);
- the chief returns once the budget is spent and every trial has ended; a worker
  not heard of for `DRAIN_S` is not waited for (a live one asks every few seconds);
- the failure budget: after `max_failures` failed trials in a row no trial is
  handed out, the running ones are released to resume, and `serve` raises;
- one live process per worker id (`Admission`): each call of a kt_rnn worker names
  its id and its process; a second process under the id of one heard from within
  `LIVE_S` is refused, so two processes never write one trial's files;
- a restarted chief keeps each trial that was running for the worker that ran it
  (`DurableOracle.keep_for_owners`), so restarted workers take their own trials back.

Results from a worker whose trial was re-queued meanwhile are ignored (the trial
runs again), so one trial never ends twice.
"""

import concurrent.futures
import functools
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import grpc

from kt_rnn.errors import SearchError
from kt_rnn.runtime.roles import HEARD_KEY, HEARTBEAT_S, INSTANCE_KEY, LIVE_S, WORKER_KEY
from kt_rnn.state import kerastuner as kt

if TYPE_CHECKING:
    from kt_rnn.state.oracles import DurableOracle

DRAIN_S = 3 * HEARTBEAT_S  # after the budget, how long the chief waits for a silent worker to ask again
KEEP_S = 300.0  # a restarted chief keeps each running trial this long for its worker (restarted by hand)
POLL_S = 0.5
_messages, _grpc = kt.service()


class Servicer(kt.oracle_servicer()):  # type: ignore[misc]  # KerasTuner's class, imported on use
    """KerasTuner's `OracleServicer`, noting when each worker was last heard from.

    Args:
        oracle: the search's `DurableOracle`.
        on_trial_end: called with each ended trial (the dashboard's best score, the progress line).
        check_failures: called after each ended trial; raises `SearchError` when the failure
            budget is spent, which halts the oracle (no trial is handed out any more).
        clock: returns seconds (default `time.monotonic`).
    """

    def __init__(
        self,
        oracle: "DurableOracle",
        on_trial_end: Callable[[kt.Trial], object] | None = None,
        check_failures: Callable[[], object] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__(oracle)
        self.on_trial_end = on_trial_end
        self.check_failures = check_failures
        self.clock = clock
        self.heard: dict[str, float] = {}  # tuner id -> when it last called
        self.failure: SearchError | None = None  # the SearchError that halted the search

    def _note(self, tuner_id):
        self.heard[tuner_id] = self.clock()

    def _holder(self, trial_id: str) -> str | None:
        """The tuner id running `trial_id`, or `None` when no worker runs it (re-queued, ended)."""
        return next((t for t, trial in list(self.oracle.ongoing_trials.items()) if trial.trial_id == trial_id), None)

    def CreateTrial(self, request: Any, context: "grpc.ServicerContext") -> Any:
        self._note(request.tuner_id)
        response = super().CreateTrial(request, context)
        if request.tuner_id in self.oracle.ongoing_trials:
            print(f"Trial {response.trial.trial_id} runs on worker {request.tuner_id}.")
        return response

    def GetTrial(self, request: Any, context: "grpc.ServicerContext") -> Any:  # a worker's heartbeat names its trial
        holder = self._holder(request.trial_id)
        if holder is not None:
            self._note(holder)
        return super().GetTrial(request, context)

    def UpdateTrial(self, request: Any, context: "grpc.ServicerContext") -> Any:
        if self._holder(request.trial_id) is None:
            return _messages.UpdateTrialResponse(trial=self.oracle.get_trial(request.trial_id).to_proto())
        self._note(self._holder(request.trial_id))
        return super().UpdateTrial(request, context)

    def EndTrial(self, request: Any, context: "grpc.ServicerContext") -> Any:
        trial_id = request.trial.trial_id
        if self._holder(trial_id) is None:
            print(
                f"Trial {trial_id}'s result came from a worker the chief had given up on: ignored (the trial "
                "runs again)."
            )
            return _messages.EndTrialResponse()
        self._note(self._holder(trial_id))
        response = super().EndTrial(request, context)
        if self.on_trial_end is not None:
            self.on_trial_end(self.oracle.get_trial(trial_id))
        self._check_failures()
        return response

    def _check_failures(self) -> None:
        # Here, before any worker can ask for another trial; a restarted chief counts from its first end.
        try:
            if self.check_failures is not None:
                self.check_failures()
        except SearchError as e:
            self.failure = e
            self.oracle.halt(str(e))

    def silent(self, timeout: float) -> dict[str, float]:
        """`{tuner id: seconds}` of the workers running a trial and unheard of for more than `timeout`."""
        now = self.clock()
        ages = {t: now - self.heard.get(t, now) for t in list(self.oracle.ongoing_trials)}
        return {t: age for t, age in ages.items() if age > timeout}

    def finished(self) -> bool:
        """True once the budget is spent (a worker was told to stop) and every trial has ended,
        and no worker heard of within `DRAIN_S` still waits to be told to stop."""
        if not self.stop_triggered or self.oracle.ongoing_trials or kt.retry_queue(self.oracle):
            return False
        return not self.waiting()

    def waiting(self) -> list[str]:
        """Workers heard of within `DRAIN_S` that have not been told to stop yet."""
        now = self.clock()
        return [t for t in list(self.oracle.tuner_ids) if now - self.heard.get(t, -float("inf")) < DRAIN_S]


class Admission(grpc.ServerInterceptor):  # type: ignore[misc]
    """Lets one live process call under each worker id: a call from another process under the id of
    one heard from within `live` seconds is refused with `ALREADY_EXISTS`, naming the id.

    A process silent that long is taken for dead (a restarted worker's old process): the newcomer is
    let in, and the old one, should it call again, is refused in its turn. Calls without kt_rnn's
    metadata (a plain KerasTuner worker) pass unchecked.

    Args:
        live: seconds, defaults to `LIVE_S` (three heartbeats).
        clock: returns seconds (default `time.monotonic`).
    """

    def __init__(self, live: float = LIVE_S, clock: Callable[[], float] = time.monotonic) -> None:
        self.live, self.clock = live, clock
        self.processes: dict[str, tuple[str, float]] = {}  # worker id -> (its process's token, when it last called)
        self._lock = threading.Lock()

    def refusal(self, worker_id: str, instance: str) -> tuple[str, float] | None:
        """Why a call from process `instance` of worker `worker_id` is refused, and how many seconds
        ago the process holding the id was heard from; None when it is let in (then noted)."""
        with self._lock:
            now = self.clock()
            current, heard = self.processes.get(worker_id, (instance, now))
            age = now - heard
            if current != instance and age < self.live:
                return f"Worker {worker_id} already runs in another live process (heard from {age:.0f} s ago).", age
            self.processes[worker_id] = (instance, now)
            return None

    def intercept_service(self, continuation: Callable[[Any], Any], details: Any) -> Any:
        metadata = dict(details.invocation_metadata or ())
        if WORKER_KEY not in metadata or INSTANCE_KEY not in metadata:
            return continuation(details)
        refusal = self.refusal(metadata[WORKER_KEY], metadata[INSTANCE_KEY])
        if refusal is None:
            return continuation(details)
        return grpc.unary_unary_rpc_method_handler(functools.partial(_refuse, *refusal))


def _refuse(message: str, heard_s: float, request: Any, context: "grpc.ServicerContext") -> None:
    context.set_trailing_metadata(((HEARD_KEY, f"{heard_s:.3f}"),))
    context.abort(grpc.StatusCode.ALREADY_EXISTS, message)


def serve(
    oracle: "DurableOracle",
    address: str,
    worker_timeout: float,
    on_trial_end: Callable[[kt.Trial], object] | None = None,
    check_failures: Callable[[], object] | None = None,
) -> None:
    """Serves `oracle` to the workers at `address` until the search is done.

    Args:
        oracle: the search's `DurableOracle`.
        address: `HOST:PORT` to listen on.
        worker_timeout: seconds of silence after which a worker's trial is re-queued.
        on_trial_end: called with each trial a worker ends.
        check_failures: called after each ended trial; raises `SearchError` when the failure budget is spent.

    Raises:
        SearchError: the address cannot be served on, or the failure budget is spent (the
            workers that ask are told to stop first).
    """
    servicer = Servicer(oracle, on_trial_end, check_failures)
    oracle.keep_for_owners(KEEP_S)
    server = _grpc_server(servicer, address)
    try:
        while not servicer.finished():
            time.sleep(POLL_S)
            for tuner_id, age in servicer.silent(worker_timeout).items():
                oracle.release_silent(tuner_id, age)
            if servicer.failure is not None:
                _drain(servicer)
                raise servicer.failure
    finally:
        server.stop(grace=None)


def _grpc_server(servicer: Servicer, address: str, admission: Admission | None = None) -> "grpc.Server":
    # KerasTuner serves on one thread; a heartbeat must not queue behind a slow oracle call, and
    # the oracle's own lock (`synchronized`) keeps its calls one at a time.
    interceptors = [admission or Admission()]
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=8), interceptors=interceptors)
    _grpc.add_OracleServicer_to_server(servicer, server)
    try:
        bound = server.add_insecure_port(address)
    except RuntimeError:
        bound = 0
    if not bound:
        raise SearchError(
            f"The chief cannot listen on {address}: the port is in use or the address is not "
            "this machine's. Choose another --oracle HOST:PORT (0.0.0.0:PORT listens everywhere)."
        )
    server.start()
    return server


def _drain(servicer: Servicer) -> None:
    """Answers the workers still asking (they are told to stop) for a while before the chief leaves."""
    deadline = time.monotonic() + DRAIN_S
    while time.monotonic() < deadline and servicer.waiting():
        time.sleep(POLL_S)
