"""Dataset registry: `name -> loader`. A loader turns a `Config` into a `Dataset`."""

import dataclasses
import importlib
from typing import Any

# name -> "module:function"; imported on use so the registry itself stays light.
LOADERS = {"imdb": "kt_rnn.data.imdb:load"}


@dataclasses.dataclass
class Dataset:
    """Splits ready for a search, and what the exported model needs to serve raw input.

    Args:
        train: unbatched `tf.data.Dataset` of `(token_ids, label)`.
        validation: same, held out from the training split; used for selection.
        test: unbatched `tf.data.Dataset` of `(raw_text, label)`; used once, to
            score the exported model.
        vectorizer: the `TextVectorization` layer adapted on `train` only.
        class_names: label names, index = label.
        sizes: `{"train": n, "validation": n, "test": n}`.
    """

    train: Any
    validation: Any
    test: Any
    vectorizer: Any
    class_names: tuple
    sizes: dict

    @property
    def vocab_size(self):
        return self.vectorizer.vocabulary_size()

    @property
    def sequence_length(self):
        return self.vectorizer.get_config()["output_sequence_length"]


def get_loader(name):
    """Returns the loader registered as `name`; raises `ValueError` listing the valid names."""
    if name not in LOADERS:
        raise ValueError(f"Unknown dataset. Expected one of {sorted(LOADERS)}. Received: dataset={name!r}")
    module, function = LOADERS[name].split(":")
    return getattr(importlib.import_module(module), function)


def load(config):
    """Loads `config.dataset` as a `Dataset`."""
    return get_loader(config.dataset)(config)
