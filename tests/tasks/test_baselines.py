import numpy as np
import pytest

from kt_rnn.tasks import baselines

WORDS = {0: "refund charged invoice price".split(), 1: "crash error freeze broken".split(),
         2: "thanks great love helpful".split()}


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


@pytest.mark.parametrize("network, verdict", [
    (0.90, "the network is 2.0 points ahead of it"), (0.86, "the network is 2.0 points behind it"),
    (0.8802, "the network ties with it"),
])
def test_comparison_lines_say_which_model_won_and_by_how_much(network, verdict):
    scores = {"accuracy": network, "baselines": {"tfidf_logreg": {"accuracy": 0.88, "macro_f1": 0.87}}}
    assert baselines.comparison_lines(scores) == [
        f"TF-IDF + logistic regression: test accuracy 0.8800 | macro-F1 0.8700 | {verdict}"]


def test_comparison_lines_without_baselines_say_nothing():
    assert baselines.comparison_lines({"accuracy": 0.9}) == []
