"""A PNG of a forecaster on its test period, drawn beside the naive forecast.

A score says how far off the forecasts are; the figure says where and how: the
observed series over the test period (with some history before it), the
model's one-step-ahead forecasts across it, and the whole horizon forecast from
the last origin, each next to the naive forecast of the same windows, so a
reader sees at once whether the model does better than repeating the last
value. The title carries both MAEs.

Needs matplotlib (`pip install -e '.[report]'`). Draws on matplotlib's Agg
canvas directly: no pyplot, no display, no global backend switch.
"""

import os
import pathlib
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from matplotlib import dates as mdates
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kt_rnn.tasks.forecast_scores import format_number

if TYPE_CHECKING:
    from matplotlib.axes import Axes

CONTEXT_FRACTION = 0.25  # history shown before the test period, as a share of the test period
MIN_CONTEXT_HORIZONS = 2  # ... and at least this many horizons of it
FIGSIZE = (10, 5)
DPI = 120


def write(
    path: str | os.PathLike[str],
    dates: npt.ArrayLike | None,
    history: npt.ArrayLike,
    origins: npt.ArrayLike,
    actual: npt.ArrayLike,
    predicted: npt.ArrayLike,
    naive: npt.ArrayLike,
    seasonal: npt.ArrayLike | None = None,
    title: str | None = None,
) -> pathlib.Path:
    """Draws the forecasts of the test windows into the PNG `path`; returns `path`.

    Args:
        path: where the PNG goes; its folder is created.
        dates: numpy datetime64 array over the whole series (the x axis shows
            dates), or None (the x axis shows the step's row index).
        history: 1-D float array, the target over the whole series in original
            units; where it stops short of the last window, `actual` fills in.
        origins: int array `[n_windows]`, the index of each window's first
            forecast step (see `kt_rnn.tasks.forecast_scores.baselines`).
        actual, predicted, naive: float arrays `[n_windows, horizon]`: the
            observed values, the model's forecasts, the naive forecasts.
        seasonal: float array `[n_windows, horizon]` or None, defaults to None;
            the seasonal-naive forecasts, drawn from the last origin when given.
        title: str or None, defaults to None; put above the MAE comparison
            (model vs naive, and seasonal naive when given, over all windows
            and steps).

    Example:

    >>> write("out/forecast.png", None, history, origins, actual, predicted, naive)  # doctest: +SKIP
    PosixPath('out/forecast.png')
    """
    fig = figure(dates, history, origins, actual, predicted, naive, seasonal=seasonal, title=title)
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=DPI)
    return path


def figure(
    dates: npt.ArrayLike | None,
    history: npt.ArrayLike,
    origins: npt.ArrayLike,
    actual: npt.ArrayLike,
    predicted: npt.ArrayLike,
    naive: npt.ArrayLike,
    seasonal: npt.ArrayLike | None = None,
    title: str | None = None,
) -> Figure:
    """The figure `write` saves, as a matplotlib `Figure`; same arguments less `path`."""
    origins, actual, predicted, naive, seasonal = _by_origin(origins, actual, predicted, naive, seasonal)
    observed = _observed(history, origins, actual)
    x = _axis(dates, len(observed))
    fig, ax = _figure(dates is not None)
    _draw_actual(ax, x, observed, origins, actual.shape[1])
    _draw_one_step(ax, x, origins, predicted, naive)
    _draw_last_origin(ax, x, origins[-1], predicted[-1], naive[-1], None if seasonal is None else seasonal[-1])
    ax.set(
        xlabel="date" if dates is not None else "step (row in the series)",
        ylabel="target (original units)",
        title=_title(title, actual, predicted, naive, seasonal),
    )
    fig.legend(loc="outside lower center", ncols=3, fontsize="small")
    return fig


def _figure(has_dates: bool) -> tuple[Figure, "Axes"]:
    fig = Figure(figsize=FIGSIZE, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.grid(alpha=0.3)
    if has_dates:
        # Concise labels fit without rotating them (rotation would fight the constrained layout).
        locator = mdates.AutoDateLocator()
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    return fig, ax


def _draw_actual(ax: "Axes", x: np.ndarray, observed: np.ndarray, origins: np.ndarray, horizon: int) -> None:
    end = origins[-1] + horizon
    context = max(MIN_CONTEXT_HORIZONS * horizon, int((end - origins[0]) * CONTEXT_FRACTION))
    start = max(0, origins[0] - context)
    ax.plot(x[start:end], observed[start:end], color="black", lw=1.2, label="actual")
    ax.axvline(x[origins[0]], color="grey", ls=":", lw=1, label="test period starts")


def _draw_one_step(ax: "Axes", x: np.ndarray, origins: np.ndarray, predicted: np.ndarray, naive: np.ndarray) -> None:
    # The naive one-step line is the actual line shifted by a step: thin, so it stays behind.
    ax.plot(x[origins], naive[:, 0], color="C7", lw=0.8, ls="--", label="naive, 1 step ahead")
    ax.plot(x[origins], predicted[:, 0], color="C0", lw=1.4, label="model, 1 step ahead")


def _draw_last_origin(
    ax: "Axes", x: np.ndarray, origin: int, predicted: np.ndarray, naive: np.ndarray, seasonal: np.ndarray | None
) -> None:
    steps = x[origin + np.arange(len(predicted))]
    what = f"{len(predicted)} steps from the last origin"
    ax.plot(steps, naive, color="C2", lw=2, ls="--", marker="s", ms=3, label=f"naive, {what}")
    if seasonal is not None:
        ax.plot(steps, seasonal, color="C4", lw=2, ls="-.", marker="^", ms=3, label=f"seasonal naive, {what}")
    ax.plot(steps, predicted, color="C1", lw=2.2, marker="o", ms=3, label=f"model, {what}")


def _title(
    title: str | None, actual: np.ndarray, predicted: np.ndarray, naive: np.ndarray, seasonal: np.ndarray | None
) -> str:
    # The seasonal naive MAE too when known: it is often the baseline that is hard to beat.
    mae = [format_number(float(np.mean(np.abs(f - actual)))) for f in (predicted, naive, seasonal) if f is not None]
    scores = f"MAE model {mae[0]} vs naive {mae[1]}" + (f", seasonal naive {mae[2]}" if len(mae) > 2 else "")
    scores += " ({} windows x {} steps)".format(*actual.shape)
    return f"{title}\n{scores}" if title else scores


def _by_origin(
    origins: npt.ArrayLike,
    actual: npt.ArrayLike,
    predicted: npt.ArrayLike,
    naive: npt.ArrayLike,
    seasonal: npt.ArrayLike | None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """The inputs as arrays, windows sorted by origin so that lines run left to right."""
    origins = np.asarray(origins, dtype=int).reshape(-1)
    order = np.argsort(origins, kind="stable")
    tables = [
        None if a is None else _windows(n, a, len(origins))[order]
        for n, a in zip(("actual", "predicted", "naive", "seasonal"), (actual, predicted, naive, seasonal))
    ]
    return (origins[order], *tables)  # type: ignore[return-value]  # only `seasonal` may be None


def _observed(history: npt.ArrayLike, origins: np.ndarray, actual: np.ndarray) -> np.ndarray:
    """The observed series up to the last forecast step: `history`, completed from `actual`."""
    history = np.asarray(history, dtype=float).reshape(-1)
    index = origins[:, None] + np.arange(actual.shape[1])
    observed = np.full(max(len(history), index.max() + 1), np.nan)
    observed[: len(history)] = history
    observed[index] = actual
    return observed


def _axis(dates: npt.ArrayLike | None, length: int) -> np.ndarray:
    if dates is None:
        return np.arange(length)
    dates = np.asarray(dates)
    if not np.issubdtype(dates.dtype, np.datetime64) or dates.ndim != 1 or len(dates) < length:
        raise ValueError(
            f"Expected dates as a 1-D datetime64 array of at least {length} values. "
            f"Received: dtype {dates.dtype}, shape {dates.shape}"
        )
    return dates


def _windows(name: str, values: npt.ArrayLike, n_windows: int) -> np.ndarray:
    values = np.asarray(values, dtype=float)
    values = values[..., 0] if values.ndim == 3 and values.shape[2] == 1 else values
    if values.ndim != 2 or len(values) != n_windows or not values.shape[1]:
        raise ValueError(
            f"Expected {name} of shape [{n_windows}, horizon], one row per origin. Received: shape={values.shape}"
        )
    return values
