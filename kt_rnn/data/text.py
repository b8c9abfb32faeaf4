"""Raw text -> vectorized `tf.data` splits, vectorized once per search."""

import os
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import keras
import numpy as np
import tensorflow as tf

from kt_rnn import objectives
from kt_rnn.data import Dataset, fingerprint, splits

_BREAK = r"<br\s*/?>"
_PUNCTUATION = r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']'
# Control and separator characters (IMDB has C1 controls such as \x85) become spaces: as
# tokens they would split the saved vocabulary file, which Keras reads back with splitlines().
_INVISIBLE = r"[\p{C}\p{Z}]+"
_ENCODE_BATCH = 2048
# (texts, labels): lists as read, or numpy arrays once split.
_Split = tuple[Sequence[str] | np.ndarray, Sequence[int] | np.ndarray]


@keras.saving.register_keras_serializable(package="kt_rnn")
def standardize(texts: tf.Tensor) -> tf.Tensor:
    """Lower-cases; turns HTML line breaks, punctuation and control characters into spaces."""
    texts = tf.strings.regex_replace(tf.strings.lower(texts), _BREAK, " ")
    texts = tf.strings.regex_replace(texts, _PUNCTUATION, " ")
    return tf.strings.regex_replace(texts, _INVISIBLE, " ")


def build(
    reviews: Mapping[str, _Split],
    config: Any,
    class_names: Sequence[str],
    source: str | os.PathLike[str],
    notes: Iterable[str] = (),
) -> Dataset:
    """Builds a `Dataset` from `{"train": (texts, labels), "test": (texts, labels)}`.

    Labels are integer indices into `class_names`. The training part is
    subsampled to `config.data.train_size` (if set), a seeded, stratified
    `config.data.validation_split` of it is held out, and the `TextVectorization`
    layer is adapted on the remaining training texts only.
    """
    train = _subsample(*reviews["train"], config.data.train_size, config.budget.seed)
    test = _subsample(*reviews["test"], config.data.test_size, config.budget.seed + 1)
    held = splits.stratified_holdout(
        train[1], config.data.validation_split, config.budget.seed, "validation split", class_names
    )
    train, validation = _take(train, ~held), _take(train, held)
    vectorizer = keras.layers.TextVectorization(
        max_tokens=config.data.max_tokens,
        standardize=standardize,
        output_mode="int",
        output_sequence_length=config.data.sequence_length,  # pads at the end, as cuDNN needs
    )
    vectorizer.adapt(tf.data.Dataset.from_tensor_slices(train[0]).batch(_ENCODE_BATCH))
    parts = {"train": train, "validation": validation, "test": test}
    return Dataset(
        train=_encoded(vectorizer, train),
        validation=_encoded(vectorizer, validation),
        test=tf.data.Dataset.from_tensor_slices((_strings(test[0]), test[1])),
        problem=objectives.CLASSIFICATION,
        spec={"vocab_size": vectorizer.vocabulary_size(), "sequence_length": config.data.sequence_length},
        class_names=tuple(class_names),
        sizes={name: len(part[1]) for name, part in parts.items()},
        preprocess=vectorizer,
        class_counts={name: splits.class_counts(part[1], class_names) for name, part in parts.items()},
        fingerprint=fingerprint(*reviews["train"], *reviews["test"]),
        source=str(source),
        notes=tuple(notes),
        raw_train=_joined(train, validation) if config.output.baselines != "none" else None,
    )


def _joined(*parts: tuple[np.ndarray, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The parts' texts and labels together: what the refit trains on, so the baselines do too."""
    return np.concatenate([part[0] for part in parts]), np.concatenate([part[1] for part in parts])


def _subsample(
    texts: Sequence[str] | np.ndarray, labels: Sequence[int] | np.ndarray, size: int | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    texts, labels = np.asarray(texts, dtype=object), np.asarray(labels, dtype=np.int64)
    if size is None or size >= len(labels):
        return texts, labels
    return _take((texts, labels), _sample(labels, size, np.random.default_rng(seed)))


def _sample(labels: np.ndarray, count: int, rng: np.random.Generator) -> np.ndarray:
    """Boolean mask selecting exactly `count` examples at random, each class in proportion.

    A sample (--train-size, --test-size), not a split: any size works, down to one example.
    """
    classes, sizes = np.unique(labels, return_counts=True)
    quotas = sizes * count / len(labels)
    take = np.floor(quotas).astype(int)
    take[np.argsort(take - quotas, kind="stable")[: count - take.sum()]] += 1  # largest remainders
    mask = np.zeros(len(labels), dtype=bool)
    for label, n in zip(classes, take):
        mask[rng.permutation(np.flatnonzero(labels == label))[:n]] = True
    return mask


def _take(split: tuple[np.ndarray, np.ndarray], mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return split[0][mask], split[1][mask]


def _encoded(vectorizer: keras.layers.TextVectorization, split: tuple[np.ndarray, np.ndarray]) -> tf.data.Dataset:
    texts = tf.data.Dataset.from_tensor_slices(_strings(split[0]))
    ids = np.concatenate([vectorizer(batch).numpy() for batch in texts.batch(_ENCODE_BATCH)])
    return tf.data.Dataset.from_tensor_slices((ids, split[1])).cache()


def _strings(texts: Iterable[str]) -> tf.Tensor:
    # Not `astype(str)`: a fixed-width unicode array of long reviews takes gigabytes.
    return tf.constant(list(texts), dtype=tf.string)
