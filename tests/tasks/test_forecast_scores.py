"""Forecast scores beside the naive and seasonal-naive baselines, on hand-computed cases."""

import csv
import json
import math

import numpy as np
import pytest

from kt_rnn.tasks import forecast_scores as fs

# Two windows, horizon 2, in original units. Errors by hand:
#   model    [[+2, -2], [0, +4]]    MAE 8/4 = 2,     MSE (4+4+0+16)/4 = 6
#   naive    [[-2, -12], [-5, -15]] MAE 34/4 = 8.5,  MSE (4+144+25+225)/4 = 99.5
#   seasonal [[-1, -1], [-2, +1]]   MAE 5/4 = 1.25,  MSE (1+1+4+1)/4 = 1.75
ACTUAL = [[10.0, 20.0], [30.0, 40.0]]
PREDICTED = [[12.0, 18.0], [30.0, 44.0]]
NAIVE = [[8.0, 8.0], [25.0, 25.0]]
SEASONAL = [[9.0, 19.0], [28.0, 41.0]]


def _scores(scale=2.0):
    return fs.forecast(ACTUAL, PREDICTED, NAIVE, SEASONAL, scale)


def test_baselines_season_4_repeats_the_last_observed_season():
    history = np.arange(100.0, 112.0)  # history[i] == 100 + i
    naive, seasonal = fs.baselines(history, np.array([4, 6]), horizon=6, season=4)
    assert naive.tolist() == [[103.0] * 6, [105.0] * 6]
    # Steps 0-3 look back 4 steps, steps 4-5 (k >= season) look back 8: still observed values.
    assert seasonal.tolist() == [[100, 101, 102, 103, 100, 101], [102, 103, 104, 105, 102, 103]]


def test_baselines_without_season_makes_seasonal_naive_the_naive_forecast():
    history = np.array([3.0, 1.0, 4.0, 1.0, 5.0])
    for season in (None, 1):
        naive, seasonal = fs.baselines(history, np.array([2, 4]), horizon=3, season=season)
        assert naive.tolist() == seasonal.tolist() == [[1.0] * 3, [1.0] * 3]


def test_baselines_reject_an_origin_before_one_full_season():
    with pytest.raises(ValueError, match="season"):
        fs.baselines(np.arange(10.0), np.array([3, 6]), horizon=2, season=4)


def test_mase_scale_is_the_training_parts_seasonal_naive_mae():
    train = [1.0, 3.0, 2.0, 6.0, 4.0]
    assert fs.mase_scale(train, season=2) == pytest.approx((1 + 3 + 2) / 3)  # |2-1|, |6-3|, |4-2|
    assert fs.mase_scale(train, season=None) == pytest.approx((2 + 1 + 4 + 2) / 4)


def test_mase_scale_is_none_for_a_constant_series_and_rejects_a_short_one():
    assert fs.mase_scale([5.0] * 10, season=3) is None
    with pytest.raises(ValueError, match="longer than the season"):
        fs.mase_scale([1.0, 2.0], season=2)


def test_forecast_scores_model_and_both_baselines_overall():
    scores = _scores()
    assert scores["windows"] == 2
    assert scores["model"]["mae"] == pytest.approx(2.0)
    assert scores["model"]["rmse"] == pytest.approx(math.sqrt(6))
    assert scores["model"]["smape"] == pytest.approx(100 * (4 / 22 + 4 / 38 + 0 + 8 / 84) / 4)
    assert scores["model"]["mase"] == pytest.approx(1.0)
    assert scores["naive"]["mae"] == pytest.approx(8.5)
    assert scores["naive"]["rmse"] == pytest.approx(math.sqrt(99.5))
    assert scores["naive"]["mase"] == pytest.approx(4.25)
    assert scores["seasonal_naive"]["mae"] == pytest.approx(1.25)
    assert scores["seasonal_naive"]["rmse"] == pytest.approx(math.sqrt(1.75))


def test_forecast_scores_each_horizon_step():
    per_step = _scores()["per_step"]
    assert [s["step"] for s in per_step] == [1, 2]
    assert [s["model"]["mae"] for s in per_step] == pytest.approx([1.0, 3.0])  # |2|,|0| then |-2|,|4|
    assert [s["naive"]["mae"] for s in per_step] == pytest.approx([3.5, 13.5])
    assert [s["seasonal_naive"]["mae"] for s in per_step] == pytest.approx([1.5, 1.0])
    assert per_step[1]["model"]["mase"] == pytest.approx(1.5)


def test_forecast_skill_is_negative_against_a_better_baseline():
    skill = _scores()["skill"]
    assert skill["mae_vs_naive"] == pytest.approx(1 - 2 / 8.5)
    assert skill["mae_vs_seasonal_naive"] == pytest.approx(1 - 2 / 1.25)  # -0.6: worse


def test_forecast_smape_counts_zero_over_zero_as_a_perfect_forecast():
    scores = fs.forecast([[0.0, 0.0]], [[0.0, 1.0]], [[0.0, 0.0]], [[0.0, 0.0]], None)
    assert scores["model"]["smape"] == pytest.approx((0 + 200) / 2)
    assert scores["naive"]["smape"] == 0.0


def test_forecast_without_scale_reports_mase_none_and_is_json_ready():
    scores = _scores(scale=None)
    assert scores["model"]["mase"] is None and scores["per_step"][0]["naive"]["mase"] is None
    assert json.loads(json.dumps(scores, allow_nan=False)) == scores
    assert json.loads(json.dumps(_scores(), allow_nan=False)) == _scores()


def test_forecast_rejects_forecasts_of_another_shape():
    with pytest.raises(ValueError, match="naive"):
        fs.forecast(ACTUAL, PREDICTED, [[8.0, 8.0]], SEASONAL, 1.0)


def test_comparison_line_names_a_loss_to_the_better_baseline():
    line = fs.comparison_line(_scores())
    assert line == "test MAE 2 | naive 8.5 | seasonal naive 1.25 | MASE 1 | loses to seasonal naive by 60%"


def test_comparison_line_model_worse_than_naive_without_season():
    actual, predicted = [[10.0, 10.0]], [[13.0, 7.0]]  # MAE 3
    naive = [[8.0, 8.0]]  # no season: the seasonal naive forecast is this one too, MAE 2
    scores = fs.forecast(actual, predicted, naive, naive, 4.0)
    assert scores["skill"]["mae_vs_naive"] == pytest.approx(-0.5)
    assert fs.comparison_line(scores).endswith("| MASE 0.75 | loses to naive by 50%")


def test_comparison_line_without_a_season_shows_one_baseline():
    actual, predicted, naive = [[10.0, 10.0]], [[13.0, 7.0]], [[8.0, 8.0]]
    scores = {**fs.forecast(actual, predicted, naive, naive, 4.0), "season": 1}
    assert fs.comparison_line(scores) == "test MAE 3 | naive 2 | MASE 0.75 | loses to naive by 50%"
    assert "seasonal naive 1.25" in fs.comparison_line({**_scores(), "season": 12})


def test_comparison_line_beats_with_four_significant_digits():
    scores = {
        "model": {"mae": 1210.4, "mase": 0.79},
        "naive": {"mae": 1841.26},
        "seasonal_naive": {"mae": 153012.0},
        "skill": {"mae_vs_naive": 1 - 1210.4 / 1841.26, "mae_vs_seasonal_naive": 0.99},
    }
    line = fs.comparison_line(scores)
    assert line == "test MAE 1210 | naive 1841 | seasonal naive 153000 | MASE 0.79 | beats naive by 34%"


def test_comparison_line_ties_where_the_model_is_the_baseline_up_to_float32_rounding():
    # The naive forecast exported as the model, served in float32: its MAE differs from the baseline's in the 7th digit.
    actual, naive = np.array([[0.1, 0.3]]), np.array([[0.2, 0.2]])
    served = naive.astype("float32").astype("float64")
    line = fs.comparison_line({**fs.forecast(actual, served, naive, naive, 1.0), "season": 1})
    assert line.endswith("| ties with naive"), line
    assert fs.comparison_line(_scores()).endswith("loses to seasonal naive by 60%")  # a real loss still reads as one


def _read(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


def test_write_predictions_one_row_per_window_and_step_with_dates(tmp_path):
    dates = np.arange("2024-01-01", "2024-01-13", dtype="datetime64[D]")
    path = fs.write_predictions(
        tmp_path / "predictions.csv", dates, np.array([4, 6]), ACTUAL, PREDICTED, NAIVE, SEASONAL
    )
    rows = _read(path)
    assert rows[0] == ["origin", "date", "step", "actual", "forecast", "naive", "seasonal_naive"]
    assert rows[1:] == [
        ["4", "2024-01-05", "1", "10.0", "12.0", "8.0", "9.0"],
        ["4", "2024-01-06", "2", "20.0", "18.0", "8.0", "19.0"],
        ["6", "2024-01-07", "1", "30.0", "30.0", "25.0", "28.0"],
        ["6", "2024-01-08", "2", "40.0", "44.0", "25.0", "41.0"],
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["predictions.csv"]  # no temporary left


def test_write_predictions_without_dates_writes_row_indices_into_a_directory(tmp_path):
    path = fs.write_predictions(tmp_path, None, [4, 6], ACTUAL, PREDICTED, NAIVE, SEASONAL)
    assert path == tmp_path / "predictions.csv"
    assert [row[:3] for row in _read(path)[1:]] == [["4", "4", "1"], ["4", "5", "2"], ["6", "6", "1"], ["6", "7", "2"]]


def test_write_predictions_replaces_an_old_file_whole(tmp_path):
    path = tmp_path / "predictions.csv"
    path.write_text("stale\n" * 100)
    fs.write_predictions(path, None, [4, 6], ACTUAL, PREDICTED, NAIVE, SEASONAL)
    assert len(_read(path)) == 5


def test_forecast_accepts_model_outputs_with_a_trailing_target_axis():
    predicted = np.array(PREDICTED)[..., None]  # a Keras model's [n_windows, horizon, 1]
    assert fs.forecast(ACTUAL, predicted, NAIVE, SEASONAL, 2.0) == _scores()


CLASSICAL = {"auto_ets": [[10.0, 21.0], [31.0, 40.0]]}  # errors 0, +1, +1, 0: MAE 0.5


def test_forecast_scores_classical_baselines_beside_the_naive_ones():
    scores = fs.forecast(ACTUAL, PREDICTED, NAIVE, SEASONAL, 2.0, CLASSICAL)
    assert scores["baselines"]["auto_ets"]["mae"] == pytest.approx(0.5)
    assert scores["skill"]["mae_vs_auto_ets"] == pytest.approx(1 - 2 / 0.5)
    assert [s["auto_ets"]["mae"] for s in scores["per_step"]] == pytest.approx([0.5, 0.5])
    assert {k: v for k, v in scores.items() if k not in ("baselines", "per_step", "skill")} == {
        k: v for k, v in _scores().items() if k not in ("per_step", "skill")
    }


def test_comparison_line_says_how_the_model_does_against_the_best_classical_baseline():
    scores = fs.forecast(ACTUAL, PREDICTED, NAIVE, SEASONAL, 2.0, {**CLASSICAL, "auto_arima": NAIVE})
    line = fs.comparison_line(scores, {"auto_ets": "ETS", "auto_arima": "ARIMA"})
    assert line == (
        "test MAE 2 | naive 8.5 | seasonal naive 1.25 | ETS 0.5 | ARIMA 8.5 | MASE 1 | "
        "loses to seasonal naive by 60%, loses to ETS by 300%"
    )


def test_write_predictions_adds_a_column_per_classical_baseline(tmp_path):
    path = fs.write_predictions(tmp_path, None, [4, 6], ACTUAL, PREDICTED, NAIVE, SEASONAL, CLASSICAL)
    rows = _read(path)
    assert rows[0][-2:] == ["seasonal_naive", "auto_ets"] and [row[-1] for row in rows[1:]] == [
        "10.0",
        "21.0",
        "31.0",
        "40.0",
    ]
