import numpy as np
import pytest

from kt_rnn.tasks import baselines

WORDS = {
    0: "refund charged invoice price".split(),
    1: "crash error freeze broken".split(),
    2: "thanks great love helpful".split(),
}


def _texts(n, classes=(0, 1, 2), seed=0):
    rng = np.random.default_rng(seed)
    labels = rng.choice(classes, n)
    texts = [" ".join(rng.choice(WORDS[label], 3)) + " the app<br />today" for label in labels]
    return texts, labels


def test_tfidf_logistic_regression_scores_the_test_part_as_the_network_is_scored():
    found = baselines.tfidf_logistic_regression(_texts(60), _texts(30, seed=1), ["billing", "bug", "praise"])
    assert set(found) == {"accuracy", "macro_f1", "fit_seconds"}  # ROC AUC is for two classes
    assert found["accuracy"] == 1.0 and found["macro_f1"] == 1.0  # the keywords tell the classes apart


def test_tfidf_logistic_regression_gives_roc_auc_for_two_classes():
    found = baselines.tfidf_logistic_regression(_texts(40, (0, 1)), _texts(20, (0, 1), seed=1), ["billing", "bug"])
    assert found["roc_auc"] == 1.0 and 0 <= found["fit_seconds"] < 60


def test_tfidf_logistic_regression_scores_a_class_it_never_saw_as_never_predicted():
    found = baselines.tfidf_logistic_regression(_texts(40, (0, 1)), _texts(30, seed=1), ["billing", "bug", "praise"])
    assert found["accuracy"] == pytest.approx(np.mean(_texts(30, seed=1)[1] != 2))


@pytest.mark.parametrize(
    "network, verdict",
    [
        (0.90, "the network is 2.0 points ahead of it"),
        (0.86, "the network is 2.0 points behind it"),
        (0.8802, "the network ties with it"),
    ],
)
def test_comparison_lines_say_which_model_won_and_by_how_much(network, verdict):
    scores = {"accuracy": network, "baselines": {"tfidf_logreg": {"accuracy": 0.88, "macro_f1": 0.87}}}
    assert baselines.comparison_lines(scores) == [
        f"TF-IDF + logistic regression: test accuracy 0.8800 | macro-F1 0.8700 | {verdict}"
    ]


def test_comparison_lines_without_baselines_say_nothing():
    assert baselines.comparison_lines({"accuracy": 0.9}) == []


def _monthly(n=96, seed=0):
    """A trend, a yearly season and noise: what AutoETS and AutoARIMA are made for."""
    steps = np.arange(n)
    noise = np.random.default_rng(seed).normal(0, 0.5, n)
    return 100 + 0.5 * steps + 10 * np.sin(2 * np.pi * steps / 12) + noise


def test_classical_forecasts_beat_the_naive_forecast_on_a_seasonal_series():
    y, origins = _monthly(), np.arange(84, 91)
    found = baselines.classical_forecasts(y, 84, origins, horizon=6, season=12)
    actual = np.stack([y[o : o + 6] for o in origins])
    naive_mae = np.mean(np.abs(y[origins - 1][:, None] - actual))
    for name, fitted in found.items():
        assert fitted["forecasts"].shape == (7, 6), name
        assert np.mean(np.abs(fitted["forecasts"] - actual)) < naive_mae / 2, name
    assert found["auto_ets"]["model"].startswith("ETS(") and found["auto_arima"]["model"].startswith("ARIMA(")


def test_classical_forecasts_read_no_value_at_or_after_an_origin():
    y = _monthly()
    changed = y.copy()
    changed[88:] += 1000  # the test part from step 88 on: no forecast made at 84..88 may move
    before, after = (
        baselines.classical_forecasts(series, 84, np.arange(84, 89), horizon=3, season=12) for series in (y, changed)
    )
    for name in before:
        np.testing.assert_allclose(before[name]["forecasts"], after[name]["forecasts"], err_msg=name)


def test_classical_forecasts_leave_out_a_season_longer_than_statsforecast_models():
    found = baselines.classical_forecasts(_monthly(200), 190, [190], horizon=2, season=baselines.LONGEST_SEASON + 1)
    assert "[" not in found["auto_arima"]["model"] and found["auto_ets"]["model"].endswith(",N)")


def test_classical_forecasts_report_a_model_that_cannot_be_fitted_instead_of_raising():
    found = baselines.classical_forecasts(np.arange(8.0), 6, [6], horizon=2, season=4)
    assert "could not be fitted" in found["auto_ets"]["error"] and "forecasts" not in found["auto_ets"]
    assert found["auto_arima"]["forecasts"].shape == (1, 2)
