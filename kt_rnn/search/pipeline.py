"""`run(config)`: dataset -> hypermodel -> tuner (+ TensorBoard) -> export -> summary.

Names no task: the config's task supplies the HyperModel, the serving wrapper,
the test scores and the summary lines (`kt_rnn.tasks`).
"""

import json
import os
import shutil
import sys
import time
import types
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import grpc

from kt_rnn import data as data_lib
from kt_rnn.errors import SearchError
from kt_rnn.runtime import devices, heartbeat
from kt_rnn.search import console, dashboard, export, plan, progress, summary, timings, tuners
from kt_rnn.state import config_file, durable, identity, lock, space_left
from kt_rnn.state import kerastuner as kt

if TYPE_CHECKING:
    from kt_rnn.state.layout import Layout


def run(config: Any, data: Mapping[str, Any] | None = None) -> export.Export | None:
    """Runs (or resumes) the search of `config` and exports the best model; returns an `Export`.

    Args:
        config: the search's `kt_rnn.config.Config`.
        data: examples already in memory (the Python API), loaded instead of
            `config.data.path`: the keyword arguments of the dataset's loader (`kt_rnn.data.LOADERS`).

    In a distributed search (`config.runtime.role`), workers return `None` after their trials;
    the chief serves the oracle until every trial is done, then exports.
    """
    started, timed = time.time(), timings.Timings()
    config = config.replace(verbose=_verbosity(config.runtime.verbose, config.runtime.console))
    os.environ.update(config.runtime.role.environment())  # what KerasTuner itself is told of the role
    if config.runtime.role.distributed:
        print(config.runtime.role.describe())
        kt.quiet_parent_to_proto()  # trials travel as protos between chief and workers
    config = config.replace(precision=devices.configure(config), settings=config.settings)
    with timed.phase("load"):
        dataset = _load(config, data)  # before the project directory is touched
    config = resolve_objective(config, dataset)
    config, _ = plan.plan(config, dataset)  # the budget the data needs, where the user set none
    print("\n".join(dataset.describe()))
    task = config.task.implementation()
    hypermodel = task.hypermodel(config, dataset)
    layout = config.layout
    if config.output.export_only and not layout.has_search():
        raise SearchError(f"No search to export under {layout.root}: run it without --export-only first.")
    try:
        if config.runtime.role.is_worker:  # the chief holds the search's lock; a worker writes only its own trials
            return _work(config, dataset, task, hypermodel, started, timed)
        with lock.ProjectLock(layout.root):
            return _search(config, dataset, task, hypermodel, started, timed)
    except Exception as e:  # a full disk outside a trial: writing state, the export (TensorFlow raises its own
        if space_left.disk_full(e) is None:  # ResourceExhaustedError for ENOSPC while writing a SavedModel)
            raise
        raise space_left.stopped(layout.root, e) from None


def _search(config, dataset, task, hypermodel, started, timed):
    if config.output.overwrite and not config.output.export_only:
        _clear(config.layout)
    identity.check(config, dataset)  # writes search.json for a new search; refuses a changed one
    current = identity.fingerprint(config, dataset)
    config_file.save(config)  # LOGDIR/PROJECT/config.toml: the resolved options, to repeat this run
    tuner = tuners.build(config, hypermodel, current)  # reloading repairs damaged state, finished or not
    tuner.folds = task.folds(dataset, config.budget.folds)
    if _finished(config, current):
        return _show_finished(config, task, tuner)
    if not config.output.export_only:
        shown = progress.Progress(config, tuner.oracle, started)
        tuner.on_trial_done = lambda trial: (dashboard.write_best(config, trial), shown.trial_done(trial))
        kt.set_display(tuner.oracle, console.TrialDisplay(tuner.oracle, config.runtime.console))
        _tune(config, dataset, tuner, shown, timed)
    result = export.export(config, tuner, hypermodel, dataset, task, started, timed, identity.digest(current))
    summary.show(config, result, task.summary_lines(result.metrics["test"]))
    return result


def _work(config, dataset, task, hypermodel, started, timed):
    """A worker's part: wait for the chief, check this worker's settings against its search, run trials."""
    heartbeat.connect(config.runtime.role)
    identity.verify(config, dataset)  # the chief wrote search.json before it served
    tuner = tuners.build(config, hypermodel)
    tuner.folds = task.folds(dataset, config.budget.folds)
    heartbeat.paced(heartbeat.named(tuner.oracle, config.runtime.role))
    shown = progress.Progress(config, tuner.oracle, started)
    tuner.on_trial_done = shown.trial_done  # the chief logs each trial's best score to TensorBoard
    with heartbeat.Heartbeat(config.runtime.role, lambda: tuner.running) as beat:
        try:
            _tune(config, dataset, tuner, shown, timed)
        except KeyboardInterrupt:
            if not beat.gone:
                raise
            raise heartbeat.ChiefGone(heartbeat.gone_message(config.runtime.role)) from None
        except grpc.RpcError as e:  # a call to the chief outlasted --chief-timeout, or the id was taken over
            if e.code() == heartbeat.TAKEN:
                raise heartbeat.duplicate(config.runtime.role, e.details()) from None
            raise heartbeat.ChiefGone(f"{heartbeat.gone_message(config.runtime.role)} ({e.code().name})") from None
    print("This worker's trials are done; the chief exports the best model.")
    return None


def _tune(
    config: Any, dataset: Any, tuner: tuners.DurableTuner, shown: progress.Progress, timed: timings.Timings
) -> None:
    """Prints the plan, runs the tuner's search (a chief serves its workers instead)."""
    print(console.plan_line(config, dataset.sizes, dataset.unit, shown.schedule))
    limit: list[tuners.TimeLimit] = []
    if config.budget.time_limit is not None:  # from now: the search's own time, not the data's loading
        tuner.oracle.deadline = time.time() + config.budget.time_limit
        limit = [tuners.TimeLimit(tuner.oracle.deadline)]
    if config.planned:
        print(f"  ({config.planned}; options you give win)")
    estimate = (
        []
        if config.runtime.console == "quiet"
        else [
            console.EpochHeader(),
            console.FirstEpochEstimate(
                console.epochs_budget(config, shown.schedule), console.trials_budget(config, shown.schedule)
            ),
        ]
    )
    with timed.phase("search"):
        tuner.search(
            dataset.train,
            validation_data=dataset.validation,
            epochs=config.budget.max_epochs,
            callbacks=[
                dashboard.callback(config),
                *tuners.callbacks(config, dataset.class_counts),
                *estimate,
                *limit,
            ],
            verbose=config.runtime.verbose,
        )
    if not config.runtime.role.is_chief:  # the workers train; the chief's search is serving them
        timed.add("fit", tuner.fit_seconds)


def _finished(config: Any, current: Mapping[str, Any]) -> bool:
    """True when `best/` holds the export of this very search: same settings, data and budget."""
    if config.output.export_only or config.runtime.extend_budget:
        return False
    try:
        metrics = json.loads(config.layout.metrics.read_text())
    except (OSError, ValueError):  # never exported, or a damaged export: export again
        return False
    return isinstance(metrics, dict) and metrics.get("search_digest") == identity.digest(current)


def _show_finished(config: Any, task: types.ModuleType, tuner: tuners.DurableTuner) -> export.Export:
    print(
        "This search is finished and exported: nothing is trained or rewritten. --export-only exports it "
        "again, --extend-budget with a larger budget goes on, --overwrite starts afresh."
    )
    result = export.load(config.layout.best, tuner)
    # The trials as the search holds them now: one whose directory vanished since the export is lost.
    result.metrics["trials"] = export.trial_counts(tuner.oracle)
    summary.show(config, result, task.summary_lines(result.metrics["test"]))
    return result


def resolve_objective(config: Any, dataset: Any) -> Any:
    """`config` with its objective set for the loaded data's problem, and checked against it."""
    objective = config.budget.objective or config.task.default_objective(dataset.problem)
    config.task.check_objective(objective, dataset.problem, dataset.num_classes)  # type: ignore[arg-type]  # known
    return config.replace(objective=objective, settings=config.settings)


def _load(config: Any, data: Mapping[str, Any] | None) -> Any:
    loader = data_lib.get_loader(config.dataset)
    return loader(config, **(data or {}))


def _verbosity(verbose: int | str, console_mode: str = "normal") -> int | str:
    """Keras's per-step progress bar on a terminal, one line per epoch in a log file; nothing when quiet."""
    if console_mode == "quiet":
        return 0
    if verbose != "auto":
        return verbose
    return 1 if sys.stdout.isatty() else 2


def _clear(layout: "Layout") -> None:
    for path in layout.owned():
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
            durable.previous(path).unlink(missing_ok=True)
