"""Best trial -> serving model (raw input in, the user's units out) -> `best/`, written atomically.

`best/` holds `saved_model/` (TF SavedModel: signature `serve`, also `serving_default`, on the
task's raw input (strings, raw float sequences) with named outputs (`probabilities` and `label`,
`value`, `forecast`); a classifier's `class_names` signature), `model.keras`, `hparams.json`,
`metrics.json` (validation and test scores, sizes, trials) and the task's
assets (`labels.txt` for classes, also under `saved_model/assets/`). It is
written to a temporary directory and renamed into place, so an interrupted
export leaves the previous one intact. With `--ensemble K` the exported model
averages the outputs of the K best trials with distinct hyperparameters, with `--refits N` the
outputs of N refits of each (each from its own seed). A forecaster whose best
trial does not beat its base (the seasonal-naive forecast, ...) on validation exports the base alone;
either way `metrics.json` says how the two compared there (`exported_base`, `base_comparison`).
"""

import contextlib
import dataclasses
import json
import math
import os
import pathlib
import shutil
import time
import types
import typing
from collections.abc import Callable, Sequence

import keras

from kt_rnn import tasks
from kt_rnn.errors import SearchError
from kt_rnn.search import timings
from kt_rnn.state import faults, resume
from kt_rnn.state import kerastuner as kt
from kt_rnn.state.layout import Layout
from kt_rnn.tasks import outputs

if typing.TYPE_CHECKING:
    from hypermodels.recurrent import RecurrentHyperModel
    from kt_rnn.search.tuners import DurableTuner
    from kt_rnn.state.oracles import DurableOracle

SAVED_MODEL = "saved_model"
COMPLETED = kt.TrialStatus.COMPLETED


@dataclasses.dataclass
class Export:
    """What an export wrote: the end-to-end model, its hyperparameters and metrics."""

    model: keras.Model
    hparams: dict[str, typing.Any]
    metrics: dict[str, typing.Any]
    path: pathlib.Path
    tuner: "DurableTuner | None" = None


def best_trial(tuner: "DurableTuner") -> kt.Trial:
    """The completed trial with the best score; raises `SearchError` if there is none."""
    oracle = tuner.oracle
    for trial in oracle.get_best_trials(max(len(oracle.trials), 1)):
        if trial.status == COMPLETED and trial.score is not None and math.isfinite(trial.score):
            return trial
    failed = [t for t in oracle.trials.values() if t.status == kt.TrialStatus.FAILED]
    if failed:  # the search ran: every trial it ran failed
        reasons = "; ".join(f"trial {t.trial_id}: {_first_line(t.message)}" for t in failed[:3])
        raise SearchError(
            f"No completed trial under {tuner.project_dir!r}: nothing to export. {len(failed)} trial(s) failed "
            f"({reasons}{'; ...' if len(failed) > 3 else ''}). Fix what they name (a smaller space, other data), "
            "then start afresh with --overwrite, or add trials with --extend-budget and a larger --max-trials."
        )
    raise SearchError(
        f"No completed trial under {tuner.project_dir!r}: nothing to export. "
        "Run the search without --export-only first."
    )


def _first_line(message: str | None) -> str:
    lines = [line.strip() for line in str(message or "no reason recorded").splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no reason recorded"  # a traceback's last line names the error


def best_trials(tuner: "DurableTuner", count: int) -> list[kt.Trial]:
    """The best completed trials, at most `count`, one per set of hyperparameters (best first).

    A Hyperband continuation repeats its parent's hyperparameters: the two would be one
    model trained twice, so only the better of them counts.
    """
    seen: set[str]
    chosen, seen = [best_trial(tuner)], set()
    seen.add(_key(chosen[0]))
    for trial in tuner.oracle.get_best_trials(max(len(tuner.oracle.trials), 1)):
        if len(chosen) >= count:
            break
        if (
            trial.status == COMPLETED
            and trial.score is not None
            and math.isfinite(trial.score)
            and _key(trial) not in seen
        ):
            seen.add(_key(trial))
            chosen.append(trial)
    return chosen


def _key(trial: kt.Trial) -> str:
    return json.dumps(hparams_of(trial), sort_keys=True, default=str)


def hparams_of(trial: kt.Trial) -> dict[str, typing.Any]:
    """The trial's active hyperparameter values, without Hyperband's bookkeeping."""
    return {k: v for k, v in trial.hyperparameters.values.items() if not k.startswith("tuner/")}


def trained_epochs(trial: kt.Trial) -> int:
    """Epochs of training behind the trial's best epoch.

    KerasTuner counts `best_step` from the trial's own first epoch; a Hyperband
    continuation trial starts from its parent's weights after `tuner/initial_epoch`.
    """
    return trial.hyperparameters.values.get("tuner/initial_epoch", 0) + trial.best_step + 1


def export(
    config: typing.Any,
    tuner: "DurableTuner",
    hypermodel: "RecurrentHyperModel",
    dataset: typing.Any,
    task: types.ModuleType,
    started: float,
    timed: timings.Timings | None = None,
    search_digest: str | None = None,
) -> Export:
    """Refits (unless `--no-refit`) the best trial, scores it on test, writes `best/`.

    Args:
        task: the task's implementation module (`kt_rnn.tasks.text`, ...): its
            serving wrapper, test scores and assets.
        started: `time.time()` when the run started.
        timed: the run's `kt_rnn.search.timings.Timings`; the refit and export are added to it.
        search_digest: `kt_rnn.state.identity.digest` of the search, kept in metrics.json: a
            re-run of the same search finds it there and does not train again.
    """
    timed = timed or timings.Timings()
    members = best_trials(tuner, config.output.ensemble)
    trial, epochs = members[0], trained_epochs(members[0])
    comparison = base_comparison(tuner, hypermodel, dataset, task, trial, config)
    base = comparison if comparison and config.output.base_fallback and task.base_wins(comparison) else None
    with timed.phase("refit" if config.output.refit and not base else "export"):
        models = [] if base else [m for member in members for m in _member(config, tuner, hypermodel, dataset, member)]
    export_started = time.perf_counter()  # scoring on test and writing best/
    if base:
        hparams, serving = base["hparams"], task.serving_base(dataset, base["hparams"])
    else:
        hparams, draws = hparams_of(trial), len(models) // len(members)  # each member's models, in a row
        serving = _serving(task, models, dataset, [hparams_of(member) for member in members for _ in range(draws)])
    scores = task.scores(serving, dataset)
    metrics = _metrics(config, tuner, trial, dataset, scores, epochs, time.time() - started)
    metrics["test_lines"] = list(task.summary_lines(scores))  # the task's words on them, for the report
    if base:
        metrics["exported_base"] = {**base, "line": task.base_line(base, trial.trial_id)}
    elif comparison:  # how far the network was ahead of its base (behind, with --no-base-fallback)
        metrics["base_comparison"] = {**comparison, "line": task.network_line(comparison, trial.trial_id)}
    if not base and config.output.ensemble > 1:
        metrics["ensemble"] = _described(members, config.output.ensemble)
    if len(models) > len(members):  # each member the mean of its refits
        metrics["refits"] = len(models) // len(members)
    metrics["exported_model"] = described(bool(base), len(members), metrics.get("refits", 1), config.output.refit)
    if search_digest:
        metrics["search_digest"] = search_digest
    files = _Files(
        {**hparams, **task.settings(dataset, serving)},
        metrics,
        task.assets(dataset),
        task.export_files(serving, dataset),
        getattr(task, "named_outputs", outputs.named_outputs)(dataset),
        list(dataset.class_names or ()),
        lambda: _finish(timed, started, export_started),
    )
    replace_atomically(config.layout.best, lambda tmp: _write(tmp, serving, files))
    return Export(serving, hparams, metrics, config.layout.best, tuner)


def described(base: bool, members: int, refits: int, refit: bool) -> str:
    """What the export serves, in words: `"the mean of 5 refits on train + validation"`, `"the base alone"`,
    `"the mean of 3 trials (trial weights each)"` (`--ensemble 3 --no-refit`)."""
    if base:
        return "the base alone"
    each = (
        f"the mean of {refits} refits on train + validation"
        if refits > 1
        else "refit on train + validation"
        if refit
        else "trial weights"
    )
    return each if members == 1 else f"the mean of {members} trials ({each} each)"


def load(directory: pathlib.Path, tuner: "DurableTuner") -> Export:
    """The `Export` already in `directory` (`best/`): its model, the best trial's hyperparameters, its metrics."""
    try:
        model = keras.saving.load_model(directory / "model.keras")
        metrics = json.loads((directory / Layout.METRICS).read_text())
    except Exception as e:  # a damaged or foreign file: Keras and json raise many kinds
        raise SearchError(
            f"The export in {directory} cannot be read ({type(e).__name__}). Run again with "
            "--export-only to export the search again."
        ) from None
    base = metrics.get("exported_base") if isinstance(metrics, dict) else None  # the base's settings, as exported
    if isinstance(metrics, dict):  # an export of an earlier kt_rnn did not say what it serves: its keys do
        metrics.setdefault("exported_model", served(metrics))
    return Export(model, base["hparams"] if base else hparams_of(best_trial(tuner)), metrics, directory, tuner)


def served(metrics: typing.Mapping[str, typing.Any]) -> str:
    """What an export serves, in words (`described`), from its `metrics.json`."""
    if "exported_model" in metrics:
        return str(metrics["exported_model"])
    members = (metrics.get("ensemble") or {}).get("size", 1)
    return described(bool(metrics.get("exported_base")), members, metrics.get("refits", 1), metrics.get("refit", True))


def _finish(timed: timings.Timings, started: float, export_started: float) -> dict[str, typing.Any]:
    """The run's wall time and timings, the export's included (metrics.json, which holds them, is written last)."""
    timed.add("export", time.perf_counter() - export_started)
    return {"wall_time_seconds": round(time.time() - started, 1), "timings": timed.as_dict()}


def base_comparison(
    tuner: "DurableTuner",
    hypermodel: "RecurrentHyperModel",
    dataset: typing.Any,
    task: types.ModuleType,
    trial: kt.Trial,
    config: typing.Any,
) -> dict[str, typing.Any] | None:
    """The task's simple model beside the best trial (`task.best_base`: a forecaster's best base on the
    validation windows, and the trial's MAE there), or None for a task without one or a trial that logged
    no MAE. The export serves that base instead where `task.base_wins` (no refit is needed for it)."""
    if not hasattr(task, "best_base"):
        return None
    maes = fold_values(tuner, trial, config, "val_mae")
    if None in maes:  # an execution that logged no MAE: nothing to compare it with
        return None
    return task.best_base(hypermodel, dataset, tuner.folds, hparams_of(trial), sum(maes) / len(maes))  # type: ignore[arg-type]  # no None left


def _member(
    config: typing.Any, tuner: "DurableTuner", hypermodel: "RecurrentHyperModel", dataset: typing.Any, trial: kt.Trial
) -> list[keras.Model]:
    """A trial's models for the export: `--refits` refits on train + validation, or its own weights (`--no-refit`)."""
    if not config.output.refit:
        return [_trial_model(tuner, trial)]
    return [_refit(config, hypermodel, dataset, trial, draw) for draw in range(config.output.refits)]


def _serving(
    task: types.ModuleType, models: list[keras.Model], dataset: typing.Any, hparams: list[dict[str, typing.Any]]
) -> keras.Model:
    """Raw input -> the prediction of one model, or of the mean of an ensemble's members.

    Members that read the same input are averaged before the task's serving wrapper; a task whose
    members read inputs of their own shape (a forecaster's windows) averages its served members
    itself (`serving_ensemble`).
    """
    if len(models) > 1 and hasattr(task, "serving_ensemble"):
        return task.serving_ensemble(models, dataset, hparams)
    return task.serving_model(average(models), dataset, hparams[0])


def average(models: Sequence[keras.Model]) -> keras.Model:
    """One model whose output is the mean of `models`' outputs (they read the same input); one model as is.

    Each member keeps its own layers inside a sub-model named `member_<i>`, best trial first.
    """
    if len(models) == 1:
        return models[0]
    first = models[0].input
    inputs = keras.Input(shape=first.shape[1:], dtype=first.dtype, name=first.name.split(":")[0])
    outputs = [keras.Model(m.input, m.output, name=f"member_{i}")(inputs) for i, m in enumerate(models)]
    return keras.Model(inputs, keras.layers.Average(name="ensemble_mean")(outputs), name="ensemble")


def _described(members: list[kt.Trial], asked: int) -> dict[str, typing.Any]:
    """metrics.json's account of an ensemble: its members, and how many were asked for."""
    return {
        "asked": asked,
        "size": len(members),
        "members": [
            {"trial": t.trial_id, "validation_score": float(t.score), "epochs": trained_epochs(t)} for t in members
        ],
    }


def _refit(
    config: typing.Any, hypermodel: "RecurrentHyperModel", dataset: typing.Any, trial: kt.Trial, draw: int = 0
) -> keras.Model:
    """A trial's hyperparameters trained again on train + validation for its best epoch count.

    A single refit goes on from the run's random state, as it always has. Of `--refits N` > 1, refit
    `draw` (0 to N - 1) starts from seed `--seed + 1 + draw` (initial weights and shuffling): N
    distinct draws, the same N again on `--export-only`.
    """
    epochs, of = trained_epochs(trial), config.output.refits
    print(
        f"Refitting trial {trial.trial_id}'s hyperparameters on train + validation for {epochs} epoch(s)"
        + (f" ({draw + 1} of {of})." if of > 1 else ".")
    )
    faults.hit("refit")
    with _seeded(hypermodel, config.budget.seed + 1 + draw if of > 1 else None):
        model = hypermodel.build(trial.hyperparameters)
        hypermodel.fit(
            trial.hyperparameters,
            model,
            dataset.train.concatenate(dataset.validation),
            epochs=epochs,
            verbose=config.runtime.verbose,
        )
    return model


@contextlib.contextmanager
def _seeded(hypermodel: "RecurrentHyperModel", seed: int | None) -> typing.Iterator[None]:
    """Keras's random state and the hypermodel's shuffling from `seed` inside the block (None: as they are)."""
    if seed is None:
        yield
        return
    keras.utils.set_random_seed(seed)
    kept, hypermodel.seed = hypermodel.seed, seed
    try:
        yield
    finally:
        hypermodel.seed = kept


def _trial_model(tuner: "DurableTuner", trial: kt.Trial) -> keras.Model:
    """The trial's own best-epoch weights; a damaged checkpoint is a `SearchError` naming the fix."""
    try:
        return tuner.load_model(trial)
    except Exception as e:  # h5py/Keras raise OSError, ValueError, KeyError... for a torn or foreign file
        raise SearchError(
            f"The checkpoint of trial {trial.trial_id} in {tuner.get_trial_dir(trial.trial_id)} cannot be read "
            f"({type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else 'no detail'}). Export without "
            "--no-refit to retrain the trial's hyperparameters on train + validation instead."
        ) from None


def _metrics(config, tuner, trial, dataset, scores, epochs, seconds):
    metrics = {
        "dataset": config.dataset,
        "task": config.task.name,
        "problem": dataset.problem,
        "data": dataset.source,
        "class_names": list(dataset.class_names) if dataset.class_names else None,
        "tuner": config.budget.tuner,
        "objective": config.budget.objective,
        "direction": tasks.objective(config.budget.objective).direction,
        "best_trial": trial.trial_id,
        "best_validation_score": float(trial.score),
        "best_epoch": epochs,
        "refit": config.output.refit,
        "test": scores,
        "sizes": dict(dataset.sizes),
        "size_unit": dataset.unit,
        "class_counts": dataset.class_counts,
        "trials": trial_counts(tuner.oracle),
        "wall_time_seconds": round(seconds, 1),
    }
    if config.planned:  # what the budget was planned from (`kt_rnn.search.plan`)
        metrics["plan"] = config.planned
    if (config.budget.folds or 1) > 1:
        metrics["folds"] = fold_scores(tuner, trial, config)
    if "accuracy" in scores:  # the keys of earlier releases, for scripts that read them
        metrics.update(test_accuracy=scores["accuracy"], test_loss=scores.get("loss"))
    return metrics


def fold_scores(tuner: "DurableTuner", trial: kt.Trial, config: typing.Any) -> dict[str, typing.Any]:
    """The best trial's objective on each rolling-origin fold (its best epoch there), earliest first;
    their mean is the trial's score."""
    name = tasks.objective(config.budget.objective).name  # type: ignore[arg-type]  # resolved for the data
    return {"k": config.budget.folds, "objective": name, "scores": fold_values(tuner, trial, config, name)}


def fold_values(tuner: "DurableTuner", trial: kt.Trial, config: typing.Any, name: str) -> list[float | None]:
    """The logged metric `name` of `trial` on each fold (one without `--folds`), earliest first, at the
    fold's best epoch by the objective (None where not logged). With --executions-per-trial, each
    fold's repetitions are averaged."""
    objective = tasks.objective(config.budget.objective)  # type: ignore[arg-type]  # resolved for the data
    pick = max if objective.direction == tasks.MAX else min
    folds = config.budget.folds or 1
    per_fold: list[list[float]] = [[] for _ in range(folds)]
    for execution in range(config.budget.executions_per_trial * folds):
        logged = resume.EpochRecord(f"{tuner.get_trial_dir(trial.trial_id)}/execution{execution}").history().history
        scores = logged.get(objective.name) or []
        if scores and name in logged:
            per_fold[execution % folds].append(logged[name][scores.index(pick(scores))])
    return [sum(found) / len(found) if found else None for found in per_fold]


def trial_counts(oracle: "DurableOracle") -> dict[str, typing.Any]:
    """Trials by outcome: totals, each failed trial's reason, and trials started again (by id)."""
    trials = oracle.trials.values()
    failures = {t.trial_id: t.message for t in trials if t.status == kt.TrialStatus.FAILED}
    reruns = oracle.reruns()
    return {
        "total": len(trials),
        "completed": sum(t.status == COMPLETED for t in trials),
        "failed": len(failures),
        "rerun": len(reruns),
        "failures": failures,
        "reruns": reruns,
    }


@dataclasses.dataclass
class _Files:
    """What `best/` holds besides the model: hparams.json (hyperparameters and the task's data
    settings), metrics.json, the task's assets (texts) and other files (`{name: write(path)}`)."""

    hparams: dict[str, typing.Any]
    metrics: dict[str, typing.Any]
    assets: dict[str, str]
    others: dict[str, Callable[[pathlib.Path], typing.Any]]
    named: Callable[[typing.Any], dict[str, typing.Any]]  # the SavedModel's outputs by name
    class_names: list[str]
    # More metrics (the final wall time), called just before metrics.json is written.
    finish: Callable[[], dict[str, typing.Any]] = dict


def _write(directory: pathlib.Path, model: keras.Model, files: _Files) -> None:
    directory.mkdir(parents=True)
    saved_model(model, directory / SAVED_MODEL, files.named, files.class_names)
    model.save(directory / "model.keras")
    (directory / "hparams.json").write_text(json.dumps(files.hparams, indent=2) + "\n")
    for name, text in files.assets.items():  # e.g. labels.txt: beside the export and in the SavedModel's assets/
        for folder in (directory, directory / SAVED_MODEL / "assets"):
            folder.mkdir(exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
    for name, write in files.others.items():
        write(directory / name)
    files.metrics.update(files.finish())
    (directory / Layout.METRICS).write_text(json.dumps(files.metrics, indent=2) + "\n")


def saved_model(
    model: keras.Model,
    path: pathlib.Path,
    named: Callable[[typing.Any], dict[str, typing.Any]],
    class_names: Sequence[str] = (),
) -> None:
    """Writes `model` as a SavedModel whose `serve` signature (also `serving_default`) returns `named(output)`.

    `model.export` would name the one output `output_0`; a TF Serving client needs the names, and
    the class names in the model itself (the `class_names` signature, no input).
    """
    import tensorflow as tf

    archive = keras.export.ExportArchive()
    archive.track(model)
    raw = model.inputs[0]
    spec = tf.TensorSpec(raw.shape, raw.dtype, name=raw.name.split(":")[0])
    archive.add_endpoint("serve", lambda x: named(model(x)), input_signature=[spec])
    if class_names:
        archive.add_endpoint("class_names", lambda: {"class_names": tf.constant(list(class_names))}, input_signature=[])
    archive.write_out(str(path), verbose=False)


def replace_atomically(target: str | os.PathLike[str], write: Callable[[pathlib.Path], object]) -> None:
    """Calls `write(tmp)` on a fresh sibling directory, then renames it to `target`."""
    target = pathlib.Path(target)
    restore_interrupted(target)
    tmp = target.with_name(f".{target.name}.tmp-{os.getpid()}")
    old = target.with_name(f".{target.name}.old")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        write(tmp)
        faults.hit("export")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if target.exists():
        os.replace(target, old)
    os.replace(tmp, target)
    shutil.rmtree(old, ignore_errors=True)


def restore_interrupted(target: pathlib.Path) -> None:
    """Puts back an export set aside by an interrupted `replace_atomically`; drops stale temps."""
    old = target.with_name(f".{target.name}.old")
    if old.exists() and not target.exists():
        os.replace(old, target)
    shutil.rmtree(old, ignore_errors=True)
    for stale in target.parent.glob(f".{target.name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
