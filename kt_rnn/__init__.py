"""kt_rnn: hyperparameter search for Keras recurrent networks.

`python -m kt_rnn.search imdb` (or `text --data PATH`, `sequence --data FILE.npz`)
loads the data, tunes a recurrent HyperModel with KerasTuner, logs every trial
to TensorBoard and exports the best model as a TensorFlow SavedModel that takes
raw input. From Python, `kt_rnn.tune(...)` runs the same search:

```python
import kt_rnn

result = kt_rnn.tune("tickets.csv", tuner="random", max_trials=10)
result.best_hyperparameters, result.test_scores, result.export_path
result.predict(["I was charged twice"])  # the class names the export predicts
model = kt_rnn.load_model(result.export_path)  # the exported Keras model, in a later session
```

Importing `kt_rnn` is light: TensorFlow loads when a search starts.
"""

from typing import Any

__version__ = "0.1.0"
__all__ = ["Result", "forecast", "load_model", "tune", "__version__"]


def __getattr__(name: str) -> Any:
    # Keep `import kt_rnn` light: the API module pulls in the CLI parser only, TensorFlow on use.
    if name in ("tune", "Result", "load_model", "forecast"):
        from kt_rnn import api

        return getattr(api, name)
    raise AttributeError(f"module 'kt_rnn' has no attribute {name!r}")
