"""The bases: the simple forecasts a forecaster learns to correct."""

import numpy as np
import pytest

from hypermodels.bases import base_weights
from kt_rnn.tasks import forecast_scores


def _series(steps=60):
    t = np.arange(steps, dtype="float64")
    return 50 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(0).normal(0, 1, steps)


@pytest.mark.parametrize("horizon", [1, 5, 12, 15])
def test_base_weights_seasonal_is_the_seasonal_naive_forecast(horizon):
    y, window, season = _series(), 24, 12
    origins = np.arange(30, 60 - horizon + 1)
    _, seasonal = forecast_scores.baselines(y, origins, horizon, season)
    bases = np.stack([y[o - window : o] @ base_weights("seasonal", window, horizon, season) for o in origins])
    np.testing.assert_allclose(bases, seasonal, rtol=1e-5)


def test_base_weights_change_is_the_naive_forecast_and_level_is_zero():
    x = _series()[:10]
    assert (x @ base_weights("change", 10, 3)).tolist() == pytest.approx([x[-1]] * 3)
    assert not base_weights("level", 10, 3).any()


def test_base_weights_seasonal_trend_adds_the_last_seasons_change_per_season_ahead():
    x, season = _series()[:13], 12  # a season and the step before it
    base = x @ base_weights("seasonal_trend", 13, 14, season)
    drift = x[12] - x[0]
    assert base[0] == pytest.approx(x[1] + drift) and base[11] == pytest.approx(x[12] + drift)
    assert base[12] == pytest.approx(x[1] + 2 * drift)  # two seasons ahead: twice the change


@pytest.mark.parametrize("predict, window", [("seasonal", 11), ("seasonal_trend", 12)])
def test_base_weights_refuse_a_window_shorter_than_the_base_reads(predict, window):
    with pytest.raises(ValueError, match=f"window={window}"):
        base_weights(predict, window, 3, season=12)


def test_min_window_is_the_shortest_window_base_weights_accepts():
    from hypermodels.bases import base_weights, min_window

    for predict in ("change", "level", "seasonal", "seasonal_trend"):
        needed = min_window(predict, season=4)
        base_weights(predict, needed, horizon=6, season=4)  # accepted
        if needed > 1:
            with pytest.raises(ValueError, match=f"at least {needed} steps"):
                base_weights(predict, needed - 1, horizon=6, season=4)
