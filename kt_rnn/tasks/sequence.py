"""The `sequence` task: numeric sequences (`--data FILE.npz`) -> class or value.

Data come from `kt_rnn.data.arrays`, the model from `hypermodels.sequence`.
The searched model already takes raw values (its first layer normalizes with
the training statistics); regression models learn standardized targets, so
the serving model adds the one step back to the user's units.
"""

from collections.abc import Mapping
from typing import Any

import keras

from hypermodels.sequence import SequenceModel
from kt_rnn import tasks
from kt_rnn.tasks import outputs
from kt_rnn.tasks.outputs import assets, export_files, folds, settings, summary_lines  # noqa: F401  (the task's own)


def hypermodel(config: Any, dataset: Any) -> SequenceModel:
    """The `SequenceModel` for `dataset` (shape, classes, training statistics) and `config`."""
    spec = dataset.spec
    return SequenceModel(
        spec["timesteps"],
        spec["features"],
        num_classes=dataset.num_classes,
        mean=spec["mean"],
        variance=spec["variance"],
        space=config.space,
        seed=config.budget.seed,
        jit_compile=config.jit_for(dataset.sizes["train"]),
        dtype_policy=config.dtype_policy,
        ema=config.budget.ema,
        metrics=outputs.metrics_for(config.budget.objective, dataset.problem),
    )


def serving_model(model: keras.Model, dataset: Any, hparams: Mapping[str, Any] | None = None) -> keras.Model:
    """Wraps a trained `model` into raw windows `[batch, timesteps, features]` -> prediction.

    Classification: the class probabilities (one sigmoid column for two
    classes). Regression: values `[batch, 1]` in the user's units.
    """
    spec = dataset.spec
    sequences = keras.Input(shape=(spec["timesteps"], spec["features"]), dtype="float32", name="sequences")
    if dataset.problem != tasks.REGRESSION:
        return outputs.serving(model, sequences)
    # The model learned (y - mean) / std; this undoes it.
    back = keras.layers.Rescaling(
        scale=spec["target_std"], offset=spec["target_mean"], dtype="float32", name="original_units"
    )
    return outputs.serving(model, sequences, after=back)


def scores(model: keras.Model, dataset: Any) -> dict[str, Any]:
    """Test scores of the serving `model` on the raw test sequences."""
    return outputs.score(model, dataset)
