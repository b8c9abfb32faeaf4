"""KerasTuner oracles whose state survives kills, crash loops and torn files.

KerasTuner 1.4.8 writes `oracle.json` and `trial.json` in place, re-queues a
trial whose process died without counting the death (so a trial that kills its
process is picked first at every restart, forever), and raises before saving
when too many trials fail. `DurableOracle` writes every state file atomically
with a kept previous copy, counts deaths and fails a trial after
`max_crashes` of them, reconciles state files that disagree after a kill, and
leaves the failure budget to the tuner (after the state is saved).
"""

import contextlib
import decimal
import functools
import json
import math
import os
import statistics
import time
import warnings
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import keras_tuner

from kt_rnn.state import durable, faults
from kt_rnn.state import kerastuner as kt

Status = kt.TrialStatus
ENDED = (Status.COMPLETED, Status.FAILED)

if TYPE_CHECKING:
    from keras_tuner import Oracle as _Oracle  # what the mixin goes before (Any to mypy): its attributes, `super()`
else:
    _Oracle = object


class DurableOracle(_Oracle):
    """Mixin for a KerasTuner `Oracle`: durable state and a crash-loop guard.

    Args:
        max_crashes: int, defaults to 3. A trial whose process died this many
            times while running it is marked FAILED.
        **kwargs: passed to the KerasTuner oracle.
    """

    ongoing_trials: dict[str, kt.Trial]  # KerasTuner's: tuner id -> the trial it runs

    def __init__(self, *args: Any, max_crashes: int = 3, **kwargs: Any) -> None:
        kwargs.update(max_retries_per_trial=0, max_consecutive_failed_trials=None)
        super().__init__(*args, **kwargs)
        self.max_crashes = max_crashes
        self.crashes: dict[str, int] = {}  # trial id -> runs ended by the process dying
        self.interruptions: dict[str, int] = {}  # trial id -> runs stopped cleanly (SIGTERM, Ctrl-C)
        # The search's identity (search.json), kept here too: as durable as the oracle.
        self.identity: dict[str, Any] | None = None
        self.halted: str | None = None  # why no trial is handed out any more (a distributed search's failure budget)
        self.deadline: float | None = None  # `time.time()` by which the search ends (--time-limit), None: no limit
        self.trial_seconds: list[float] = []  # how long each trial ended in this run took, handing out to end
        self._handed_out: dict[str, float] = {}  # trial id -> when this run handed it out
        self._told = False  # the time limit's message is printed once
        # A restarted chief's: trial id -> the worker that was running it, kept for it (`keep_for_owners`).
        self.owners: dict[str, str] = {}
        self._keep_s = 0.0
        self._kept_until: float | None = None  # `time.monotonic()`; counted from the first request
        self._hidden: list[str] = []  # queued trials kept from the worker now asking (still saved as queued)

    def get_state(self) -> dict[str, Any]:
        state = super().get_state()
        state["retry_queue"] = [*self._hidden, *state["retry_queue"]]
        state["kt_rnn"] = {"crashes": self.crashes, "interruptions": self.interruptions, "identity": self.identity}
        return state

    def set_state(self, state: dict[str, Any]) -> None:
        super().set_state(state)
        extra = state.get("kt_rnn", {})
        self.crashes = dict(extra.get("crashes", {}))
        self.interruptions = dict(extra.get("interruptions", {}))
        self.identity = extra.get("identity")

    def populate_space(self, trial_id: str) -> dict[str, Any]:
        """The oracle's next values, floats with a step rounded to it (0.3, not 0.30000000000000004).

        A Bayesian oracle given no `num_initial_points` gets `initial_points` of its space.
        """
        if getattr(self, "num_initial_points", 0) is None:  # a Bayesian oracle, none given
            self.num_initial_points = initial_points(self.hyperparameters)
        if faults.armed("oracle-fit"):  # the kill tests only
            faults.before(kt.gaussian_process(self), "fit", "oracle-fit")
        with warnings.catch_warnings():  # scikit-learn's words on a length scale at its bound: not the user's to act on
            warnings.filterwarnings("ignore", message=".*length_scale is close to the specified")
            result = super().populate_space(trial_id)
        if result.get("values"):
            result["values"] = rounded_to_steps(self.hyperparameters, result["values"])
        return result

    @kt.synchronized
    def create_trial(self, tuner_id: str) -> kt.Trial:
        """KerasTuner's next trial for `tuner_id`, counting a worker that comes back for its own trial.

        Trial ids have `kt.TRIAL_ID_WIDTH` digits for every tuner (KerasTuner's depend on `max_trials`).

        A tuner asks for a trial only after ending its last one, so a worker whose trial is still
        running here was restarted: its trial resumes, counted as re-run (and failed at `max_crashes`).
        """
        if self.halted:
            self.tuner_ids.discard(tuner_id)
            return kt.Trial(self.hyperparameters.copy(), status=Status.STOPPED)
        taken_back = self.ongoing_trials.pop(tuner_id, None)
        if taken_back is not None:
            print(f"Worker {tuner_id} restarted: it takes trial {taken_back.trial_id} back.")
            self._crashed(taken_back.trial_id)
        if self.out_of_time():
            return kt.Trial(self.hyperparameters.copy(), status=Status.STOPPED)
        kept = self._kept_for_others(tuner_id)
        with kt.padded_trial_ids(self), self._own_first(tuner_id, kept):  # "0003" whatever the tuner
            trial = super().create_trial(tuner_id)
        if trial.status == Status.STOPPED and kept:  # the budget is spent, but a trial waits for its worker
            self.tuner_ids.add(tuner_id)
            return kt.Trial(self.hyperparameters.copy(), status=Status.IDLE)
        if self.owners.pop(trial.trial_id, None) == tuner_id:
            print(f"Worker {tuner_id} takes its trial {trial.trial_id} back.")
        self._handed_out[trial.trial_id] = time.time()
        return trial

    def keep_for_owners(self, seconds: float) -> None:
        """Keeps each trial that was running when this (restarted) chief loaded the search for the worker
        that ran it, for `seconds` after the first worker asks; meanwhile other workers get other trials."""
        self._keep_s = seconds

    def _kept_for_others(self, tuner_id: str) -> list[str]:
        """The queued trials kept for workers other than `tuner_id`."""
        if not self.owners or self._keep_s <= 0:
            return []
        now = time.monotonic()
        self._kept_until = self._kept_until or now + self._keep_s
        if now >= self._kept_until:
            self.owners = {}
        return [i for i in kt.retry_queue(self) if self.owners.get(i, tuner_id) != tuner_id]

    @contextlib.contextmanager
    def _own_first(self, tuner_id: str, kept: list[str]) -> Iterator[None]:
        """Queues `tuner_id`'s own trial where KerasTuner takes the next from (the end), `kept` out of reach."""
        queue = [i for i in kt.retry_queue(self) if i not in kept]
        own = [i for i in queue if self.owners.get(i) == tuner_id]
        self._hidden = kept
        kt.set_retry_queue(self, [*(i for i in queue if i not in own), *own])
        try:
            yield
        finally:
            self._hidden = []
            kt.set_retry_queue(self, [*kept, *kt.retry_queue(self)])

    @kt.synchronized
    def end_trial(self, trial: kt.Trial) -> None:
        super().end_trial(trial)
        handed_out = self._handed_out.pop(trial.trial_id, None)
        if handed_out is not None:
            self.trial_seconds.append(time.time() - handed_out)

    def out_of_time(self) -> bool:
        """True when the time left before `deadline` cannot hold a trial: the median of this run's
        trials (none timed yet: only a deadline already passed stops the search)."""
        if self.deadline is None:
            return False
        left = self.deadline - time.time()
        needed = statistics.median(self.trial_seconds) if self.trial_seconds else 0.0
        if left > needed:
            return False
        if not self._told:
            self._told = True
            print(
                f"Time limit: {max(left, 0):.0f} s left, less than a trial takes here ({needed:.0f} s, the "
                "median of this run's trials): no further trial starts."
            )
        return True

    @kt.synchronized
    def release_silent(self, tuner_id: str, silent_s: float) -> None:
        """Re-queues the trial of worker `tuner_id`, unheard of for `silent_s` seconds (counted as a crash)."""
        trial = self.ongoing_trials.pop(tuner_id, None)
        if trial is None:
            return
        print(
            f"Worker {tuner_id} has been silent for {silent_s:.0f} s: its trial {trial.trial_id} goes back "
            "to the queue for the next worker that asks."
        )
        self._crashed(trial.trial_id)
        self.save()

    @kt.synchronized
    def halt(self, reason: str) -> None:
        """Hands out no more trials (workers that ask are told to stop); running ones resume next time."""
        self.halted = reason
        self.release_ongoing()

    def save(self) -> None:
        durable.write_json(kt.oracle_file(self), self.get_state(), fault="state")

    def _save_trial(self, trial):
        durable.write_json(self._trial_file(trial.trial_id), trial.get_state())

    def _trial_file(self, trial_id):
        return kt.trial_dir(self, trial_id) / kt.TRIAL_FILE

    def reload(self) -> None:
        """Loads trials and oracle state (previous copies where torn), then reconciles them."""
        unreadable = {}  # trial id -> why its trial file is gone
        for path in sorted(kt.project_dir(self).glob(f"{kt.TRIAL_DIR_PREFIX}*/")):
            state, why = _read_trial_file(path / kt.TRIAL_FILE)
            if state is None:
                unreadable[path.name[len(kt.TRIAL_DIR_PREFIX) :]] = why
                continue
            self.trials[state["trial_id"]] = kt.Trial.from_state(state)
        state = self._read_state()
        for trial_id in lost_ids(state, self.trials):
            self._record_lost(trial_id, unreadable.pop(trial_id, VANISHED))
        for trial_id, why in unreadable.items():  # a directory the oracle state never named
            self._record_lost(trial_id, why)
        self.set_state(_known_ids_only(state, self.trials))
        loaded = _snapshot(self.get_state())
        self._reconcile()
        running = {t.trial_id: tuner_id for tuner_id, t in self.ongoing_trials.items()}
        for trial_id in running:
            self._crashed(trial_id)
        # Kept for the worker that ran it, should this be a restarted chief; a lone search's own tuner
        # never asks a chief, so its trial goes to the first worker.
        self.owners = {i: tuner_id for i, tuner_id in running.items() if tuner_id != kt.DEFAULT_TUNER_ID}
        self.ongoing_trials = {}
        if _snapshot(self.get_state()) != loaded:
            # On disk too: a search with nothing left to run writes no oracle state again, and a
            # trial whose file got ahead of the oracle (killed between the two writes) would stay
            # "ongoing" there, never ended.
            self.save()

    def _read_state(self):
        """`oracle.json` (or its previous copy); rebuilt from the trial files when both are gone or damaged."""
        path = kt.oracle_file(self)
        try:
            state = durable.read_json(path, missing=None)
        except durable.DamagedStateError:
            state = None
            os.replace(path, f"{path}.damaged")  # kept for a post-mortem, out of the way of the next write
            print(f"{path} is damaged and has no good previous copy; it is kept as {path}.damaged.")
        return state if state is not None else self._rebuilt_state(path)

    def _rebuilt_state(self, path):
        """The oracle state the trial files imply: their order, which ended, the space they were drawn from.

        The tuner's own bookkeeping (e.g. Hyperband's brackets) starts afresh from a new oracle's.
        """
        print(
            f"Rebuilding {path} from the {len(self.trials)} trial files: every trial keeps its settings, "
            "status and score; running ones resume."
        )
        state = self.get_state()  # a fresh oracle's: the tuner's own keys with their initial values
        ordered = sorted(self.trials, key=lambda i: (len(i), i))
        state["start_order"] = ordered
        state["end_order"] = [i for i in ordered if self.trials[i].status in ENDED]
        if ordered:
            state["hyperparameters"] = self.trials[ordered[-1]].hyperparameters.get_config()
        return state

    def _record_lost(self, trial_id, why=None):
        """Records a trial whose directory vanished, or whose trial file is unreadable with no good copy,
        as FAILED ('lost'), so its id is never given to a new trial and the search goes on.

        KerasTuner numbers a new trial by how many it knows: without this, the next
        trial would take the id of one still on disk and overwrite it.
        """
        why = why or VANISHED
        trial = kt.Trial(self.hyperparameters.copy(), trial_id=trial_id, status=Status.FAILED)
        trial.message = f"lost: {why} (its settings and score are gone)"
        self.trials[trial_id] = trial
        self._save_trial(trial)
        print(
            f"Trial {trial_id}: {why} ({kt.trial_dir(self, trial_id)}): its settings and score are lost. It is "
            "recorded as failed ('lost'); the other trials are kept and new trials get fresh ids."
        )

    def _reconcile(self):
        """Makes the oracle agree with the trial files after a kill between two writes."""
        for trial_id, trial in self.trials.items():
            if trial.status not in ENDED and trial_id in self.end_order:
                self._catch_up(trial)  # the trial file is behind the oracle
            if trial_id not in self.start_order:
                self.start_order.append(trial_id)
            if trial.status in ENDED:
                self._forget_pending(trial_id)  # the trial file may be ahead of the oracle
                if trial_id not in self.end_order:
                    self.end_order.append(trial_id)
                kt.record_values(self, trial)
            elif not self._pending(trial_id):
                self._crashed(trial_id)  # created, then the oracle state was lost

    def _catch_up(self, trial):
        """Completes a trial whose file missed its end (its score is there), else runs it again."""
        if trial.metrics.exists(self.objective.name):
            self.score_trial(trial)
            trial.status = Status.COMPLETED if math.isfinite(trial.score) else Status.FAILED
            return self._save_trial(trial)
        self.end_order.remove(trial.trial_id)
        self._queue(trial.trial_id)

    def _pending(self, trial_id):
        ongoing = [t.trial_id for t in self.ongoing_trials.values()]
        return trial_id in ongoing or trial_id in kt.retry_queue(self)

    def _forget_pending(self, trial_id):
        self.ongoing_trials = {k: t for k, t in self.ongoing_trials.items() if t.trial_id != trial_id}
        kt.set_retry_queue(self, [i for i in kt.retry_queue(self) if i != trial_id])

    def _queue(self, trial_id):
        if trial_id not in kt.retry_queue(self):
            kt.retry_queue(self).append(trial_id)

    def _crashed(self, trial_id):
        """Counts a run of `trial_id` that ended with its process dying; fails it at the limit."""
        count = self.crashes[trial_id] = self.crashes.get(trial_id, 0) + 1
        trial = self.trials[trial_id]
        if count < self.max_crashes:
            print(
                f"Trial {trial_id} was cut short by the process dying ({count} of "
                f"{self.max_crashes} allowed); it resumes from its last saved epoch."
            )
            return self._queue(trial_id)
        self._forget_pending(trial_id)
        trial.status = Status.FAILED
        trial.message = f"process died during the trial, {count} times"
        kt.run_times(self)[trial_id] += 1
        self.end_order.append(trial_id)
        self._save_trial(trial)
        print(f"Trial {trial_id} failed: {trial.message}; the search goes on without it.")

    def release_ongoing(self) -> None:
        """Stops the running trials cleanly: they resume first on the next run, no crash counted."""
        for trial in list(self.ongoing_trials.values()):
            trial.status = Status.IDLE
            self.interruptions[trial.trial_id] = self.interruptions.get(trial.trial_id, 0) + 1
            self._queue(trial.trial_id)
            self._save_trial(trial)
        self.ongoing_trials = {}
        self.save()

    def reruns(self) -> dict[str, int]:
        """Trial id -> how many times it was started again after a crash or a clean stop."""
        ids = set(self.crashes) | set(self.interruptions)
        counts = {i: self.crashes.get(i, 0) + self.interruptions.get(i, 0) for i in ids}
        return {i: n for i, n in sorted(counts.items()) if n and i in self.trials}


def lost_ids(state: Mapping[str, Any], trials: Mapping[str, kt.Trial]) -> list[str]:
    """Trial ids the oracle state names, or that the numbering skips, with no trial file on disk."""
    named = [*state.get("start_order", []), *state.get("end_order", []), *state.get(kt.STATE_ONGOING, {}).values()]
    lost = {i for i in named if i not in trials}
    if trials and all(i.isdigit() for i in trials):  # KerasTuner's ids: 0-padded counts
        width = len(next(iter(trials)))
        lost |= {f"{n:0{width}d}" for n in range(max(map(int, trials)))} - set(trials)
    return sorted(lost)


def _known_ids_only(state, trials):
    """Drops trial ids the oracle state names but no trial file holds (a kill before it was written)."""
    state = dict(state)
    state[kt.STATE_ONGOING] = {k: v for k, v in state[kt.STATE_ONGOING].items() if v in trials}
    for key in kt.STATE_ID_LISTS:
        state[key] = [i for i in state[key] if i in trials]
    return state


VANISHED = "its directory vanished"


def _read_trial_file(path):
    """`(state, None)`, or `(None, why)` for a trial file missing or damaged with no good previous copy
    (a damaged one is kept beside it as `trial.json.damaged`, out of the way of the next write)."""
    try:
        state = durable.read_json(path, missing=None)
    except durable.DamagedStateError:
        os.replace(path, f"{path}.damaged")
        durable.previous(path).unlink(missing_ok=True)
        return None, f"its {kt.TRIAL_FILE} was damaged with no good previous copy (kept as {kt.TRIAL_FILE}.damaged)"
    return (state, None) if state is not None else (None, f"its {kt.TRIAL_FILE} is missing")


@functools.cache
def durable_oracle(name: str) -> type:
    """`keras_tuner.oracles.<name>` with `DurableOracle` mixed in (one class per name): the oracle of a
    tuner's row (`kt_rnn.search.kinds`)."""
    base = getattr(keras_tuner.oracles, name)
    return type(
        name,
        (DurableOracle, base),
        {"__doc__": f"`keras_tuner.oracles.{name}` with durable state.", "__module__": __name__},
    )


RANDOM_PER_TUNED = 3  # KerasTuner's Bayesian oracle: random trials per dimension before its model chooses


def initial_points(hyperparameters: keras_tuner.HyperParameters) -> int:
    """Random trials before a Bayesian oracle fits its Gaussian process: `random_trials` of the tuned ones.

    KerasTuner's default says "3 times the dimensionality of the space" but counts the fixed values too:
    kt_rnn fixes every hyperparameter it does not tune, so `--tune learning_rate` (one dimension
    among 16 names) ran 48 random trials before its first Bayesian choice, where this runs 3.
    """
    fixed = keras_tuner.engine.hyperparameters.Fixed
    return random_trials(sum(not isinstance(hp, fixed) for hp in hyperparameters.space))


def random_trials(tuned: int) -> int:
    """How many of a Bayesian search's first trials are drawn at random, for `tuned` hyperparameters."""
    return max(RANDOM_PER_TUNED * tuned, RANDOM_PER_TUNED)


def rounded_to_steps(hyperparameters: keras_tuner.HyperParameters, values: Mapping[str, Any]) -> dict[str, Any]:
    """`values` with each stepped `Float` rounded to the decimals of its step and lower end."""
    rounded = dict(values)
    for hp in hyperparameters.space:
        step = getattr(hp, "step", None)
        if type(hp).__name__ == "Float" and step and isinstance(rounded.get(hp.name), float):
            rounded[hp.name] = round(rounded[hp.name], max(_decimals(step), _decimals(hp.min_value)))
    return rounded


def _decimals(number):
    return max(0, -decimal.Decimal(repr(float(number))).as_tuple().exponent)


def _snapshot(state: object) -> str:
    return json.dumps(state, sort_keys=True, default=str)
