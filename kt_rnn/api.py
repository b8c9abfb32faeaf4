"""`kt_rnn.tune(...)`: the search of the command line, from Python, on a dataset name, a path or data in memory.

The command line (`python -m kt_rnn.search`) parses its options and calls
`run(config)` here; `tune` builds the same `Config` from keyword arguments
(the command line's option names, with underscores), so both run the one
pipeline: resume, TensorBoard, export.
"""

import contextlib
import dataclasses
import os
import pathlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from kt_rnn.errors import UsageError

if TYPE_CHECKING:
    import keras
    import numpy as np

    from kt_rnn.config import Config
    from kt_rnn.search.tuners import DurableTuner

# Options `tune` takes as its own arguments (`data`, `dataset`, `test_data`), or not at all (a run file).
_NOT_KEYWORDS = ("dataset", "config", "data", "test_data")


@dataclasses.dataclass
class Result:
    """What a search found and where it went.

    Args:
        best_hyperparameters: the best trial's hyperparameters, `{name: value}`.
        objective: the metric trials were ranked by, e.g. `"val_accuracy"`.
        validation_score: the best trial's score on that objective.
        test_scores: the exported model's scores on the test part
            (accuracy, macro-F1, per class, ROC AUC; or MAE, RMSE, R²).
        export_path: the `best/` directory (`saved_model/`, `model.keras`, ...), an absolute path.
        metrics: everything in `best/metrics.json`.
        model: the exported Keras model (raw input in, the user's units out).
        tuner: the KerasTuner tuner, e.g. for `tuner.results_summary()`.
    """

    best_hyperparameters: dict[str, Any]
    objective: str
    validation_score: float
    test_scores: dict[str, Any]
    export_path: pathlib.Path
    metrics: dict[str, Any]
    model: "keras.Model"
    tuner: "DurableTuner | None"

    def predict(self, raw: Any) -> Any:
        """The exported model's answers to raw input: class names for a classifier, else values in `y`'s units.

        Args:
            raw: what the data held: texts (a list of strings), or numbers `[n, timesteps, features]`
                (a forecast's raw windows of its `window` most recent rows).

        Example:

        ```python
        result.predict(["A moving, wonderful film.", "Dull and far too long."])  # array(['pos', 'neg'])
        ```
        """
        from kt_rnn.tasks import outputs

        return outputs.predict_raw(self.model, raw, self.metrics.get("class_names"))

    def evaluate(self, raw: Any, labels: Any) -> dict[str, Any]:
        """The exported model's scores on raw input and its labels, as `test_scores` has them.

        Args:
            raw: as `predict` takes it.
            labels: class names (or class ids) for a classifier; values (a forecast's
                `[n, horizon]`) in `y`'s units otherwise.

        Returns:
            `{"accuracy", "macro_f1", "per_class", ...}` for classes, `{"mae", "rmse", "mse", "r2"}` for values.
        """
        from kt_rnn.tasks import outputs

        return outputs.evaluate_raw(self.model, raw, labels, self.metrics.get("class_names"))

    def __repr__(self) -> str:
        """One line: the objective and its score, the test part's headline scores, where the export went."""
        scores = self.test_scores.get("model", self.test_scores)  # a forecast's own scores sit under "model"
        headline = {name: round(value, 4) for name, value in scores.items() if _is_number(value)}
        return (
            f"Result(objective={self.objective!r}, validation_score={self.validation_score:.4f}, "
            f"test_scores={headline}, export_path='{self.export_path}')"
        )


def load_model(path: str | os.PathLike[str]) -> "keras.Model":
    """The exported Keras model (raw input in, the user's units out) of a search's `best/` directory.

    Args:
        path: `LOGDIR/PROJECT/best`, or its `model.keras`.

    Example:

    ```python
    model = kt_rnn.load_model("logs/imdb/best")
    model.predict(tf.constant(["A moving, wonderful film."]))
    ```
    """
    file = pathlib.Path(path)
    file = file / "model.keras" if file.is_dir() else file
    if not file.is_file():
        raise UsageError(
            f"No exported model at {file}. Expected a search's best/ directory (LOGDIR/PROJECT/best) "
            "or its model.keras: run the search first, or pass the --logdir and --project it used."
        )
    import keras

    import hypermodels.layers  # noqa: F401  (registers the layers a forecaster's model.keras names)
    import kt_rnn.data.text  # noqa: F401  (registers the text standardizer)

    return keras.saving.load_model(file)


def forecast(best: str | os.PathLike[str], rows: Any) -> "np.ndarray":
    """The next `horizon` values of a forecast search's target, in its units, from the most recent rows.

    The rows are read as the search read its CSV: sorted by the date column, gaps filled as it filled
    them (`--fill-missing`), categorical columns one-hot encoded with the training part's categories;
    the export reads the last `window` of them.

    Args:
        best: the search's `best/` directory (`LOGDIR/PROJECT/best`).
        rows: a CSV laid out as the search's data (the whole file with new rows appended, or just the
            recent rows under its header), or the rows in memory: a list of `{column: value}` dicts,
            oldest first, values as in the CSV (`""` or `None` for a gap).

    Example:

    ```python
    kt_rnn.forecast("logs/sales/best", "sales.csv")  # array([...]): the next 12 months of Sales
    ```
    """
    import json

    from kt_rnn.data import series

    settings_file = pathlib.Path(best) / "hparams.json"
    try:
        settings = json.loads(settings_file.read_text())
    except (OSError, ValueError):
        raise UsageError(
            f"No forecast export at {best}: {settings_file} cannot be read. Expected a timeseries search's "
            "best/ directory (LOGDIR/PROJECT/best)."
        ) from None
    if "horizon" not in settings or "window" not in settings:
        raise UsageError(f"{best} is not a forecast export (its hparams.json has no horizon): use result.predict.")
    with _as_csv(rows) as path:
        window = series.latest_window(path, settings)
    return load_model(best).predict(window[None], verbose=0)[0]


@contextlib.contextmanager
def _as_csv(rows: Any) -> Iterator[str]:
    """`rows` as a CSV path: a path as it is; dicts written to a temporary file with their keys as header."""
    if isinstance(rows, (str, os.PathLike)):
        yield os.fspath(rows)
        return
    import csv
    import tempfile

    rows = list(rows)
    if not rows or not all(isinstance(row, dict) for row in rows):
        raise UsageError("Expected rows as a CSV path or a non-empty list of {column: value} dicts, oldest first.")
    header = list(dict.fromkeys(name for row in rows for name in row))
    with tempfile.TemporaryDirectory(prefix="kt_rnn_rows_") as directory:
        path = os.path.join(directory, "rows.csv")
        with open(path, "w", newline="", encoding="utf-8") as file:
            writer = csv.DictWriter(file, fieldnames=header)
            writer.writeheader()
            writer.writerows({k: "" if v is None else v for k, v in row.items()} for row in rows)
        yield path


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def tune(data: Any = None, *, dataset: str | None = None, test_data: Any = None, **options: Any) -> Result | None:
    """Tunes a recurrent network on `data` and exports the best model; returns a `Result`.

    Args:
        data: what to tune on:
            - `"imdb"` (the IMDB reviews, from `$KT_RNN_DATA` or downloaded;
              a local copy: `tune(path, dataset="imdb")`);
            - a path: a folder of one subfolder of `.txt` files per class, a
              `.csv`/`.tsv` of texts and labels, or an `.npz` of sequences;
            - in memory: `(texts, labels)` (lists of strings and labels),
              `(x, y)` numpy arrays `[n, timesteps, features]` and `[n]`, or a
              `tf.data.Dataset` of `(x, y)` pairs.
        dataset: `"imdb"`, `"text"`, `"sequence"` or `"timeseries"` (a series to forecast: a CSV
            path with `target=`); defaults to `None`,
            inferred from `data`.
        test_data: a test part in the same form as `data` (default: a
            seeded, stratified `test_split` of `data` is held out).
        **options: any option of `python -m kt_rnn.search` with underscores
            for dashes: `tuner="random"`, `max_trials=5`, `fix=["cell=gru"]`,
            `logdir="logs"`, `project="tickets"`, `objective="val_macro_f1"`,
            `task="regression"`, `quick=True`, ... `quiet=True` prints nothing at all (the
            command line's `--quiet` keeps one line per trial); the run's record is in its
            directory (`python -m kt_rnn.report`, TensorBoard) and in the `Result`.

    Example:

    ```python
    import numpy as np
    import kt_rnn

    x = np.random.default_rng(0).normal(size=(200, 12, 3)).astype("float32")
    y = (x[:, :, 0].mean(axis=1) > 0).astype("int64")
    result = kt_rnn.tune((x, y), tuner="random", max_trials=2, max_epochs=2, logdir="/tmp/kt_logs")
    result.best_hyperparameters, result.test_scores["accuracy"], result.export_path
    ```
    """
    dataset, path, memory = _source(data, dataset)
    test_path, test_memory = _test_source(test_data, dataset)
    from kt_rnn import data as data_lib
    from kt_rnn import options as options_lib
    from kt_rnn.config import Config

    values = options_lib.resolve(options, where="for kt_rnn.tune", excluded=_NOT_KEYWORDS)
    paths = {name: value for name, value in (("data", path), ("test_data", test_path)) if value is not None}
    config = Config.from_options({**values, "dataset": dataset, **paths})
    with _silenced(bool(values.get("quiet"))):
        return run(config, data_lib.in_memory(dataset, memory, test_memory))


@contextlib.contextmanager
def _silenced(quiet: bool) -> Iterator[None]:
    """Nothing on stdout, nor TensorFlow's C++ and Python log lines, while a quiet `tune` runs.

    Errors still raise; warnings that Python's `warnings` module shows are left to the caller's filters.
    """
    if not quiet:
        yield
        return
    import logging

    from kt_rnn.runtime import native_logs

    os.environ.setdefault(native_logs.USER_SETTING, "1")  # Python-side TensorFlow INFO lines, before it loads
    tf_logger, level = logging.getLogger("tensorflow"), logging.getLogger("tensorflow").level
    tf_logger.setLevel(logging.ERROR)  # "N out of the last M calls ... triggered tf.function retracing"
    try:
        with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink), native_logs.filtered():
            yield
    finally:
        tf_logger.setLevel(level)


def run(config: "Config", data: dict[str, Any] | None = None) -> Result | None:
    """Runs the search of a `Config` (the command line's entry point); returns a `Result`.

    `data` is examples already in memory, as the dataset's loader takes them.
    """
    from kt_rnn import data as data_lib

    data = data_lib.read_inputs(config, data)  # a bad path, column or shape fails before TensorFlow loads
    from kt_rnn.search import pipeline  # heavy: TensorFlow, Keras, KerasTuner

    export = pipeline.run(config, data=data)
    if export is None:  # a distributed worker: the chief exports
        return None
    m = export.metrics
    return Result(
        export.hparams,
        m["objective"],
        m["best_validation_score"],
        m["test"],
        pathlib.Path(export.path).absolute(),
        m,
        export.model,
        export.tuner,
    )


def _source(data: Any, dataset: str | None) -> tuple[str, str | None, tuple[Any, Any] | None]:
    """`(dataset name, path or None, in-memory data or None)` for `tune`'s `data`."""
    from kt_rnn import data as data_lib  # numpy: not at `import kt_rnn`
    from kt_rnn import tasks

    if isinstance(data, (str, os.PathLike)):
        text = os.fspath(data)
        if dataset is None and text in tasks.datasets() and not os.path.exists(text):
            return text, None, None  # a dataset by name: tune("imdb")
        return dataset or data_lib.dataset_of(path=text), text, None
    if data is None:
        if dataset is None:
            raise UsageError("Pass data to tune: 'imdb', a path, (texts, labels) or (x, y) arrays.")
        return dataset, None, None
    pair = _pair(data)
    return dataset or data_lib.dataset_of(pair=pair), None, pair


def _test_source(test_data: Any, dataset: str) -> tuple[str | None, tuple[Any, Any] | None]:
    if test_data is None or isinstance(test_data, (str, os.PathLike)):
        return (os.fspath(test_data) if test_data is not None else None), None
    return None, _pair(test_data)


def _pair(data: Any) -> tuple[Any, Any]:
    """`(x, y)` from a pair or a `tf.data.Dataset` of pairs (materialised as numpy arrays)."""
    if hasattr(data, "element_spec") and hasattr(data, "as_numpy_iterator"):
        xs, ys = zip(*data.as_numpy_iterator())
        return _decoded(xs), _decoded(ys)
    if isinstance(data, (tuple, list)) and len(data) == 2:
        return data[0], data[1]
    raise UsageError(
        "Expected data as (texts, labels), (x, y) arrays or a tf.data.Dataset of (x, y) pairs. "
        f"Received: {type(data).__name__}"
    )


def _decoded(values):
    """tf.data's strings (bytes) as `str`, numbers as one numpy array."""
    import numpy as np

    if isinstance(values[0], bytes):
        return [value.decode("utf-8", "replace") for value in values]
    return np.stack(values)
