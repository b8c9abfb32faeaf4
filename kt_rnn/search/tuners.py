"""Tuner registry (`name -> (tuner class, oracle class)`, from the rows of `kt_rnn.search.kinds`) and
construction from a `Config`.

Each registered tuner is KerasTuner's own, with `DurableTuner` mixed in (its oracle with
`kt_rnn.state.oracles.DurableOracle`): state
written atomically, trials resumed at their last epoch after a kill, failing
trials (non-finite loss, out of memory, errors) marked FAILED with a short
reason, and a budget of consecutive failures.
"""

import os
import pathlib
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import keras
import keras_tuner
import tensorflow as tf

from kt_rnn import tasks
from kt_rnn.errors import SearchError
from kt_rnn.runtime import devices, roles
from kt_rnn.search import chance, dashboard, kinds
from kt_rnn.state import durable, faults, oracles, resume, space_left, stopping
from kt_rnn.state import kerastuner as kt
from kt_rnn.state.layout import Layout

if TYPE_CHECKING:
    from keras_tuner import Tuner as _Tuner  # what the mixin goes before (Any to mypy): its attributes, `super()`

else:
    _Tuner = object

STATE_DIR = Layout.TUNER  # KerasTuner's project_name under LOGDIR/PROJECT
FAILED = oracles.Status.FAILED
TF_NOISE = ("Graph execution error", "Detected at node", "Stack trace", "Traceback")


class DurableTuner(_Tuner):
    """Mixin for a KerasTuner `Tuner`: durable state, resumable trials, failure handling.

    Args:
        oracle: a `kt_rnn.state.oracles.DurableOracle`.
        hypermodel: the `keras_tuner.HyperModel`.
        max_failures: int, defaults to 3. The search stops (state saved) with
            the reasons when this many trials in a row have failed.
        role: the process's `kt_rnn.runtime.roles.Role` (default: a single
            process). The chief serves the oracle to the workers instead of
            running trials (`kt_rnn.runtime.serving`); a worker's oracle is the chief's.
        **kwargs: passed to `keras_tuner.Tuner`.
    """

    _execution: int  # the execution `_build_and_fit_model` runs next, in the trial `run_trial` runs
    _checkpoint: resume.SaveBestEpoch | None  # that trial's best-epoch checkpoint, once made

    def __init__(
        self,
        oracle: oracles.DurableOracle,
        hypermodel: keras_tuner.HyperModel,
        max_failures: int = 3,
        role: roles.Role | None = None,
        **kwargs: Any,
    ) -> None:
        self.max_failures = max_failures
        self.role = role if role is not None else roles.Role()
        # Called with each ended trial, e.g. to print progress.
        self.on_trial_done: Callable[[kt.Trial], object] | None = None
        self.running: str | None = None  # the id of the trial this process runs (a worker's heartbeat names it)
        self.fit_seconds = 0.0  # spent in the trials' `model.fit` by this process (the rest is overhead)
        # [(train, validation), ...]: execution i fits fold i (`--folds`), or None.
        self.folds: list[tuple[Any, Any]] | None = None
        self._reason: str | None = None
        _mark_resumable(pathlib.Path(kwargs["directory"]) / kwargs["project_name"])
        keras_tuner.Tuner.__init__(self, oracle, hypermodel, **kwargs)

    # State files: atomic, with previous copies (the oracle writes its own the same way).
    def save(self) -> None:
        if not self.role.is_worker:
            self.oracle.save()
        durable.write_json(kt.tuner_file(self), self.get_state())

    def reload(self) -> None:
        if not self.role.is_worker:
            self.oracle.reload()
        try:
            self.set_state(durable.read_json(kt.tuner_file(self), missing={}))
        except durable.DamagedStateError:
            self.set_state({})  # KerasTuner's own tuners keep no state here: nothing is lost

    def search(self, *fit_args: Any, **fit_kwargs: Any) -> None:
        """KerasTuner's search; Ctrl-C or SIGTERM saves state so the running trial resumes next time.

        The chief of a distributed search serves the oracle until the workers are done.
        """
        try:
            if self.role.is_chief:
                self._serve()
            else:
                super().search(*fit_args, **fit_kwargs)
        except BaseException as e:
            interrupt = interrupt_behind(e)
            full = space_left.disk_full(e)
            if interrupt is None and full is None:
                raise
            if interrupt is not None:
                stopping.stopping()  # a second Ctrl-C must not cut the saving short
            if not self.role.is_worker:
                with stopping.held():
                    self._release_ongoing()
            if interrupt is not None:
                raise interrupt from None
            raise space_left.stopped(pathlib.Path(self.project_dir).parent, full) from None  # type: ignore[arg-type]

    def _serve(self) -> None:
        from kt_rnn.runtime import serving  # gRPC: a chief's only

        self.save()
        serving.serve(
            self.oracle,
            self.role.address,
            self.role.worker_timeout,
            on_trial_end=self.on_trial_done,
            check_failures=self._check_failure_budget,
        )

    def _release_ongoing(self) -> None:
        try:
            self.oracle.release_ongoing()
        except OSError:  # still no space: the trial then resumes as after a crash
            pass

    # One trial.
    def on_trial_begin(self, trial: kt.Trial) -> None:
        stopping.raise_if_requested()  # a stop whose KeyboardInterrupt was swallowed somewhere
        self.running = trial.trial_id
        super().on_trial_begin(trial)

    def run_trial(self, trial: kt.Trial, *fit_args: Any, **fit_kwargs: Any) -> list[keras.callbacks.History]:
        self._reason, self._execution, self._checkpoint = None, 0, None
        faults.in_trial(trial.trial_id)
        try:
            return super().run_trial(trial, *fit_args, **fit_kwargs)
        except keras_tuner.errors.FatalError:
            raise
        except Exception as e:
            if space_left.disk_full(e):  # the disk's fault, not the trial's: stop, never count it FAILED
                raise StopForDiskFull(str(e)) from e
            self._reason = failure_reason(e)
            raise keras_tuner.errors.FailedTrialError(self._reason) from e

    def _build_and_fit_model(self, trial: kt.Trial, *fit_args: Any, **fit_kwargs: Any) -> keras.callbacks.History:
        """Builds and fits one execution, resuming it from its record; returns its whole history."""
        record = resume.EpochRecord(
            f"{self.get_trial_dir(trial.trial_id)}/execution{self._execution}",
            initial_epoch=fit_kwargs.get("initial_epoch", 0),
        )
        if self.folds:  # execution i trains and validates on fold i (of each repetition)
            train, fit_kwargs["validation_data"] = self.folds[self._execution % len(self.folds)]
            fit_args = (train, *fit_args[1:])
        self._execution += 1
        if not record.finished:
            callbacks = dashboard.trial_session(fit_kwargs["callbacks"], trial.hyperparameters.values)
            fit_kwargs["callbacks"] = self._trial_callbacks(callbacks, record)
            model = kt.try_build(self, trial.hyperparameters)
            fit_started = time.perf_counter()
            try:
                self.hypermodel.fit(trial.hyperparameters, model, *fit_args, **fit_kwargs)
            finally:
                self.fit_seconds += time.perf_counter() - fit_started
            durable.write_json(kt.build_config_file(self, trial.trial_id), model.get_build_config())
        if not record.finite_epochs():
            raise resume.NonFiniteLoss("loss not finite from the first epoch")
        return record.history()

    def load_model(self, trial: kt.Trial) -> keras.Model:
        """The trial's best-epoch model as validation scored it: under `--ema`, the checkpoint's weights
        are the training ones, and their average (in its optimizer state) is put in their place."""
        model = super().load_model(trial)
        if model.optimizer is not None:
            model.optimizer.finalize_variable_values(model.trainable_variables)  # a no-op without EMA
        return model

    def _get_tensorboard_dir(self, logdir: str, trial_id: str, execution: int) -> str:
        """One TensorBoard run per trial (KerasTuner's would be `<id>/execution<k>` with two runs inside)."""
        return dashboard.run_dir(logdir, trial_id, execution, self.executions_per_trial)

    def _trial_callbacks(
        self, callbacks: list[keras.callbacks.Callback], record: resume.EpochRecord
    ) -> list[keras.callbacks.Callback]:
        """KerasTuner's callbacks with its checkpoint made atomic and resumed, plus the record."""
        kept = [c for c in callbacks if not isinstance(c, kt.SaveBestEpoch)]
        (checkpoint,) = [c for c in callbacks if isinstance(c, kt.SaveBestEpoch)]
        if self._checkpoint is None:  # one per trial: the best epoch across executions
            self._checkpoint = resume.SaveBestEpoch.resuming(checkpoint, record.finite_epochs())
        hooks = [resume.BatchFault()] if faults.armed("batch") else []  # the kill tests only
        return [resume.StopWhenAsked(), resume.StopOnNonFinite(), *kept, *hooks, record, self._checkpoint]

    def on_trial_end(self, trial: kt.Trial) -> None:
        if trial.status == FAILED and self._reason:
            trial.message = self._reason  # KerasTuner would store the whole traceback
        super().on_trial_end(trial)
        self.running = None
        faults.in_trial(None)
        faults.hit("trial-end")
        if self.on_trial_done:
            self.on_trial_done(self.oracle.get_trial(trial.trial_id))
        if not self.role.is_worker:  # a worker's oracle is the chief's, over gRPC: the chief keeps count
            self._check_failure_budget()

    def _check_failure_budget(self) -> None:
        streak = failure_streak(self.oracle)
        if self.max_failures and len(streak) >= self.max_failures:
            reasons = "; ".join(f"trial {t.trial_id}: {t.message}" for t in streak)
            raise SearchError(
                f"{len(streak)} trials failed in a row ({reasons}). Their state is saved: fix "
                "the cause and run the same command again to continue (--max-failures sets the limit)."
            )


def _mark_resumable(state_dir: pathlib.Path) -> None:
    """Makes sure KerasTuner reloads existing oracle state.

    KerasTuner reloads only when the tuner's own file exists, and writes it only
    after a trial ends: after a kill in the first trial it would start afresh and
    overwrite that trial's files.
    """
    oracle_file = state_dir / kt.ORACLE_FILE
    tuner_file = state_dir / f"{os.environ.get(kt.TUNER_ID_ENV, kt.DEFAULT_TUNER_ID)}.json"
    has_oracle = oracle_file.exists() or durable.previous(oracle_file).exists()
    has_trials = any(state_dir.glob(f"{kt.TRIAL_DIR_PREFIX}*/{kt.TRIAL_FILE}"))  # the oracle can be rebuilt
    if (has_oracle or has_trials) and not tuner_file.exists():
        durable.write_json(tuner_file, {})


class StopForDiskFull(keras_tuner.errors.FatalError):
    """Carries a full disk past KerasTuner, which would otherwise mark the trial FAILED."""


def interrupt_behind(error: BaseException | None) -> KeyboardInterrupt | None:
    """The Ctrl-C or SIGTERM (`KeyboardInterrupt`) that is `error` or caused it, else `None`.

    KerasTuner turns any exception while copying the callbacks into a
    `FatalValueError` (a bare `except`), so a signal landing there must be dug out.
    """
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        if isinstance(error, KeyboardInterrupt):
            return error
        seen.add(id(error))
        error = error.__cause__ or error.__context__
    return None


def failure_reason(error: BaseException) -> str:
    """A one-line reason for a failed trial."""
    if isinstance(error, (tf.errors.ResourceExhaustedError, MemoryError)):
        return f"out of memory: {_first_line(error)}"
    if isinstance(error, resume.NonFiniteLoss):
        return str(error)
    return f"{type(error).__name__}: {_first_line(error)}"


def failure_streak(oracle: oracles.DurableOracle) -> list[kt.Trial]:
    """The trials at the end of `oracle.end_order` that failed, oldest first."""
    streak: list[kt.Trial] = []
    for trial_id in reversed(oracle.end_order):
        trial = oracle.trials[trial_id]
        if trial.status != FAILED:
            break
        streak.insert(0, trial)
    return streak


def _first_line(error: BaseException) -> str:
    """The error's first informative line (TensorFlow wraps it in node names and stacks)."""
    text = getattr(error, "message", None) or str(error)
    lines = [
        line for line in text.splitlines() if line.strip() and not line[0].isspace() and not line.startswith(TF_NOISE)
    ]
    return lines[0][:300] if lines else type(error).__name__


def _durable_tuner(name: str) -> type:
    """`keras_tuner.<name>` with `DurableTuner` mixed in."""
    base = getattr(keras_tuner, name)
    return type(
        name, (DurableTuner, base), {"__doc__": f"`keras_tuner.{name}` with `DurableTuner`.", "__module__": __name__}
    )


# name -> (tuner class, oracle class), made from each row of `kinds.KINDS`.
TUNERS = {
    kind.name: (_durable_tuner(kind.keras_tuner), oracles.durable_oracle(kind.keras_oracle))
    for kind in kinds.KINDS.values()
}


def get_tuner_class(name: str) -> tuple[type, type]:
    """Returns the `(tuner, oracle)` classes registered as `name`; raises `ValueError` listing the names."""
    if name not in TUNERS:
        raise ValueError(f"Unknown tuner. Expected one of {sorted(TUNERS)}. Received: tuner={name!r}")
    return TUNERS[name]


def objective(config: Any) -> keras_tuner.Objective:
    """KerasTuner's objective for `config`, its direction explicit (KerasTuner would guess it from the name)."""
    # The objective is resolved for the loaded data by then (`pipeline.resolve_objective`).
    return keras_tuner.Objective(config.budget.objective, tasks.objective(config.budget.objective).direction)  # type: ignore[arg-type]


def build(config: Any, hypermodel: keras_tuner.HyperModel, identity: dict[str, Any] | None = None) -> DurableTuner:
    """Creates (or reloads, to resume) the tuner of `config`'s search.

    `identity` (the search's `search.json`) is kept in the oracle's state too.
    """
    tuner_class, oracle_class = get_tuner_class(config.budget.tuner)
    kt.show_trial_tracebacks(config.runtime.console == "verbose")  # else a failed trial's one-line reason
    kind = config.tuner_kind
    oracle = oracle_class(
        objective=objective(config),
        seed=config.budget.seed,
        max_crashes=config.runtime.max_crashes,
        **kind.oracle_kwargs(config),
    )
    if kind.schedules_epochs and config.trials:
        oracle.max_trials = config.trials  # Hyperband takes no max_trials; its oracle honours it
    tuner = tuner_class(
        oracle,
        hypermodel,
        max_failures=config.runtime.max_failures,
        role=config.runtime.role,
        # Each fold is one more execution: KerasTuner averages the executions' best scores for the oracle.
        executions_per_trial=config.budget.executions_per_trial * (config.budget.folds or 1),
        distribution_strategy=devices.strategy(config.runtime.strategy),
        directory=str(config.project_dir),
        project_name=STATE_DIR,
        overwrite=False,  # the pipeline clears the whole project on --overwrite
    )
    if identity is not None and not config.runtime.role.is_worker:
        tuner.oracle.identity = identity  # after the reload: this run's settings (a budget may have grown)
    return tuner


class TimeLimit(keras.callbacks.Callback):
    """Stops a trial's training at the end of the epoch during which the search's `deadline` (a
    `time.time()`) passed: the trial ends with the epochs it has, and the oracle starts no other."""

    def __init__(self, deadline: float) -> None:
        super().__init__()
        self.deadline = deadline

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if time.time() >= self.deadline:
            self.model.stop_training = True


def callbacks(
    config: Any, class_counts: Mapping[str, Mapping[str, int]] | None = None
) -> list[keras.callbacks.Callback]:
    """Callbacks added to every trial besides TensorBoard: early stopping (Hyperband sets each
    trial's epochs itself), and stopping a classifier at chance after its first epoch."""
    at_chance = chance.callbacks(config.budget.objective, class_counts)
    if config.tuner_kind.schedules_epochs:
        return at_chance
    return [keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.budget.patience), *at_chance]
