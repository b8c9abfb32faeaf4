"""The text classification task: raw texts -> token ids -> `RNNClassifier` -> class probabilities.

Its datasets are `imdb` and `text` (the user's folder or table of texts). The
export takes raw strings (a `TextVectorization` adapted on the training part
runs inside it) and returns class probabilities; `labels.txt` names the classes.
"""

import keras

from hypermodels.classifier import RNNClassifier
from kt_rnn.tasks import outputs
from kt_rnn.tasks.outputs import assets, export_files, settings, summary_lines  # noqa: F401  (the task's own)


def hypermodel(config, dataset):
    """The text classifier HyperModel for `dataset`'s vocabulary, length and classes."""
    return RNNClassifier(
        dataset.spec["vocab_size"], dataset.spec["sequence_length"], dataset.num_classes,
        space=config.space, seed=config.seed, jit_compile=config.jit_for(dataset.sizes["train"]), dtype_policy=config.dtype_policy,
        metrics=outputs.metrics_for(config.objective, dataset.problem),
    )


def serving_model(model, dataset, hparams=None):
    """Raw strings in (shape `[batch]`), class probabilities out."""
    text = keras.Input(shape=(), dtype="string", name="text")
    return outputs.serving(model, text, before=dataset.preprocess)


def scores(model, dataset):
    """Test scores of the serving `model` on the raw test texts."""
    return outputs.score(model, dataset)
