"""The budget planned from the data: sized to a series' training windows, never over what the user gave."""

import types

import numpy as np
import pytest

from hypermodels import space as sp
from kt_rnn.data import series as series_lib
from kt_rnn.data import timeseries
from kt_rnn.errors import DataError
from kt_rnn.search import plan
from searches import config


def _series(tmp_path, rows, season=12, trend=1.0):
    """A seasonal series (with a trend of `trend` a step) and a little noise."""
    path = tmp_path / "series.csv"
    steps = np.arange(rows)
    values = 100 + trend * steps + 10 * np.sin(2 * np.pi * steps / season) + np.random.default_rng(0).normal(0, 1, rows)
    path.write_text("y\n" + "".join(f"{v:.3f}\n" for v in values))
    return path


def _planned(tmp_path, rows, *argv, horizon=12, trend=1.0):
    given = config(
        "timeseries",
        "--data",
        _series(tmp_path, rows, trend=trend),
        "--target",
        "y",
        "--horizon",
        horizon,
        "--season",
        "12",
        "--logdir",
        tmp_path / "logs",
        *argv,
    )
    values = timeseries.read_inputs(given)["series"].values  # the loader's checks pass
    validation, test = series_lib.split_sizes(rows, horizon)
    train = rows - validation - test
    dataset = types.SimpleNamespace(
        unit="steps",
        sizes={"train": train, "validation": validation},
        spec={"horizon": horizon, "stride": 1, "season": 12},
        train=types.SimpleNamespace(values=values, begin=0, end=train),
    )
    return plan.plan(given, dataset)


def test_plan_a_short_series_gets_small_batches_more_epochs_and_a_bayesian_search(tmp_path):
    planned, found = _planned(tmp_path, 144)  # airline's length: 96 training steps, 61 windows of 24
    assert planned.space.domain(sp.BATCH_SIZE).values == (8, 16, 32)
    # 61 windows in batches of 16: an epoch of 6 passes is 23 steps, 22 epochs make 500 steps.
    assert planned.budget.max_epochs == 22 and planned.budget.patience == 3
    assert (planned.budget.tuner, planned.budget.max_trials) == ("bayesian", plan.TRIALS)
    assert found.line().startswith(
        "planned for 61 training windows of 24 steps: batches of 8/16/32, up to 22 epochs (23 steps each)"
    )
    assert planned.planned == found.line()


def test_plan_a_long_series_keeps_the_default_budget(tmp_path):
    planned, found = _planned(tmp_path, 20_000)
    assert (planned.budget.tuner, planned.budget.max_epochs, planned.budget.patience) == ("hyperband", 10, 3)
    assert planned.space.domain(sp.BATCH_SIZE).values == (32, 64, 128)
    assert "bayesian" not in found.line()


@pytest.mark.parametrize(
    "argv, kept",
    [
        (("--max-epochs", "7"), {"max_epochs": 7}),
        (("--tuner", "random"), {"tuner": "random", "max_trials": None}),
        (("--max-trials", "4"), {"tuner": "hyperband", "max_trials": 4}),
        (("--patience", "2"), {"patience": 2}),
    ],
)
def test_plan_keeps_every_budget_option_the_user_gave(tmp_path, argv, kept):
    planned, _ = _planned(tmp_path, 144, *argv)
    assert {name: planned.option(name) for name in kept} == kept


def test_plan_keeps_an_edited_batch_size_and_window(tmp_path):
    planned, _ = _planned(tmp_path, 144, "--fix", "batch_size=64", "--fix", "window=36")
    assert planned.space.domain(sp.BATCH_SIZE) == sp.fixed(64) and planned.space.domain(sp.WINDOW) == sp.fixed(36)


def test_plan_leaves_out_windows_the_training_part_cannot_hold_with_a_note(tmp_path):
    # 84 rows: 60 training steps; windows of 13/24/48 with a horizon of 12 leave 36/25/1 training windows.
    planned, found = _planned(tmp_path, 84)
    assert planned.space.domain(sp.WINDOW).values == (13, 24)
    assert "window 48 left out: the 60 training steps hold fewer than 16 windows of it" in found.line()


def test_plan_a_series_too_short_for_the_longest_default_window_is_no_error(tmp_path):
    given = config(
        "timeseries",
        "--data",
        _series(tmp_path, 84),
        "--target",
        "y",
        "--horizon",
        "12",
        "--season",
        "12",
        "--logdir",
        tmp_path / "logs",
    )
    assert timeseries.read_inputs(given)["series"].values.shape == (84, 1)
    with pytest.raises(DataError, match="window of 54"):  # a window the user chose is checked as given
        timeseries.read_inputs(
            config(
                "timeseries",
                "--data",
                _series(tmp_path, 84),
                "--target",
                "y",
                "--horizon",
                "12",
                "--fix",
                "window=54",
                "--logdir",
                tmp_path / "logs",
            )
        )


def test_plan_changes_nothing_for_imdb(tmp_path):
    given = config("imdb", "--logdir", tmp_path)
    planned, found = plan.plan(given, types.SimpleNamespace(unit="examples", sizes={"train": 20_000}))
    assert planned == given and found.line() == ""


@pytest.mark.parametrize(
    "windows, expected",
    [(10, (8, 16, 32)), (300, (8, 16, 32)), (600, (16, 32, 64)), (2_500, (32, 64, 128)), (100_000, (32, 64, 128))],
)
def test_batch_domain_largest_batch_about_an_eighth_of_the_windows(windows, expected):
    assert plan.batch_domain(windows).values == expected


def test_plan_scores_a_short_series_on_as_many_folds_as_its_earliest_fold_can_train_on(tmp_path):
    # 96 training steps, validation parts of 24: 3 folds would leave the first 48 steps, 13 windows of 24.
    planned, found = _planned(tmp_path, 144)
    assert planned.budget.folds == 2 and "each scored on 2 rolling-origin folds" in found.line()
    assert _planned(tmp_path, 240)[0].budget.folds == plan.FOLDS
    assert _planned(tmp_path, 600)[0].budget.folds == 1  # 385 training windows: enough to rank trials on one part
    assert _planned(tmp_path, 20_000)[0].budget.folds == 1  # thousands of windows: one validation part ranks well


def test_plan_keeps_the_folds_the_user_gave(tmp_path):
    assert _planned(tmp_path, 240, "--folds", "1")[0].budget.folds == 1


def test_plan_keeps_the_seasonal_trend_base_for_a_trending_series(tmp_path):
    planned, found = _planned(tmp_path, 144)
    assert planned.space.domain(sp.PREDICT) == sp.fixed("seasonal_trend")
    assert "predict=seasonal_trend: its base forecasts the training part with MAE" in found.line()


def test_plan_leaves_out_the_seasonal_trend_base_for_a_series_that_keeps_its_level(tmp_path):
    # No trend: the last season's change is noise, which seasonal_trend would carry a season ahead.
    planned, found = _planned(tmp_path, 144, trend=0.0)
    assert planned.space.domain(sp.PREDICT) == sp.fixed("seasonal")
    assert "predict=seasonal:" in found.line() and "(seasonal_trend " in found.line()


def test_plan_keeps_both_bases_where_the_training_part_cannot_tell_them_apart(tmp_path):
    planned, found = _planned(tmp_path, 144, trend=0.1)  # a season's drift about the noise: MAE 1.63 and 1.66
    assert set(planned.space.domain(sp.PREDICT).values) == {"seasonal", "seasonal_trend"}
    assert "predict=" not in found.line()


def test_plan_keeps_the_bases_the_user_gave(tmp_path):
    planned, _ = _planned(tmp_path, 144, "--fix", "predict=seasonal_trend", trend=0.0)
    assert planned.space.domain(sp.PREDICT) == sp.fixed("seasonal_trend")


def _examples(tmp_path, examples, *argv, dataset="imdb"):
    given = config(dataset, "--logdir", tmp_path, *argv)
    return plan.plan(given, types.SimpleNamespace(unit="examples", sizes={"train": examples}))


def test_plan_keeps_the_text_defaults_for_an_imdb_sized_corpus(tmp_path):
    planned, found = _examples(tmp_path, 3_200)  # 25 steps an epoch at the default batch of 128
    assert planned.space.domain(sp.BATCH_SIZE) == sp.fixed(128) and found.line() == ""


def test_plan_halves_the_batch_of_a_small_corpus_until_an_epoch_makes_enough_steps(tmp_path):
    planned, found = _examples(tmp_path, 400)
    assert planned.space.domain(sp.BATCH_SIZE) == sp.fixed(16)  # 25 steps an epoch; 32 would make 13
    assert found.line() == "planned for 400 training examples: batches of 16 (an epoch of 25 steps at 16)"
    assert planned.planned == found.line()
    assert (planned.budget.max_epochs, planned.budget.tuner) == (10, "hyperband")


def test_plan_keeps_the_batch_the_user_gave_for_a_small_corpus(tmp_path):
    planned, found = _examples(tmp_path, 400, "--fix", "batch_size=128")
    assert planned.space.domain(sp.BATCH_SIZE) == sp.fixed(128) and found.line() == ""


def test_plan_halves_the_batch_of_a_small_sequence_set_too(tmp_path):
    default = config("sequence", "--logdir", tmp_path).space.domain(sp.BATCH_SIZE)
    planned, found = _examples(tmp_path, 200, dataset="sequence")
    assert _first_value(planned.space.domain(sp.BATCH_SIZE)) * sp.MIN_EPOCH_STEPS <= 200
    assert planned.space.domain(sp.BATCH_SIZE) != default and found.line().startswith("planned for 200 training")


def _first_value(domain):
    return domain.default if domain.default is not None else domain.values[0]


def test_plan_averages_the_best_trials_for_a_short_series_only(tmp_path):
    planned, found = _planned(tmp_path, 144)
    assert planned.output.ensemble == plan.ENSEMBLE and planned.output.refits == 1
    assert f"an export that averages the {plan.ENSEMBLE} best trials" in found.line()
    assert _planned(tmp_path, 20_000)[0].output.ensemble == 1  # thousands of windows rank the trials


def test_plan_keeps_the_export_the_user_gave(tmp_path):
    assert _planned(tmp_path, 144, "--ensemble", "2")[0].output.ensemble == 2
    given = _planned(tmp_path, 144, "--refits", "3")[0].output  # three refits of the best trial, as asked
    assert (given.ensemble, given.refits) == (1, 3)
