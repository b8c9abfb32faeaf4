"""The forecaster: what it learns to correct is the same in training and in the export."""

import numpy as np
import pytest

from hypermodels import space as sp
from hypermodels.forecaster import RNNForecaster, Segment
from hypermodels.layers import ForecastOutput


def _series(steps=60):
    t = np.arange(steps, dtype="float64")
    return 50 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + np.random.default_rng(0).normal(0, 1, steps)


@pytest.mark.parametrize("predict", sp.PREDICTS)
def test_forecast_output_adds_back_the_base_the_forecaster_learned_to_correct(predict):
    y = _series()[:, None]
    stats = y[:40]
    model = RNNForecaster(
        1,
        horizon=6,
        mean=stats.mean(0),
        variance=stats.var(0),
        target_mean=float(stats.mean()),
        target_std=float(stats.std()),
        season=12,
    )
    pairs = list(model.scaled(Segment(y, 0, 60), 24, predict).as_numpy_iterator())
    x, scaled = (np.stack(part) for part in zip(*pairs))
    output = ForecastOutput(predict, stats.mean(), stats.std(), season=12)
    restored = np.asarray(output([scaled.astype("float32"), x]))
    origins = np.arange(24, 60 - 6 + 1)
    np.testing.assert_allclose(restored, np.stack([y[o : o + 6, 0] for o in origins]), rtol=1e-4)


@pytest.mark.parametrize("predict", ("change", "seasonal"))
def test_rnn_forecaster_base_error_is_the_bases_own_mae_on_the_segment_in_the_targets_units(predict):
    y = _series()[:, None]
    model = RNNForecaster(1, horizon=6, mean=[0.0], variance=[1.0], target_mean=50.0, target_std=7.0, season=12)
    origins = np.arange(40, 60 - 6 + 1)  # the segment's own; their windows read the steps before it

    def base(o, step):  # the last value, or the value a season before the step
        return y[o - 1, 0] if predict == "change" else y[o + step - 12, 0]

    errors = [abs(y[o + step, 0] - base(o, step)) for o in origins for step in range(6)]
    assert model.base_error(Segment(y, 40, 60), 24, predict) == pytest.approx(np.mean(errors), rel=1e-5)


def test_rnn_forecaster_refuses_seasonal_windows_shorter_than_a_season():
    space = sp.SearchSpace(sp.FORECAST_PARAMS).with_domains(
        {sp.WINDOW: sp.choice((8, 24)), sp.PREDICT: sp.fixed("seasonal")}
    )
    with pytest.raises(ValueError, match="window of 8.*window=... to 12 or more"):
        RNNForecaster(1, 6, [0.0], [1.0], 0.0, 1.0, season=12, space=space)


def test_segment_folds_roll_the_origin_back_one_validation_part_at_a_time():
    values = np.arange(130.0)[:, None]
    folds = Segment(values, 0, 100).folds(Segment(values, 100, 120), 3)
    assert [(t.begin, t.end, v.begin, v.end) for t, v in folds] == [
        (0, 60, 60, 80),
        (0, 80, 80, 100),
        (0, 100, 100, 120),
    ]


@pytest.mark.parametrize("k", [1, 2, 4])
def test_segment_folds_no_training_window_reaches_its_folds_first_origin(k):
    from hypermodels.forecaster import windows

    values = np.arange(130.0)[:, None]  # each value is its step
    for train, validation in Segment(values, 0, 100).folds(Segment(values, 100, 120), k):
        seen = {int(v) for x, y in windows(train, 12, 4).as_numpy_iterator() for v in (*x[:, 0], *y)}
        assert max(seen) < validation.begin
        first_target = next(windows(validation, 12, 4).as_numpy_iterator())[1][0]
        assert first_target == validation.begin


def test_segment_folds_refuse_more_folds_than_the_training_part_holds():
    values = np.zeros((50, 1))
    with pytest.raises(ValueError, match="3 folds of 20 steps"):
        Segment(values, 0, 30).folds(Segment(values, 30, 50), 3)


@pytest.mark.parametrize(
    "windows, batch, steps, expected", [(61, 16, 20, 6), (61, 16, 1, 1), (2538, 64, 20, 1), (5, 32, 20, 128)]
)
def test_epoch_passes_make_an_epoch_of_at_least_min_steps(windows, batch, steps, expected):
    assert sp.epoch_passes(windows, batch, steps) == expected
    assert -(-windows * expected // batch) >= min(steps, -(-windows // batch))


def test_rnn_forecaster_fit_an_epoch_over_few_windows_makes_at_least_min_epoch_steps():
    import keras
    import keras_tuner

    y = _series()[:, None]
    space = sp.SearchSpace(sp.FORECAST_PARAMS).with_domains(
        {sp.WINDOW: sp.fixed(12), sp.BATCH_SIZE: sp.fixed(16), sp.NUM_LAYERS: sp.fixed(1), sp.UNITS[0]: sp.fixed(4)}
    )
    model = RNNForecaster(1, 4, [50.0], [100.0], 50.0, 10.0, space=space, jit_compile=False, min_epoch_steps=20)
    hp = keras_tuner.HyperParameters()
    built = model.build(hp)
    batches = []
    counter = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: batches.append(batch))
    model.fit(hp, built, Segment(y, 0, 40), epochs=1, verbose=0, callbacks=[counter])
    assert len(batches) == 21  # 25 windows are 2 batches of 16: 13 passes, 325 windows, 21 batches


@pytest.mark.parametrize("normalize, moves", [("window", False), ("series", True)])
def test_rnn_forecaster_normalize_window_reads_a_window_the_same_at_any_level(normalize, moves):
    import keras_tuner

    space = sp.SearchSpace(sp.FORECAST_PARAMS).with_domains(
        {sp.WINDOW: sp.fixed(12), sp.NORMALIZE: sp.fixed(normalize), sp.UNITS[0]: sp.fixed(8)}
    )
    model = RNNForecaster(1, 4, [50.0], [100.0], 50.0, 10.0, space=space, jit_compile=False).build(
        keras_tuner.HyperParameters()
    )
    x = _series(12)[None, :, None].astype("float32")
    shifted = model.predict(x + 500.0, verbose=0) - model.predict(x, verbose=0)
    # the scaled correction to the base: the same wherever the window's level is, or not
    assert (np.abs(shifted).max() > 1e-3) == moves
