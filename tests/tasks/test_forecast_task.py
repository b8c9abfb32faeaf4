"""Forecasting end to end on the shared series, the leakage guards, and bad series data."""

import json
import pathlib
import subprocess
import sys

import keras
import keras_tuner
import numpy as np
import pytest

import kt_rnn
import searches
from conftest import shared_file
from hypermodels import space as sp
from hypermodels.forecaster import windows
from kt_rnn import config as config_lib
from kt_rnn.cli import report
from kt_rnn.data import timeseries
from kt_rnn.errors import DataError
from kt_rnn.search import pipeline
from kt_rnn.tasks import forecast

QUICK = (
    "--tuner",
    "random",
    "--max-trials",
    "2",
    "--max-epochs",
    "3",
    "--fix",
    "units_0=16",
    "--fix",
    "num_layers=1",
    "--fix",
    "batch_size=32",
)


def _config(data, logdir, *argv):
    return searches.tiny("timeseries", data, logdir, *QUICK, *argv)


def _airline(logdir, *argv):
    return _config(
        shared_file("timeseries/airline-passengers.csv"),
        logdir,
        "--target",
        "Passengers",
        "--date-column",
        "Month",
        "--horizon",
        "12",
        "--season",
        "12",
        *argv,
    )


SERVE = """
import json, sys
import numpy as np
import tensorflow as tf
saved_model = tf.saved_model.load(sys.argv[1])  # keep a reference: it owns the variables
window = np.load(sys.argv[2])
served = saved_model.signatures["serving_default"](window=tf.constant(window))  # by name, as TF Serving reads it
import kt_rnn
keras_model = kt_rnn.load_model(sys.argv[1] + "/..")  # its forecast layers registered by kt_rnn alone
print(json.dumps({"serve": served["forecast"].numpy().tolist(), "keras": keras_model.predict(window).tolist()}))
"""


@pytest.mark.e2e
def test_forecast_airline_exports_a_model_that_forecasts_in_passengers(tmp_path):
    config = _airline(tmp_path / "logs")
    result = pipeline.run(config)
    best = config.layout.best
    hparams = json.loads((best / "hparams.json").read_text())
    assert {hparams["target"], hparams["horizon"], hparams["season"]} == {"Passengers", 12}
    assert hparams["window"] in (13, 24, 48) and hparams["features"] == ["Passengers"]
    assert hparams["predict"] in ("seasonal_trend", "seasonal")  # season 12 reaches the model
    test = result.metrics["test"]
    assert set(test) >= {"model", "naive", "seasonal_naive", "per_step", "windows", "skill"}
    assert {"mae", "rmse", "smape", "mase"} <= set(test["model"]) and len(test["per_step"]) == 12
    assert test["windows"] == 24 - 12 + 1  # every origin in the 24 test months with a full horizon
    rows = (best / "predictions.csv").read_text().splitlines()
    classical = test["baselines"]
    assert set(classical) == {"auto_ets", "auto_arima"}  # fitted on the months the export trained on
    assert all(found["mae"] > 0 and found["model"].startswith(("ETS(", "ARIMA(")) for found in classical.values())
    assert set(test["skill"]) >= {"mae_vs_auto_ets", "mae_vs_auto_arima"}
    assert rows[0] == "origin,date,step,actual,forecast,naive,seasonal_naive,auto_ets,auto_arima"
    assert len(rows) == 1 + 13 * 12
    assert rows[1].split(",")[1] == "1959-01"
    assert (best / "forecast.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    values = np.loadtxt(
        shared_file("timeseries/airline-passengers.csv"), delimiter=",", skiprows=1, usecols=1, dtype="float32"
    )
    window = values[-hparams["window"] :].reshape(1, -1, 1)  # the last `window` months, raw
    np.save(tmp_path / "window.npy", window)
    fresh = subprocess.run(
        [sys.executable, "-c", SERVE, str(best / "saved_model"), str(tmp_path / "window.npy")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    loaded = json.loads(fresh.stdout.strip().splitlines()[-1])
    forecast = np.array(loaded["serve"])
    assert forecast.shape == (1, 12)
    np.testing.assert_allclose(loaded["keras"], forecast, rtol=1e-5)
    np.testing.assert_allclose(forecast, result.model.predict(window, verbose=0), rtol=1e-4)
    assert 200 < forecast.mean() < 800  # passengers (thousands), not standardized values
    trial = next(p.parent for p in config.layout.tensorboard.rglob("events.out.tfevents.*"))  # a trial's (fold's) run
    assert sp.WINDOW in _session_hparams(trial)


def _session_hparams(run):
    from tensorboard.backend.event_processing import event_accumulator
    from tensorboard.plugins.hparams import metadata

    events = event_accumulator.EventAccumulator(str(run))
    events.Reload()
    content = events.SummaryMetadata(metadata.SESSION_START_INFO_TAG).plugin_data.content
    return dict(metadata.parse_session_start_info_plugin_data(content).hparams)


def test_forecast_daily_temperatures_split_in_whole_horizons(tmp_path):
    data = shared_file("timeseries/daily-min-temperatures.csv")
    config = _config(
        data,
        tmp_path / "logs",
        "--target",
        "Temp",
        "--date-column",
        "Date",
        "--horizon",
        "7",
        "--season",
        "7",
        "--stride",
        "7",
        "--fix",
        "window=14",
    )
    dataset = timeseries.load(config)
    assert dataset.sizes == {"train": 2558, "validation": 546, "test": 546} and dataset.unit == "steps"
    assert dataset.spec["frequency"] == "daily" and dataset.spec["season"] == 7


@pytest.mark.e2e
def test_forecast_through_the_api_resumes_and_reports(finished_timeseries_search, capsys):
    data, logs, _ = finished_timeseries_search
    project = logs / pathlib.Path(data).stem  # the project is named after the data file
    trials = {p.name: (p / "trial.json").read_text() for p in (project / "tuner").glob("trial_*")}
    result = kt_rnn.tune(data, **searches.wave(logs))  # the same search: resumes, nothing trained again
    assert result.objective == "val_loss" and result.metrics["direction"] == "min"
    assert result.metrics["size_unit"] == "steps" and result.metrics["sizes"]["test"] == 24
    assert {p.name: (p / "trial.json").read_text() for p in (project / "tuner").glob("trial_*")} == trials
    capsys.readouterr()
    assert report.main([str(project)]) == 0
    shown = capsys.readouterr().out
    assert "objective val_loss (lower is better)" in shown and "Fixed in every trial" in shown
    assert shown.splitlines()[-1].startswith("Export: test MAE ") and "| ETS " in shown and "| ARIMA " in shown


def test_forecast_normalization_statistics_are_the_training_parts(tmp_path):
    data = tmp_path / "sales.csv"
    steps = np.arange(200)
    sales = 100 + steps * 2.0 + 10 * np.sin(steps / 3)  # a trend: the later parts have larger values
    data.write_text("t,sales\n" + "".join(f"{i},{v}\n" for i, v in zip(steps, sales)))
    config = _config(data, tmp_path / "logs", "--target", "sales", "--horizon", "5")
    dataset = timeseries.load(config)
    train_end = dataset.spec["train_end"]
    assert train_end == 200 - 30 - 30
    np.testing.assert_allclose(dataset.spec["mean"], [sales[:train_end].mean()])
    np.testing.assert_allclose(dataset.spec["variance"], [sales[:train_end].var()])
    assert dataset.spec["target_mean"] == pytest.approx(sales[:train_end].mean())
    for normalize, mean, variance in (
        ("series", sales[:train_end].mean(), sales[:train_end].var()),
        ("window", 0.0, sales[:train_end].std() ** 2),  # relative to the last value, in the output's scale
    ):
        hp = keras_tuner.HyperParameters()
        hp.Fixed("normalize", normalize)
        built = forecast.hypermodel(config, dataset).build(hp)
        normalization = next(layer for layer in built.layers if "normalization" in layer.name)
        np.testing.assert_allclose(np.ravel(normalization.mean), [mean], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(np.ravel(normalization.variance), [variance], rtol=1e-5)


def test_forecast_hypermodel_averages_the_weights_with_the_runs_ema(tmp_path):
    data = tmp_path / "sales.csv"
    data.write_text("sales\n" + "".join(f"{100 + i % 7}\n" for i in range(120)))
    config = _config(data, tmp_path / "logs", "--target", "sales", "--ema", "0.9")
    model = forecast.hypermodel(config, timeseries.load(config)).build(keras_tuner.HyperParameters())
    assert model.optimizer.use_ema and model.optimizer.ema_momentum == 0.9


def test_forecast_no_test_step_is_in_any_training_or_validation_window(tmp_path):
    data = tmp_path / "series.csv"
    data.write_text("y\n" + "".join(f"{v}\n" for v in range(120)))  # each value is its own step number
    config = _config(data, tmp_path / "logs", "--target", "y", "--horizon", "4", "--stride", "1")
    dataset = timeseries.load(config)
    test_begin = dataset.spec["validation_end"]
    window = timeseries.window_bound(config.space)
    for segment in (dataset.train, dataset.validation):
        for x, y in windows(segment, window, 4).as_numpy_iterator():
            assert x.max() < test_begin and y.max() < test_begin
    train_steps = {int(v) for x, y in windows(dataset.train, window, 4).as_numpy_iterator() for v in (*x[:, 0], *y)}
    assert max(train_steps) < dataset.spec["train_end"]  # training windows stay in the training part
    first_test = next(windows(dataset.test, window, 4).as_numpy_iterator())
    assert first_test[1][0] == test_begin  # test forecasts start where the test part starts


def _multivariate(path, gaps=True):
    rows = ["date,sales,price,region"]
    for day in range(90):
        price = "" if gaps and day in (10, 11) else f"{5 + day % 7:.1f}"
        date = np.datetime64("2024-01-01") + day
        rows.append(f"{date},{100 + day},{price},{'north' if day % 2 else 'south'}")
    path.write_text("\n".join(rows) + "\n")
    return path


@pytest.mark.parametrize(
    "argv, message",
    [
        (("--features", "price"), r"(?s)Missing values.*'price': 2 \(lines 12, 13\).*--fill-missing"),
        (("--features", "price,region", "--fill-missing", "ffill"), r"(?s)region.*--categorical"),
        (("--features", "price", "--fill-missing", "ffill", "--horizon", "30"), r"(?s)Too few rows.*needs at least"),
    ],
)
def test_forecast_bad_series_is_a_data_error_before_anything_is_written(tmp_path, argv, message):
    data = _multivariate(tmp_path / "shop.csv")
    with pytest.raises(DataError, match=message):
        pipeline.run(_config(data, tmp_path / "logs", "--target", "sales", "--date-column", "date", *argv))
    assert not (tmp_path / "logs" / "timeseries").exists()


@pytest.mark.e2e
def test_forecast_multivariate_with_a_filled_gap_and_a_category_runs(tmp_path):
    data = _multivariate(tmp_path / "shop.csv")
    config = _config(
        data,
        tmp_path / "logs",
        "--target",
        "sales",
        "--date-column",
        "date",
        "--features",
        "all",
        "--fill-missing",
        "interpolate",
        "--categorical",
        "region",
        "--horizon",
        "3",
        "--fix",
        "window=6",
    )
    result = pipeline.run(config)
    hparams = json.loads((config.layout.best / "hparams.json").read_text())
    assert hparams["features"] == ["sales", "price", "region=north", "region=south"]
    assert result.model.input.shape[1:] == (6, 4)
    # kt_rnn.forecast reads the raw rows as the search read the file: the last 6 steps as it loaded them
    searched = timeseries.read_inputs(config)["series"].values[-6:].astype("float32")
    expected = result.model.predict(searched[None], verbose=0)[0]
    np.testing.assert_allclose(kt_rnn.forecast(config.layout.best, data), expected, rtol=1e-5)


def _seasonal(path, steps=160, season=6, noise=0.0):
    rng = np.random.default_rng(0)
    values = 50 + 10 * np.sin(2 * np.pi * np.arange(steps) / season) + rng.normal(0, noise, steps)
    path.write_text("y\n" + "".join(f"{v:.4f}\n" for v in values))
    return path


def test_forecast_best_base_is_compared_with_the_trial_and_wins_only_when_the_trial_does_not_beat_it(tmp_path):
    config = _config(
        _seasonal(tmp_path / "s.csv", noise=1.0), tmp_path / "logs", "--target", "y", "--horizon", "4", "--season", "6"
    )
    dataset = timeseries.load(config)
    hypermodel = forecast.hypermodel(config, dataset)
    window = 12
    errors = {
        predict: hypermodel.base_error(dataset.validation, window, predict)
        for predict in ("seasonal", "seasonal_trend")
    }
    best = min(errors, key=errors.get)
    scaled = errors[best] / dataset.spec["target_std"]  # a trial's val_mae is in the scaled units it learns
    beaten = forecast.best_base(hypermodel, dataset, None, {sp.WINDOW: window}, scaled * 0.99)
    assert not forecast.base_wins(beaten)
    assert beaten["trial_validation_mae"] == pytest.approx(errors[best] * 0.99)
    chosen = forecast.best_base(hypermodel, dataset, None, {sp.WINDOW: window}, scaled * 1.01)
    assert forecast.base_wins(chosen)
    assert chosen["hparams"] == {sp.WINDOW: window, sp.PREDICT: best}
    assert chosen["validation_mae"] == pytest.approx(errors[best])
    assert chosen["trial_validation_mae"] == pytest.approx(errors[best] * 1.01)


def test_forecast_network_line_says_how_far_the_trial_was_from_its_base():
    base = {"hparams": {"window": 24, "predict": "seasonal"}, "validation_mae": 1.35, "trial_validation_mae": 1.215}
    assert forecast.network_line(base, "03") == (
        "Trial 03's validation MAE 1.215 against 1.35 for the best base alone (window=24, predict=seasonal): 10% lower"
    )
    behind = {**base, "trial_validation_mae": 1.485}  # --no-base-fallback exports a network its base beat
    assert forecast.network_line(behind, "03").endswith(": 10% higher")


def test_forecast_best_base_weighs_the_seasonal_naive_even_when_the_space_holds_another_base(tmp_path):
    # The trials corrected the naive forecast (`--fix predict=change`); on an exact season the seasonal
    # naive forecast, which the test scores compare with, forecasts the validation part better than either.
    config = _config(
        _seasonal(tmp_path / "s.csv"),
        tmp_path / "logs",
        "--target",
        "y",
        "--horizon",
        "4",
        "--season",
        "6",
        "--fix",
        "predict=change",
    )
    dataset = timeseries.load(config)
    hypermodel = forecast.hypermodel(config, dataset)
    naive = hypermodel.base_error(dataset.validation, 12, "change") / dataset.spec["target_std"]
    chosen = forecast.best_base(hypermodel, dataset, None, {sp.WINDOW: 12}, 0.5 * naive)
    assert forecast.base_wins(chosen)
    assert chosen["hparams"][sp.PREDICT] in ("seasonal", "seasonal_trend") and chosen["validation_mae"] < 1e-4


@pytest.mark.e2e
def test_forecast_exports_the_seasonal_naive_alone_when_no_trial_beats_it(tmp_path, capsys):
    # An exact season: its seasonal-naive forecast makes no error, which one epoch of a network cannot match.
    config = _config(
        _seasonal(tmp_path / "s.csv"),
        tmp_path / "logs",
        "--target",
        "y",
        "--horizon",
        "4",
        "--season",
        "6",
        "--max-trials",
        "1",
        "--max-epochs",
        "1",
        "--baselines",
        "none",
    )
    result = pipeline.run(config)
    base = result.metrics["exported_base"]
    assert base["hparams"][sp.PREDICT] == "seasonal" and base["validation_mae"] < 1e-4 < base["trial_validation_mae"]
    assert "refit" not in result.metrics["timings"]  # nothing is trained for it
    assert result.metrics["test"]["model"]["mae"] < 1e-4
    assert json.loads((config.layout.best / "hparams.json").read_text())[sp.PREDICT] == "seasonal"
    assert "Exported the base alone (window=" in capsys.readouterr().out
    loaded = keras.saving.load_model(config.layout.best / "model.keras")
    window = np.asarray([50 + 10 * np.sin(2 * np.pi * np.arange(base["hparams"][sp.WINDOW]) / 6)], "float32")[..., None]
    later = 50 + 10 * np.sin(2 * np.pi * np.arange(window.shape[1], window.shape[1] + 4) / 6)
    np.testing.assert_allclose(np.asarray(loaded(window))[0], later, atol=1e-3)
    again = pipeline.run(config)  # the finished search, shown again: the base's settings, as exported
    assert again.hparams == base["hparams"] and "refit" not in again.metrics["timings"]
    config = config.replace(export_only=True, base_fallback=False)  # --no-base-fallback
    network = pipeline.run(config)
    assert "exported_base" not in network.metrics and network.metrics["test"]["model"]["mae"] > 1e-3
    assert network.metrics["base_comparison"]["hparams"] == base["hparams"]  # still said: how far behind it was
    assert network.metrics["base_comparison"]["line"].endswith("higher")


@pytest.mark.e2e
@pytest.mark.parametrize("tuner", config_lib.TUNERS)
def test_forecast_every_tuner_searches_the_window(tmp_path, tuner):
    data = tmp_path / "series.csv"
    steps = np.arange(160)
    data.write_text("y\n" + "".join(f"{50 + 10 * np.sin(i / 4):.3f}\n" for i in steps))
    # One fold and no classical models: this is about each tuner's trials (the folds and baselines have their own).
    config = _config(
        data,
        tmp_path / "logs",
        "--target",
        "y",
        "--horizon",
        "4",
        "--tuner",
        tuner,
        "--max-trials",
        "2",
        "--max-epochs",
        "2",
        "--fix",
        "cell=gru",
        "--fix",
        "learning_rate=0.01",
        "--folds",
        "1",
        "--baselines",
        "none",
    )
    result = pipeline.run(config)
    assert result.metrics["trials"]["completed"] == result.metrics["trials"]["total"] >= 2
    assert result.hparams[sp.WINDOW] in (4, 8, 16)
    assert result.metrics["test"]["windows"] == 24 - 4 + 1


def test_forecast_serving_ensemble_is_the_mean_of_its_members_each_on_its_own_recent_window():
    import types

    from hypermodels.forecaster import RNNForecaster

    spec = {"inputs": 1, "target_mean": 100.0, "target_std": 10.0, "season": 12}
    dataset = types.SimpleNamespace(spec=spec)
    chosen = [{sp.WINDOW: 13, sp.PREDICT: "seasonal_trend"}, {sp.WINDOW: 24, sp.PREDICT: "change"}]
    models = []
    for fixed in chosen:
        space = sp.SearchSpace(sp.FORECAST_PARAMS).with_domains(
            {
                sp.WINDOW: sp.fixed(fixed[sp.WINDOW]),
                sp.PREDICT: sp.fixed(fixed[sp.PREDICT]),
                sp.NUM_LAYERS: sp.fixed(1),
                sp.UNITS[0]: sp.fixed(8),
            }
        )
        hypermodel = RNNForecaster(1, 6, [100.0], [100.0], 100.0, 10.0, season=12, space=space, jit_compile=False)
        models.append(hypermodel.build(keras_tuner.HyperParameters()))
    window = (100 + 10 * np.sin(np.arange(2 * 24) / 2)).reshape(2, 24, 1).astype("float32")
    served = [forecast.serving_model(m, dataset, h) for m, h in zip(models, chosen)]
    each = [np.asarray(s(window[:, 24 - h[sp.WINDOW] :])) for s, h in zip(served, chosen)]
    ensemble = forecast.serving_ensemble(models, dataset, chosen)
    assert ensemble.input.shape[1] == 24  # the longest member's window
    np.testing.assert_allclose(np.asarray(ensemble(window)), np.mean(each, axis=0), rtol=1e-5)


@pytest.mark.e2e
def test_forecast_ensemble_export_reads_its_longest_members_window(finished_timeseries_search):
    data, logs, _ = finished_timeseries_search
    result = kt_rnn.tune(data, **searches.wave(logs, export_only=True, ensemble=2, baselines="none"))
    members = result.metrics["ensemble"]["members"]
    assert result.metrics["ensemble"]["size"] == 2 and len(members) == 2
    project = logs / pathlib.Path(data).stem  # the project is named after the data file
    hparams = json.loads((project / "best" / "hparams.json").read_text())
    windows = [
        json.loads((project / "tuner" / f"trial_{m['trial']}" / "trial.json").read_text())["hyperparameters"]["values"][
            sp.WINDOW
        ]
        for m in members
    ]
    assert hparams["window"] == max(windows) == int(result.model.input.shape[1])
    assert result.test_scores["model"]["mae"] > 0 and "baselines" not in result.test_scores
