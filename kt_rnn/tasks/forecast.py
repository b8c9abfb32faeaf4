"""The forecasting task: raw recent history -> the next `horizon` values, scored against the naive forecasts.

Its dataset is `timeseries` (a CSV series, `kt_rnn.data.timeseries`). The
export takes raw windows `[batch, window, inputs]` (the target in column 0)
and returns `[batch, horizon]` forecasts in the target's units. Its test
scores compare the model with the naive (last value) and seasonal-naive
forecasts on the same test windows (`kt_rnn.tasks.forecast_scores`) and,
unless `--baselines none`, with AutoETS and AutoARIMA (`kt_rnn.tasks.baselines`).
"""

import functools
import pathlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import keras
import numpy as np

from hypermodels import bases
from hypermodels import space as sp
from hypermodels.forecaster import RNNForecaster, windows
from hypermodels.layers import ForecastOutput
from kt_rnn.tasks import baselines, forecast_scores
from kt_rnn.tasks.forecast_scores import base_line, network_line  # noqa: F401  (the task's own: what the export says of its base)
from kt_rnn.tasks.outputs import PREDICT_BATCH, assets  # noqa: F401  (the task's own: no assets)

if TYPE_CHECKING:
    from hypermodels.forecaster import Segment

PREDICTIONS_FILE = "predictions.csv"
PLOT_FILE = "forecast.png"


def hypermodel(config: Any, dataset: Any) -> RNNForecaster:
    """The forecaster for `dataset`'s columns, horizon and training statistics.

    Its loss follows the objective: MAE for `val_mae`, else MSE.
    """
    spec = dataset.spec
    return RNNForecaster(
        spec["inputs"],
        spec["horizon"],
        spec["mean"],
        spec["variance"],
        spec["target_mean"],
        spec["target_std"],
        stride=spec["stride"],
        season=spec["season"],
        min_epoch_steps=sp.MIN_EPOCH_STEPS,
        loss="mae" if config.budget.objective == "val_mae" else "mse",
        space=config.space,
        seed=config.budget.seed,
        jit_compile=config.jit_for(dataset.sizes["train"]),
        dtype_policy=config.dtype_policy,
        ema=config.budget.ema,
    )


def folds(dataset: Any, k: int | None) -> list[tuple["Segment", "Segment"]] | None:
    """`k` rolling-origin folds of the training and validation parts (`Segment.folds`), or None for one."""
    return None if (k or 1) == 1 else dataset.train.folds(dataset.validation, k)


def serving_model(model: keras.Model, dataset: Any, hparams: Mapping[str, Any]) -> keras.Model:
    """Raw windows in, forecasts in the target's units out."""
    spec = dataset.spec
    window = keras.Input(shape=(hparams[sp.WINDOW], spec["inputs"]), dtype="float32", name="window")
    return keras.Model(window, _forecast(model, window, spec, hparams, "forecast"), name="forecaster")


def named_outputs(dataset: Any) -> Callable[[Any], dict[str, Any]]:
    """The SavedModel's output by name: `forecast`, the next `horizon` values in the target's units."""
    return lambda forecast: {"forecast": forecast}


def serving_ensemble(models: Sequence[keras.Model], dataset: Any, hparams: Sequence[Mapping[str, Any]]) -> keras.Model:
    """The mean forecast of `models` (trials with their own windows and bases, `hparams` in order), in
    the target's units: it reads the longest window, each member the most recent steps it was trained on."""
    spec, longest = dataset.spec, max(h[sp.WINDOW] for h in hparams)
    window = keras.Input(shape=(longest, spec["inputs"]), dtype="float32", name="window")
    forecasts = [
        _forecast(model, window[:, longest - h[sp.WINDOW] :, :], spec, h, f"forecast_{i}", f"member_{i}")
        for i, (model, h) in enumerate(zip(models, hparams))
    ]
    return keras.Model(window, keras.layers.Average(name="ensemble_mean")(forecasts), name="forecaster")


def best_base(
    hypermodel: RNNForecaster,
    dataset: Any,
    folds: Sequence[tuple["Segment", "Segment"]] | None,
    hparams: Mapping[str, Any],
    trial_mae: float,
) -> dict[str, Any]:
    """The base that forecasts the validation windows best, beside the best trial's validation MAE there.

    On a short series a network can learn a correction that does worse than none: each base (`_bases`:
    the space's, and the naive and seasonal-naive forecasts the test scores compare with) is scored alone
    (`RNNForecaster.base_error`) on the validation windows the trials were scored on (each fold's,
    averaged), with the best trial's window. `trial_mae` is the best trial's validation MAE there
    (`val_mae`, scaled, each fold's at its best epoch). The export serves the base instead of the network
    where its MAE is not higher (`base_wins`), and says how far apart they were either way.
    Returns `{"hparams": {window, predict}, "validation_mae", "trial_validation_mae"}`, the MAEs in
    the target's units.
    """
    parts = [validation for _, validation in folds] if folds else [dataset.validation]
    window = hparams[sp.WINDOW]
    errors = {
        predict: float(np.mean([hypermodel.base_error(part, window, predict) for part in parts]))
        for predict in _bases(hypermodel, window)
    }
    best = min(errors, key=errors.get)  # type: ignore[arg-type]
    return {
        "hparams": {sp.WINDOW: window, sp.PREDICT: best},
        "validation_mae": errors[best],
        "trial_validation_mae": trial_mae * dataset.spec["target_std"],
    }


def base_wins(comparison: Mapping[str, Any]) -> bool:
    """True when `best_base`'s base forecast the validation windows at least as well as the best trial."""
    return bool(comparison["validation_mae"] <= comparison["trial_validation_mae"])


def _bases(hypermodel, window):
    """The bases `best_base` weighs: the space's `predict`s, the naive forecast (`change`) and, where
    the season reaches the model and `window` holds it, the seasonal ones, whether the plan kept them
    or not (a base the training part ranked lower can still forecast the validation part best)."""
    found = set(sp.possible_values(hypermodel.space.domain(sp.PREDICT))) | {"change"}
    season = hypermodel.season
    if sp.seasonal(season):
        found |= {predict for predict in bases.SEASONAL if window >= bases.min_window(predict, season)}
    return sorted(found)


def serving_base(dataset: Any, hparams: Mapping[str, Any]) -> keras.Model:
    """Raw windows in, the base forecast of `hparams`' `predict` out: a forecaster that adds no correction."""
    spec = dataset.spec
    window = keras.Input(shape=(hparams[sp.WINDOW], spec["inputs"]), dtype="float32", name="window")
    none = keras.layers.Dense(spec["horizon"], kernel_initializer="zeros", trainable=False, name="no_correction")(
        keras.layers.Flatten()(window)
    )
    output = ForecastOutput(
        hparams[sp.PREDICT], spec["target_mean"], spec["target_std"], season=spec["season"], name="forecast"
    )
    return keras.Model(window, output([none, window]), name="base_forecaster")


def _forecast(
    model: keras.Model,
    window: keras.KerasTensor,
    spec: Mapping[str, Any],
    hparams: Mapping[str, Any],
    name: str,
    member: str | None = None,
) -> keras.KerasTensor:
    """`model`'s forecast of `window` (raw) in the target's units: its output with its base added back."""
    inference = keras.Model(model.input, model.output, name=member or model.name)
    output = ForecastOutput(
        hparams[sp.PREDICT], spec["target_mean"], spec["target_std"], season=spec["season"], name=name
    )
    return output([inference(window), window])


def scores(model: keras.Model, dataset: Any) -> dict[str, Any]:
    """The model's, the naive forecasts' and (unless `--baselines none`) AutoETS's and AutoARIMA's errors
    on the same test windows, in the target's units; each classical model keeps its name, or why it is missing."""
    test = _test_forecasts(model, dataset)
    train_target = dataset.test.values[: dataset.spec["train_end"], 0]
    scale = forecast_scores.mase_scale(train_target, dataset.spec["season"])
    classical = test["classical"]
    found = forecast_scores.forecast(
        test["actual"],
        test["predicted"],
        test["naive"],
        test["seasonal"],
        scale,
        {name: fitted["forecasts"] for name, fitted in classical.items() if "forecasts" in fitted},
    )
    for name, fitted in classical.items():  # which model each chose, how long it took, or why it is missing
        found.setdefault("baselines", {}).setdefault(name, {}).update(
            {key: value for key, value in fitted.items() if key != "forecasts"}
        )
    return {**found, "season": dataset.spec["season"]}  # 1: the seasonal naive forecast is the naive one


def summary_lines(scores: Mapping[str, Any]) -> list[str]:
    """The comparison line, then a line per classical baseline that could not be fitted."""
    fitted = {name: found for name, found in (scores.get("baselines") or {}).items() if "mae" in found}
    missing = [found["error"] for found in (scores.get("baselines") or {}).values() if "mae" not in found]
    return [forecast_scores.comparison_line({**scores, "baselines": fitted}, baselines.NAMES), *missing]


def settings(dataset: Any, model: keras.Model | None = None) -> dict[str, Any]:
    """What a user of the export needs to know: columns in order, target, horizon, season, how the rows
    were read (`reading`: date column, gap filling, categorical columns, for `kt_rnn.forecast`) and, given
    the served `model`, the rows of history it reads (`window`: an ensemble's longest member's)."""
    spec = dataset.spec
    found = {
        "features": spec["columns"],
        "target": spec["target"],
        "horizon": spec["horizon"],
        "season": spec["season"],
        "frequency": spec["frequency"],
        "reading": spec["reading"],
    }
    return found if model is None else {**found, "window": int(model.input.shape[1])}


def export_files(model: keras.Model, dataset: Any) -> dict[str, Callable[[pathlib.Path], Any]]:
    """`predictions.csv` (every test window and step: actual, forecast, naive) and, with matplotlib, a plot."""
    test = _test_forecasts(model, dataset)
    dates = dataset.spec["dates"]
    columns = (test["origins"], test["actual"], test["predicted"], test["naive"], test["seasonal"])
    classical = {name: fitted["forecasts"] for name, fitted in test["classical"].items() if "forecasts" in fitted}
    files = {PREDICTIONS_FILE: lambda path: forecast_scores.write_predictions(path, dates, *columns, classical)}
    plot = _plot_module()
    if plot is not None:
        history = dataset.test.values[:, 0]
        seasonal = test["seasonal"] if dataset.spec["season"] > 1 else None  # else the naive forecast again
        files[PLOT_FILE] = lambda path: plot.write(
            path, dates, history, *columns[:4], seasonal=seasonal, title=f"{dataset.spec['target']}: test period"
        )
    return files


def _test_forecasts(model: keras.Model, dataset: Any) -> dict[str, Any]:
    """The test windows' origins, actual values, the model's and the baselines' forecasts."""
    spec, segment = dataset.spec, dataset.test
    window = int(model.input.shape[1])
    origins = segment.origins(window, spec["horizon"], spec["stride"])
    inputs, actual = (
        np.stack(part) for part in zip(*windows(segment, window, spec["horizon"], spec["stride"]).as_numpy_iterator())
    )
    predicted = np.asarray(model.predict(inputs, batch_size=PREDICT_BATCH, verbose=0))
    naive, seasonal = forecast_scores.baselines(segment.values[:, 0], origins, spec["horizon"], spec["season"])
    classical: dict[str, dict[str, Any]] = {}
    if spec.get("baselines"):
        classical = _classical(
            segment.values[:, 0].tobytes(), segment.begin, origins.tobytes(), spec["horizon"], spec["season"]
        )
    return {
        "origins": origins,
        "actual": actual,
        "predicted": predicted,
        "naive": naive,
        "seasonal": seasonal,
        "classical": classical,
    }


@functools.lru_cache(maxsize=2)  # the scores and the export files of one export ask for the same forecasts
def _classical(history: bytes, fit_end: int, origins: bytes, horizon: int, season: int) -> dict[str, dict[str, Any]]:
    """`baselines.classical_forecasts` of a series given as bytes (hashable, for the cache)."""
    return baselines.classical_forecasts(
        np.frombuffer(history), fit_end, np.frombuffer(origins, dtype=int), horizon, season
    )


def _plot_module():
    try:
        from kt_rnn.tasks import forecast_plot
    except ImportError:  # matplotlib comes with the `report` extra
        return None
    return forecast_plot
