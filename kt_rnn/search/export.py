"""Best trial -> end-to-end model (raw text in, probabilities out) -> `best/`, written atomically.

`best/` holds `saved_model/` (TF SavedModel, signature `serve` on a 1-D string
tensor), `model.keras`, `hparams.json` and `metrics.json`. It is written to a
temporary directory and renamed into place, so an interrupted export leaves the
previous one intact.
"""

import dataclasses
import json
import math
import os
import pathlib
import shutil
import time

import keras
from keras_tuner.src.engine import trial as trial_module

from kt_rnn.state import faults
from kt_rnn.errors import SearchError

EVAL_BATCH = 256
COMPLETED = trial_module.TrialStatus.COMPLETED


@dataclasses.dataclass
class Export:
    """What an export wrote: the end-to-end model, its hyperparameters and metrics."""

    model: keras.Model
    hparams: dict
    metrics: dict
    path: pathlib.Path


def best_trial(tuner):
    """The completed trial with the best score; raises `SearchError` if there is none."""
    oracle = tuner.oracle
    for trial in oracle.get_best_trials(max(len(oracle.trials), 1)):
        if trial.status == COMPLETED and trial.score is not None and math.isfinite(trial.score):
            return trial
    raise SearchError(
        f"No completed trial under {tuner.project_dir!r}: nothing to export. "
        "Run the search without --export-only first."
    )


def hparams_of(trial):
    """The trial's active hyperparameter values, without Hyperband's bookkeeping."""
    return {k: v for k, v in trial.hyperparameters.values.items() if not k.startswith("tuner/")}


def trained_epochs(trial):
    """Epochs of training behind the trial's best epoch.

    KerasTuner counts `best_step` from the trial's own first epoch; a Hyperband
    continuation trial starts from its parent's weights after `tuner/initial_epoch`.
    """
    return trial.hyperparameters.values.get("tuner/initial_epoch", 0) + trial.best_step + 1


def end_to_end(vectorizer, model):
    """Wraps `model` (token ids in) into a model that takes raw strings.

    The wrapped copy shares `model`'s layers but not its optimizer, so the export
    holds inference weights only.
    """
    inference = keras.Model(model.inputs, model.outputs, name=model.name)
    text = keras.Input(shape=(), dtype="string", name="text")
    return keras.Model(text, inference(vectorizer(text)), name="end_to_end")


def evaluate(model, loss, test):
    """Loss and accuracy of the end-to-end `model` on raw `(text, label)` examples.

    Scored through a compiled twin sharing the weights, so the exported model carries
    no optimizer of its own.
    """
    scorer = keras.Model(model.inputs, model.outputs)
    scorer.compile(loss=loss, metrics=["accuracy"], jit_compile=False)
    return scorer.evaluate(test.batch(EVAL_BATCH), return_dict=True, verbose=0)


def export(config, tuner, hypermodel, dataset, started):
    """Refits (unless `--no-refit`) the best trial, scores it on test, writes `best/`."""
    trial = best_trial(tuner)
    epochs = trained_epochs(trial)
    if config.refit:
        print(f"Refitting trial {trial.trial_id}'s hyperparameters on train + validation "
              f"for {epochs} epoch(s).")
        model = hypermodel.build(trial.hyperparameters)
        hypermodel.fit(trial.hyperparameters, model, dataset.train.concatenate(dataset.validation),
                       epochs=epochs, verbose=config.verbose)
    else:
        model = tuner.load_model(trial)
    loss = model.loss
    model = end_to_end(dataset.vectorizer, model)
    test = evaluate(model, loss, dataset.test)
    metrics = _metrics(config, tuner, trial, dataset, test, epochs, time.time() - started)
    hparams = hparams_of(trial)
    replace_atomically(config.best_dir, lambda tmp: _write(tmp, model, hparams, metrics))
    return Export(model, hparams, metrics, config.best_dir)


def _metrics(config, tuner, trial, dataset, test, epochs, seconds):
    return {
        "dataset": config.dataset,
        "class_names": list(dataset.class_names),
        "tuner": config.tuner,
        "objective": config.objective,
        "best_trial": trial.trial_id,
        "best_validation_score": float(trial.score),
        "best_epoch": epochs,
        "refit": config.refit,
        "test_loss": float(test["loss"]),
        "test_accuracy": float(test["accuracy"]),
        "sizes": dict(dataset.sizes),
        "trials": trial_counts(tuner.oracle),
        "wall_time_seconds": round(seconds, 1),
    }


def trial_counts(oracle):
    """Trials by outcome: totals, each failed trial's reason, and trials started again (by id)."""
    trials = oracle.trials.values()
    failures = {t.trial_id: t.message for t in trials if t.status == trial_module.TrialStatus.FAILED}
    reruns = oracle.reruns()
    return {
        "total": len(trials), "completed": sum(t.status == COMPLETED for t in trials),
        "failed": len(failures), "rerun": len(reruns), "failures": failures, "reruns": reruns,
    }


def _write(directory, model, hparams, metrics):
    directory.mkdir(parents=True)
    model.export(str(directory / "saved_model"), format="tf_saved_model", verbose=False)
    model.save(directory / "model.keras")
    for name, content in (("hparams.json", hparams), ("metrics.json", metrics)):
        (directory / name).write_text(json.dumps(content, indent=2) + "\n")


def replace_atomically(target, write):
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


def restore_interrupted(target):
    """Puts back an export set aside by an interrupted `replace_atomically`; drops stale temps."""
    old = target.with_name(f".{target.name}.old")
    if old.exists() and not target.exists():
        os.replace(old, target)
    shutil.rmtree(old, ignore_errors=True)
    for stale in target.parent.glob(f".{target.name}.tmp-*"):
        shutil.rmtree(stale, ignore_errors=True)
