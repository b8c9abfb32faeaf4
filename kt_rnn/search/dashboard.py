"""TensorBoard for a search: one callback, plus the HParams experiment KerasTuner does not write.

KerasTuner copies the callback for each trial into `<root>/<trial_id>/execution<k>`
and logs that run's HParams session, but writes no experiment config and
misses hyperparameters first declared in `HyperModel.fit`. The experiment
written here lists every hyperparameter of the space (batch size included) and
the train/validation metrics, so the HParams tab shows every trial and column.
"""

import keras
import keras_tuner
import tensorflow as tf
from tensorboard.plugins.hparams import api as hparams_api

from kt_rnn.state import kerastuner as kt

METRICS = ("loss", "accuracy")  # a classifier's; `write_experiment` takes the model's own
GROUPS = ("train", "validation")  # the run subdirectories Keras's callback writes


def callback(config):
    """The TensorBoard callback to pass to `tuner.search`; KerasTuner makes it per trial."""
    return keras.callbacks.TensorBoard(log_dir=str(config.layout.tensorboard))


def experiment(space, metrics=METRICS):
    """Returns `(hparams, metrics)` of the HParams experiment for a `SearchSpace` and Keras metric names."""
    hp = keras_tuner.HyperParameters()
    space.register_all(hp)
    # KerasTuner's own converter, so the domains match the sessions it writes.
    hparams = kt.convert_hyperparams_to_hparams(_AllActive(hp.space), hparams_api)
    logged = [
        hparams_api.Metric(f"epoch_{name}", group=group, display_name=f"{name} ({group})")
        for group in GROUPS
        for name in metrics
    ]
    return list(hparams), logged


def write_experiment(config, metrics=METRICS):
    """Writes the HParams experiment config at the TensorBoard root, once per search.

    `metrics`: the names the model logs per epoch, `loss` included (e.g. `("loss", "accuracy")`).
    """
    root = config.layout.tensorboard
    if root.is_dir() and any(root.glob("events.out.tfevents.*")):
        return
    hparams, metrics = experiment(config.space, metrics)
    writer = tf.summary.create_file_writer(str(root))
    with writer.as_default():
        hparams_api.hparams_config(hparams=hparams, metrics=metrics)
    writer.close()


class _AllActive:
    """A view of a space in which every hyperparameter counts as active, with no value."""

    def __init__(self, space):
        self.space = space

    def get(self, name):
        return None
