"""The forecast PNG: readable size, the right lines, the MAE comparison in its title."""

import struct
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from kt_rnn.tasks import forecast_plot  # noqa: E402
from kt_rnn.tasks import forecast_scores as fs  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
HORIZON, SEASON = 3, 7


def _case():
    """A weekly-seasonal series, 10 windows at the end, a model off by 1 everywhere."""
    t = np.arange(120)
    history = 100 + 10 * np.sin(2 * np.pi * t / SEASON) + 0.1 * t
    origins = np.arange(100, 117, 2)  # 100, 102, ..., 116
    actual = history[origins[:, None] + np.arange(HORIZON)]
    naive, seasonal = fs.baselines(history, origins, HORIZON, SEASON)
    return history, origins, actual, actual + 1.0, naive, seasonal


def _png_size(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE
    return struct.unpack(">II", data[16:24])  # IHDR: width, height


def test_write_draws_a_readable_png_with_dates(tmp_path):
    history, origins, actual, predicted, naive, seasonal = _case()
    dates = np.arange("2024-01-01", "2024-04-30", dtype="datetime64[D]")
    path = forecast_plot.write(
        tmp_path / "figs" / "forecast.png",
        dates,
        history,
        origins,
        actual,
        predicted,
        naive,
        seasonal,
        title="Daily load",
    )
    width, height = _png_size(path)
    assert width >= 600 and height >= 300
    assert path.stat().st_size > 10_000


def test_write_without_dates_and_history_short_of_the_test_period(tmp_path):
    history, origins, actual, predicted, naive, _ = _case()
    path = forecast_plot.write(tmp_path / "f.png", None, history[:100], origins, actual, predicted, naive)
    width, height = _png_size(path)
    assert width >= 600 and height >= 300


def test_figure_title_compares_model_and_baseline_maes():
    history, origins, actual, predicted, naive, seasonal = _case()
    naive_mae = fs.format_number(float(np.mean(np.abs(naive - actual))))
    title = forecast_plot.figure(None, history, origins, actual, predicted, naive, title="Load").axes[0].get_title()
    assert title == f"Load\nMAE model 1 vs naive {naive_mae} (9 windows x 3 steps)"
    # The seasonal naive forecast is off by the trend alone: 0.1 per step over one season of 7.
    title = forecast_plot.figure(None, history, origins, actual, predicted, naive, seasonal).axes[0].get_title()
    assert title == f"MAE model 1 vs naive {naive_mae}, seasonal naive 0.7 (9 windows x 3 steps)"


def test_figure_draws_the_full_horizon_from_the_last_origin():
    history, origins, actual, predicted, naive, seasonal = _case()
    shuffled = [5, 0, 8, 2, 7, 1, 3, 6, 4]  # windows in any order: the last origin is the largest
    ax = forecast_plot.figure(
        None, history, origins[shuffled], actual[shuffled], predicted[shuffled], naive[shuffled], seasonal[shuffled]
    ).axes[0]
    lines = {line.get_label(): line for line in ax.get_lines()}
    last = lines["model, 3 steps from the last origin"]
    assert list(last.get_xdata()) == [116, 117, 118]
    assert list(last.get_ydata()) == pytest.approx(predicted[-1])
    assert list(lines["naive, 3 steps from the last origin"].get_ydata()) == [history[115]] * 3
    assert "seasonal naive, 3 steps from the last origin" in lines
    assert list(lines["model, 1 step ahead"].get_xdata()) == list(origins)


def test_forecast_plot_does_not_import_pyplot():
    code = "import sys, kt_rnn.tasks.forecast_plot; assert 'matplotlib.pyplot' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
