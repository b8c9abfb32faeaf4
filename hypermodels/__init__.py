"""KerasTuner HyperModels for recurrent networks (Embedding + SimpleRNN/GRU/LSTM stacks)."""

from typing import Any

from hypermodels.space import SearchSpace

__all__ = ["RNNClassifier", "SearchSpace"]


def __getattr__(name: str) -> Any:
    # Keep `import hypermodels` light: the HyperModel pulls in Keras and KerasTuner.
    if name == "RNNClassifier":
        from hypermodels.classifier import RNNClassifier

        return RNNClassifier
    raise AttributeError(f"module 'hypermodels' has no attribute {name!r}")
