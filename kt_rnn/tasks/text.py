"""The text classification task: raw texts -> token ids -> `RNNClassifier` -> class probabilities.

Its datasets are `imdb` and `text` (the user's folder or table of texts). The
export takes raw strings (a `TextVectorization` adapted on the training part
runs inside it) and returns class probabilities; `labels.txt` names the classes.
"""

from collections.abc import Mapping
from typing import Any

import keras
import numpy as np

from hypermodels.classifier import RNNClassifier
from kt_rnn.tasks import baselines, outputs
from kt_rnn.tasks.outputs import assets, export_files, folds, settings  # noqa: F401  (the task's own)


def hypermodel(config: Any, dataset: Any) -> RNNClassifier:
    """The text classifier HyperModel for `dataset`'s vocabulary, length and classes."""
    return RNNClassifier(
        dataset.spec["vocab_size"],
        dataset.spec["sequence_length"],
        dataset.num_classes,  # type: ignore[arg-type]
        space=config.space,
        seed=config.budget.seed,
        jit_compile=config.jit_for(dataset.sizes["train"]),
        dtype_policy=config.dtype_policy,
        ema=config.budget.ema,
        metrics=outputs.metrics_for(config.budget.objective, dataset.problem),
    )


def serving_model(model: keras.Model, dataset: Any, hparams: Mapping[str, Any] | None = None) -> keras.Model:
    """Raw strings in (shape `[batch]`), class probabilities out."""
    text = keras.Input(shape=(), dtype="string", name="text")
    return outputs.serving(model, text, before=dataset.preprocess)


def scores(model: keras.Model, dataset: Any) -> dict[str, Any]:
    """Test scores of the serving `model` on the raw test texts; with `dataset.raw_train`, those of the
    classical baseline too (`baselines`: trained on the same texts, scored on the same test texts)."""
    found = outputs.score(model, dataset)
    if dataset.raw_train is not None:
        test = _texts_and_labels(dataset.test)
        found["baselines"] = {
            baselines.TFIDF_LOGREG: baselines.tfidf_logistic_regression(dataset.raw_train, test, dataset.class_names)
        }  # type: ignore[arg-type]  # texts have classes
    return found


def summary_lines(scores: Mapping[str, Any]) -> list[str]:
    """The test scores, per class when there are few, then how the baseline compares."""
    return [*outputs.summary_lines(scores), *baselines.comparison_lines(scores)]


def _texts_and_labels(test):
    """The raw test texts (str) and labels of the unbatched `(text, label)` dataset `test`."""
    texts, labels = [], []
    for batch_texts, batch_labels in test.batch(outputs.PREDICT_BATCH).as_numpy_iterator():
        texts += [text.decode("utf-8") for text in batch_texts]
        labels.append(batch_labels)
    return texts, np.concatenate(labels)
