"""`run(config)`: dataset -> hypermodel -> tuner (+ TensorBoard) -> export -> summary."""

import dataclasses
import shutil
import sys
import time

import keras
import tensorflow as tf

from hypermodels.classifier import RNNClassifier
from kt_rnn import data
from kt_rnn.cli import runfile
from kt_rnn.search import export, progress, summary, dashboard, tuners
from kt_rnn.state import identity, durable
from kt_rnn.errors import SearchError

OWNED = ("tuner", "tensorboard", "best", identity.FILE, runfile.FILENAME)  # what --overwrite removes under LOGDIR/PROJECT


def run(config):
    """Runs (or resumes) the search of `config` and exports the best model; returns an `Export`.

    In a KerasTuner distributed search, workers return `None` after their trials; the
    chief's search returns once every trial is done, and the chief exports.
    """
    started = time.time()
    config = dataclasses.replace(config, verbose=_verbosity(config.verbose))
    _configure_runtime(config.seed)
    dataset = data.load(config)  # before the project directory is touched
    hypermodel = RNNClassifier(
        dataset.vocab_size, dataset.sequence_length, len(dataset.class_names),
        space=config.space, seed=config.seed, jit_compile=config.jit_compile,
    )
    if config.export_only and not _has_search(config):
        raise SearchError(f"No search to export under {config.project_dir}: run it without --export-only first.")
    if config.overwrite and not config.export_only:
        _clear(config.project_dir)
    if not tuners.is_worker():
        identity.check(config)  # writes search.json for a new search; refuses a changed one
        runfile.save(config)  # LOGDIR/PROJECT/config.toml: the resolved options, to repeat this run
    tuner = tuners.build(config, hypermodel)
    if not config.export_only:
        dashboard.write_experiment(config)
        tuner.on_trial_done = progress.Progress(config, tuner.oracle, started).trial_done
        tuner.search(
            dataset.train,
            validation_data=dataset.validation,
            epochs=config.max_epochs,
            callbacks=[dashboard.callback(config), *tuners.callbacks(config)],
            verbose=config.verbose,
        )
    if tuners.is_worker():
        print("This worker's trials are done; the chief exports the best model.")
        return None
    result = export.export(config, tuner, hypermodel, dataset, started)
    summary.show(config, result)
    return result


def _configure_runtime(seed):
    keras.utils.set_random_seed(seed)
    for gpu in tf.config.list_physical_devices("GPU"):
        tf.config.experimental.set_memory_growth(gpu, True)  # share the GPU between trials and tools


def _verbosity(verbose):
    """Keras's per-step progress bar on a terminal, one line per epoch in a log file."""
    if verbose != "auto":
        return verbose
    return 1 if sys.stdout.isatty() else 2


def _has_search(config):
    oracle = config.project_dir / tuners.STATE_DIR / "oracle.json"
    return oracle.exists() or durable.previous(oracle).exists()


def _clear(project_dir):
    for name in OWNED:
        path = project_dir / name
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)
            durable.previous(path).unlink(missing_ok=True)
