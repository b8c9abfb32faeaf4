"""Forecast scores set against the naive and seasonal-naive forecasts of the same windows.

A forecaster's MAE alone says nothing: on a smooth or seasonal series, repeating
the last value (naive) or the value one season earlier (seasonal naive) is often
hard to beat. So every score here is computed for the model AND both baselines
on the same test windows, in the original units, overall and per horizon step,
with MASE (the MAE relative to the in-sample seasonal-naive MAE of the training
part) and the skill over each baseline. `write_predictions` keeps the raw
forecasts as a CSV so that a reader can check any number.

Arrays of forecasts are `[n_windows, horizon]`: row `i` holds the forecasts
made at `origins[i]`, the index of the first forecast step in the series.

numpy only: no TensorFlow import.
"""

import csv
import math
import os
import pathlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt

PREDICTIONS_FILE = "predictions.csv"
COLUMNS = ("origin", "date", "step", "actual", "forecast", "naive", "seasonal_naive")
METHODS = ("model", "naive", "seasonal_naive")
TIE_PERCENT = 0.05  # a difference under it is a tie: an exported base served in float32 is its baseline, rounded


def baselines(
    history: npt.ArrayLike, origins: npt.ArrayLike, horizon: int, season: int | None
) -> tuple[np.ndarray, np.ndarray]:
    """The naive and seasonal-naive forecasts of each test window.

    Args:
        history: 1-D float array, the target over the whole series, in original
            units. Only values before each origin are read.
        origins: int array of shape `[n_windows]`, for each window the index of
            its first forecast step (its last observed value is
            `history[origin - 1]`).
        horizon: int, the number of steps forecast from each origin.
        season: int or None; the season length in steps. None or 1 makes the
            seasonal naive forecast the naive one.

    Returns:
        `(naive, seasonal)`, float arrays of shape `[n_windows, horizon]`.
        `naive[i, k] = history[origins[i] - 1]`; `seasonal[i, k]` is the most
        recent observed value at the phase of step `k` (0-based):
        `history[origin + k - season * ceil((k + 1) / season)]`.

    Example:

    >>> naive, seasonal = baselines([1., 2., 3., 4., 5., 6.], [4], horizon=3, season=2)
    >>> naive.tolist(), seasonal.tolist()
    ([[4.0, 4.0, 4.0]], [[3.0, 4.0, 3.0]])
    """
    history = _series("history", history)
    origins, m = _origins(origins, len(history)), _season(season)
    if horizon < 1:
        raise ValueError(f"Expected horizon >= 1. Received: horizon={horizon}")
    if origins.min() < m:
        raise ValueError(
            f"Expected every origin >= season ({m}): the seasonal naive forecast needs "
            f"one full season observed. Received: smallest origin {origins.min()}"
        )
    steps = np.arange(horizon)
    naive = np.repeat(history[origins - 1][:, None], horizon, axis=1)
    # ceil((k + 1) / m) seasons back lands on the latest observed value of step k's phase.
    lags = m * (steps // m + 1)
    return naive, history[origins[:, None] + steps - lags]


def mase_scale(train_target: npt.ArrayLike, season: int | None) -> float | None:
    """The in-sample seasonal-naive MAE of the training part: MASE's denominator.

    Args:
        train_target: 1-D float array, the target over the training part only
            (scaling on test values would leak them into the score).
        season: int or None; the lag `m` of the in-sample forecast (None: 1).

    Returns:
        `mean(|y[t] - y[t - m]|)` over `t >= m` as a float, or None when it is
        0 (a constant series), where MASE is undefined.

    Raises:
        ValueError: the training part is not longer than `m`.

    Example:

    >>> mase_scale([1., 3., 2., 6.], season=2)
    2.0
    """
    y, m = _series("train_target", train_target), _season(season)
    if len(y) <= m:
        raise ValueError(
            f"Expected a training part longer than the season ({m}) to scale MASE. Received: {len(y)} values"
        )
    scale = float(np.mean(np.abs(y[m:] - y[:-m])))
    return scale or None


def forecast(
    actual: npt.ArrayLike,
    predicted: npt.ArrayLike,
    naive: npt.ArrayLike,
    seasonal: npt.ArrayLike,
    scale: float | None,
    classical: Mapping[str, npt.ArrayLike] | None = None,
) -> dict[str, Any]:
    """Scores the model and both baselines on the same windows, overall and per step.

    Args:
        actual: float array `[n_windows, horizon]`, the observed values.
        predicted: float array of the same shape, the model's forecasts.
        naive: the naive forecasts, from `baselines`.
        seasonal: the seasonal-naive forecasts, from `baselines`.
        scale: float or None, from `mase_scale`; None reports MASE as None.
        classical: `{name: [n_windows, horizon] array}` of other baselines'
            forecasts (`kt_rnn.tasks.baselines.classical_forecasts`), or None.

    Returns:
        JSON-ready dict: `model`, `naive` and `seasonal_naive` (each
        `{mae, rmse, smape, mase}` over all windows and steps; sMAPE in
        percent), `per_step` (a list, one `{step, model, naive,
        seasonal_naive}` per horizon step, `step` from 1), `windows` (the
        number of windows) and `skill` (`mae_vs_naive`,
        `mae_vs_seasonal_naive`: `1 - MAE_model / MAE_baseline`, positive when
        the model is better; None when the baseline's MAE is 0). With
        `classical`, `baselines` holds each one's errors, `per_step` its
        errors per step and `skill` a `mae_vs_<name>`. The task adds
        `season`, which `comparison_line` reads.

    Example:

    >>> s = forecast([[2., 4.]], [[2., 3.]], [[1., 1.]], [[2., 2.]], scale=2.0)
    >>> s["model"]["mae"], s["naive"]["mae"], s["model"]["mase"], s["skill"]["mae_vs_naive"]
    (0.5, 2.0, 0.25, 0.75)
    """
    actual = _windows("actual", actual)
    forecasts = _forecasts(actual.shape, dict(zip(METHODS, (predicted, naive, seasonal)), **(classical or {})))
    errors = {name: _errors(actual, values, scale) for name, values in forecasts.items()}
    scores: dict[str, Any] = {name: errors.pop(name) for name in METHODS}
    if classical:
        scores["baselines"] = errors
    scores["per_step"] = [
        {"step": k + 1, **{name: _errors(actual[:, k], values[:, k], scale) for name, values in forecasts.items()}}
        for k in range(actual.shape[1])
    ]
    scores["windows"] = int(actual.shape[0])
    scores["skill"] = {
        f"mae_vs_{name}": _skill(scores["model"]["mae"], found["mae"])
        for name, found in [*((n, scores[n]) for n in METHODS[1:]), *errors.items()]
    }
    return scores


def base_line(base: Mapping[str, Any], trial: str) -> str:
    """`Exported the base alone (window=24, predict=seasonal), not a network: no trial beat its validation
    MAE (1.21 against trial 03's 1.35)`."""
    settings = ", ".join(f"{name}={value}" for name, value in base["hparams"].items())
    return (
        f"Exported the base alone ({settings}), not a network: no trial beat its validation MAE "
        f"({base['validation_mae']:.4g} against trial {trial}'s {base['trial_validation_mae']:.4g})"
    )


def network_line(base: Mapping[str, Any], trial: str) -> str:
    """`Trial 03's validation MAE 1.21 against 1.35 for the best base alone (window=24, predict=seasonal):
    10% lower`: what the exported network's search gained over a forecast with no network."""
    settings = ", ".join(f"{name}={value}" for name, value in base["hparams"].items())
    network, alone = base["trial_validation_mae"], base["validation_mae"]
    change = abs(1 - network / alone) if alone > 0 else 0.0
    return (
        f"Trial {trial}'s validation MAE {network:.4g} against {alone:.4g} for the best base alone ({settings}): "
        f"{100 * change:.0f}% {'lower' if network <= alone else 'higher'}"
    )


def comparison_line(scores: Mapping[str, Any], names: Mapping[str, str] | None = None) -> str:
    """One human line: the model's MAE beside the baselines', and its edge on the best ones.

    The verdict is against the better of the naive forecasts, so a model never "beats" a
    baseline while losing to the other; with classical baselines (`scores["baselines"]`), also
    against the best of those. `names` gives their display names (default: as in the scores).

    Example:

    >>> comparison_line({"model": {"mae": 1210.0, "mase": 0.7912}, "naive": {"mae": 1841.2},
    ...                  "seasonal_naive": {"mae": 1530.0},
    ...                  "skill": {"mae_vs_naive": 0.3428, "mae_vs_seasonal_naive": 0.2092}})
    'test MAE 1210 | naive 1841 | seasonal naive 1530 | MASE 0.7912 | beats seasonal naive by 21%'

    Without a season (`scores["season"]` 1) the seasonal-naive forecast is the naive one, so it is
    not shown as a second baseline:

    >>> comparison_line({"model": {"mae": 9.0, "mase": 0.9}, "naive": {"mae": 10.0}, "seasonal_naive": {"mae": 10.0},
    ...                  "skill": {"mae_vs_naive": 0.1, "mae_vs_seasonal_naive": 0.1}, "season": 1})
    'test MAE 9 | naive 10 | MASE 0.9 | beats naive by 10%'

    With classical baselines:

    >>> comparison_line({"model": {"mae": 1210.0, "mase": 0.79}, "naive": {"mae": 1841.0},
    ...                  "seasonal_naive": {"mae": 1960.0}, "baselines": {"auto_ets": {"mae": 1110.0}},
    ...                  "skill": {"mae_vs_naive": 0.343, "mae_vs_seasonal_naive": 0.383, "mae_vs_auto_ets": -0.09}},
    ...                 names={"auto_ets": "ETS"})
    'test MAE 1210 | naive 1841 | seasonal naive 1960 | ETS 1110 | MASE 0.79 | beats naive by 34%, loses to ETS by 9%'
    """
    names = names or {}
    model, naive, seasonal = (scores[name]["mae"] for name in METHODS)
    seasonal_shown = scores.get("season", 2) > 1  # scores written before the season was kept: as they were
    classical = {name: found["mae"] for name, found in (scores.get("baselines") or {}).items()}
    parts = [
        f"test MAE {format_number(model)}",
        f"naive {format_number(naive)}",
        *([f"seasonal naive {format_number(seasonal)}"] if seasonal_shown else []),
        *(f"{names.get(name, name)} {format_number(mae)}" for name, mae in classical.items()),
        f"MASE {format_number(scores['model']['mase'])}",
    ]
    # Ties go to "naive": with no season both baselines are the naive forecast.
    name = "seasonal_naive" if seasonal_shown and seasonal < naive else "naive"
    verdicts = [_verdict(name.replace("_", " "), scores["skill"][f"mae_vs_{name}"])]
    if classical:
        best = min(classical, key=classical.get)  # type: ignore[arg-type]
        verdicts.append(_verdict(names.get(best, best), scores["skill"][f"mae_vs_{best}"]))
    return " | ".join(parts) + " | " + ", ".join(verdicts)


def format_number(value: float | None, digits: int = 4) -> str:
    """`value` to `digits` significant digits, without an exponent from 1e-4 to 1e15; None: "n/a".

    Example:

    >>> format_number(1841.25), format_number(123456.0), format_number(0.79), format_number(None)
    ('1841', '123500', '0.79', 'n/a')
    """
    if value is None:
        return "n/a"
    if 10**digits <= abs(value) < 1e15:
        # `g` would switch to 1.235e+05 here; round instead and print the integer.
        return f"{round(value, digits - 1 - int(math.floor(math.log10(abs(value))))):.0f}"
    return f"{value:.{digits}g}"


def write_predictions(
    path: str | os.PathLike[str],
    dates: np.ndarray | None,
    origins: npt.ArrayLike,
    actual: npt.ArrayLike,
    predicted: npt.ArrayLike,
    naive: npt.ArrayLike,
    seasonal: npt.ArrayLike,
    classical: Mapping[str, npt.ArrayLike] | None = None,
) -> pathlib.Path:
    """Writes every forecast as `predictions.csv`, atomically; returns the path written.

    One row per window and step, columns
    `origin,date,step,actual,forecast,naive,seasonal_naive` and one per
    classical baseline; `step` counts from 1 and `date` is the forecast step's date.

    Args:
        path: path of the CSV, or an existing directory to write
            `predictions.csv` into. Written to a temporary sibling, then
            renamed: a reader never sees half a file.
        dates: numpy datetime64 array over the whole series, or None to write
            the step's row index in the series as `date`.
        origins: int array `[n_windows]`, as for `baselines`.
        actual, predicted, naive, seasonal: float arrays `[n_windows, horizon]`.
        classical: `{name: [n_windows, horizon] array}`, or None: a column each.

    Example:

    >>> write_predictions("out", None, [3], [[5.]], [[4.5]], [[4.]], [[3.]])  # doctest: +SKIP
    PosixPath('out/predictions.csv')

    writes `origin,date,step,actual,forecast,naive,seasonal_naive` then
    `3,3,1,5.0,4.5,4.0,3.0`.
    """
    path = pathlib.Path(path)
    path = path / PREDICTIONS_FILE if path.is_dir() else path
    classical = classical or {}
    given = (actual, predicted, naive, seasonal, *classical.values())
    tables = [_windows(n, a) for n, a in zip(("actual", *METHODS, *classical), given)]
    origins = np.asarray(origins, dtype=int).reshape(-1)
    if any(t.shape != tables[0].shape for t in tables) or len(origins) != len(tables[0]):
        raise ValueError(
            f"Expected one origin per window and forecasts of one shape. Received: "
            f"{len(origins)} origins, shapes {[t.shape for t in tables]}"
        )
    rows = _prediction_rows(_step_labels(dates, origins, tables[0].shape[1]), origins, tables)
    _write_atomic(path, (*COLUMNS, *classical), rows)
    return path


def _forecasts(shape: tuple[int, ...], forecasts: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """`{method: [n_windows, horizon] array}`, each checked to be of the shape of the actuals."""
    forecasts = {name: _windows(name, values) for name, values in forecasts.items()}
    for name, values in forecasts.items():
        if values.shape != shape:
            raise ValueError(f"Expected {name} forecasts of the shape of actual {shape}. Received: {values.shape}")
    return forecasts


def _errors(actual: np.ndarray, forecast: np.ndarray, scale: float | None) -> dict[str, float | None]:
    from kt_rnn.tasks import scores  # the one regression scorer (scikit-learn's): loaded to score, not to report

    fit = scores.regression(actual.ravel(), forecast.ravel())  # over every window and step
    mae = cast(float, fit["mae"])
    mase = None if scale is None else mae / scale
    return {"mae": mae, "rmse": fit["rmse"], "smape": _smape(actual, forecast), "mase": mase}


def _smape(actual: np.ndarray, forecast: np.ndarray) -> float:
    # A term where both the forecast and the actual are 0 is a perfect forecast: 0, not 0/0.
    denominator = np.abs(actual) + np.abs(forecast)
    terms = np.divide(2 * np.abs(forecast - actual), denominator, out=np.zeros_like(denominator), where=denominator > 0)
    return 100 * float(np.mean(terms))


def _skill(model_mae: float, baseline_mae: float) -> float | None:
    # An exact baseline leaves no room for skill: undefined rather than -inf.
    return None if baseline_mae == 0 else 1 - model_mae / baseline_mae


def _verdict(baseline: str, skill: float | None) -> str:
    if skill is None:
        return f"{baseline} is exact"
    percent = abs(skill) * 100
    if percent < TIE_PERCENT:
        return f"ties with {baseline}"
    text = f"{percent:.0f}%" if percent >= 9.5 else f"{percent:.2g}%"
    return f"beats {baseline} by {text}" if skill > 0 else f"loses to {baseline} by {text}"


def _step_labels(dates: np.ndarray | None, origins: np.ndarray, horizon: int) -> np.ndarray:
    """The `date` column: `[n_windows, horizon]` ISO dates, or the steps' row indices."""
    index = origins[:, None] + np.arange(horizon)
    if dates is None:
        return index
    dates = np.asarray(dates)
    if not np.issubdtype(dates.dtype, np.datetime64) or dates.ndim != 1 or index.max() >= len(dates):
        raise ValueError(
            f"Expected dates as a 1-D datetime64 array covering step {index.max()}. "
            f"Received: dtype {dates.dtype}, shape {dates.shape}"
        )
    return np.datetime_as_string(dates[index])


def _prediction_rows(labels: np.ndarray, origins: np.ndarray, tables: list[np.ndarray]) -> Iterator[list[Any]]:
    for i, origin in enumerate(origins):
        for k in range(tables[0].shape[1]):
            yield [int(origin), str(labels[i, k]), k + 1, *(float(table[i, k]) for table in tables)]


def _write_atomic(path: pathlib.Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", newline="", encoding="utf-8") as f:
            writer = csv.writer(f)
            writer.writerow(header)
            writer.writerows(rows)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _series(name: str, values: npt.ArrayLike) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or not np.isfinite(values).all():
        raise ValueError(f"Expected {name} as a 1-D array of finite numbers. Received: shape={values.shape}")
    return values


def _windows(name: str, values: npt.ArrayLike) -> np.ndarray:
    """A `[n_windows, horizon]` float array; a trailing target axis of 1 is dropped."""
    values = np.asarray(values, dtype=float)
    values = values[..., 0] if values.ndim == 3 and values.shape[2] == 1 else values
    if values.ndim != 2 or not values.size or not np.isfinite(values).all():
        raise ValueError(
            f"Expected {name} of shape [n_windows, horizon], finite and not empty. Received: shape={values.shape}"
        )
    return values


def _origins(origins: npt.ArrayLike, length: int) -> np.ndarray:
    origins = np.asarray(origins).reshape(-1)
    if not len(origins) or not np.issubdtype(origins.dtype, np.integer):
        raise ValueError(f"Expected origins as a non-empty int array. Received: {origins!r}")
    if origins.min() < 1 or origins.max() > length:
        raise ValueError(
            f"Expected origins in [1, {length}] (at least one observed value before each). "
            f"Received: {origins.min()} to {origins.max()}"
        )
    return origins


def _season(season: int | None) -> int:
    if season is None:
        return 1
    if int(season) != season or season < 1:
        raise ValueError(f"Expected season as an int >= 1 or None. Received: season={season!r}")
    return int(season)
