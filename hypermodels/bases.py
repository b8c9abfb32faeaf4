"""The simple forecasts a forecaster corrects (`predict`), as weights on a window: NumPy only, so the
planner can score them on a series before TensorFlow loads."""

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

SEASONAL = ("seasonal", "seasonal_trend")  # the bases that read the season before each forecast step


def min_window(predict: str, season: int = 1) -> int:
    """The fewest steps a window must hold for `predict`'s base: a season for `"seasonal"`, and the step
    before it for `"seasonal_trend"` (the change over the last season); 1 for the others."""
    return {"seasonal": season, "seasonal_trend": season + 1}.get(predict, 1)


def base_weights(predict: str, window: int, horizon: int, season: int = 1) -> np.ndarray:
    """The forecast a model corrects, as weights on a window's target values: `[window, horizon]`.

    A window `x` (the target's last `window` values) gives the base forecast `x @ weights` (plus the
    training mean for `"level"`, whose weights are zero):
    - `"change"`: the last value (the naive forecast);
    - `"seasonal"`: the latest value at each step's phase of the season (the seasonal-naive forecast);
    - `"seasonal_trend"`: that plus the change over the last season for each season ahead (the
      seasonal random walk with drift, ARIMA(0,1,0)(0,1,0) with no constant).

    Example:

    >>> base_weights("seasonal_trend", window=5, horizon=2, season=2).T.tolist()
    [[0.0, 0.0, -1.0, 1.0, 1.0], [0.0, 0.0, -1.0, 0.0, 2.0]]

    (step 1: `x[3] + (x[4] - x[2])`, step 2: `x[4] + (x[4] - x[2])`: a season before, plus the last season's change.)
    """
    weights = np.zeros((window, horizon), dtype="float32")
    steps = np.arange(horizon)
    if predict == "change":
        weights[window - 1] = 1.0
    elif predict in ("seasonal", "seasonal_trend"):
        needed = min_window(predict, season)
        if not 1 <= needed <= window:
            raise ValueError(
                f"Expected a window of at least {needed} steps for predict={predict!r} with a season "
                f"of {season}. Received: window={window}"
            )
        seasons = steps // season + 1  # seasons back to the latest value at each step's phase
        weights[window + steps - season * seasons, steps] = 1.0
        if predict == "seasonal_trend":
            weights[window - 1, steps] += seasons
            weights[window - 1 - season, steps] -= seasons
    return weights


def base_errors(
    target: npt.ArrayLike, predicts: Iterable[str], window: int, horizon: int, season: int = 1
) -> dict[str, float]:
    """`{predict: MAE}`: how well each base forecasts `target` (a 1-D series, in its units) over every
    window of `window` steps and the `horizon` after it; `{}` when `target` holds no such window.

    Example:

    >>> base_errors([1.0, 2.0, 3.0, 4.0, 5.0], ("change", "level"), window=2, horizon=1)
    {'change': 1.0, 'level': 1.0}
    """
    target = np.asarray(target, dtype="float64")
    if len(target) < window + horizon:
        return {}
    frames = np.lib.stride_tricks.sliding_window_view(target, window + horizon)
    x, y = frames[:, :window], frames[:, window:]
    level = target.mean()  # "level" forecasts the mean of the part, as the forecaster does the training mean's

    def mae(predict: str) -> float:
        forecast = x @ base_weights(predict, window, horizon, season) + (level if predict == "level" else 0.0)
        return float(np.abs(forecast - y).mean())

    return {predict: mae(predict) for predict in predicts}
