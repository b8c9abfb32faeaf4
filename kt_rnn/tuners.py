"""Tuner registry (`name -> KerasTuner class`) and construction from a `Config`."""

import keras
import keras_tuner
from keras_tuner.src.distribute import utils as dist_utils

TUNERS = {
    "hyperband": keras_tuner.Hyperband,
    "random": keras_tuner.RandomSearch,
    "bayesian": keras_tuner.BayesianOptimization,
    "grid": keras_tuner.GridSearch,
}
STATE_DIR = "tuner"  # KerasTuner's project_name under LOGDIR/PROJECT


def get_tuner_class(name):
    """Returns the KerasTuner class registered as `name`; raises `ValueError` listing the names."""
    if name not in TUNERS:
        raise ValueError(f"Unknown tuner. Expected one of {sorted(TUNERS)}. Received: tuner={name!r}")
    return TUNERS[name]


def build(config, hypermodel):
    """Creates (or reloads, to resume) the tuner of `config`'s search."""
    kwargs = dict(
        hypermodel=hypermodel,
        objective=config.objective,
        seed=config.seed,
        executions_per_trial=config.executions_per_trial,
        directory=str(config.project_dir),
        project_name=STATE_DIR,
        overwrite=False,  # the pipeline clears the whole project on --overwrite
    )
    if config.tuner == "hyperband":
        kwargs.update(max_epochs=config.max_epochs, factor=config.factor)
    else:
        kwargs.update(max_trials=config.trials)
    tuner = get_tuner_class(config.tuner)(**kwargs)
    if config.tuner == "hyperband" and config.trials:
        tuner.oracle.max_trials = config.trials  # Hyperband takes no max_trials; its oracle honours it
    return tuner


def callbacks(config):
    """Callbacks added to every trial besides TensorBoard."""
    if config.tuner == "hyperband":
        return []  # Hyperband sets each trial's epochs itself
    return [keras.callbacks.EarlyStopping(monitor="val_loss", patience=config.patience)]


def is_worker():
    """True in a KerasTuner distributed search on a worker (not the chief).

    KerasTuner's own test (`KERASTUNER_ORACLE_IP` set, `KERASTUNER_TUNER_ID` not `chief`),
    as `BaseTuner._is_worker` uses it.
    """
    return dist_utils.has_chief_oracle() and not dist_utils.is_chief_oracle()
