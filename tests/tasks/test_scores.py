import json

import numpy as np
import pytest

from kt_rnn.tasks import scores


def test_classification_imbalanced_binary_high_accuracy_low_macro_f1():
    labels = np.array([0] * 9 + [1])
    # Every example falls below 0.5, so the model never predicts "pos".
    p_pos = np.array([0.1, 0.15, 0.2, 0.25, 0.3, 0.1, 0.2, 0.3, 0.45, 0.4])
    result = scores.classification(labels, p_pos[:, None], ["neg", "pos"])
    assert result["accuracy"] == pytest.approx(0.9)
    assert result["macro_f1"] == pytest.approx((18 / 19 + 0) / 2)  # neg F1 = 2*9 / (9 + 10)
    assert result["confusion_matrix"] == [[9, 0], [1, 0]]
    assert result["per_class"]["pos"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 1}
    assert result["per_class"]["neg"]["precision"] == pytest.approx(0.9)
    assert result["roc_auc"] == pytest.approx(8 / 9)  # only the 0.45 negative outranks the positive


def test_classification_three_classes_with_one_never_predicted():
    labels = [0, 0, 1, 1, 2, 2]
    predicted = [0, 0, 1, 0, 1, 1]
    probabilities = np.eye(3)[predicted] * 0.7 + 0.1
    result = scores.classification(labels, probabilities, ["a", "b", "c"])
    assert result["accuracy"] == pytest.approx(0.5)
    assert result["confusion_matrix"] == [[2, 0, 0], [1, 1, 0], [0, 2, 0]]
    assert result["per_class"]["a"]["f1"] == pytest.approx(0.8)  # P 2/3, R 1
    assert result["per_class"]["b"]["f1"] == pytest.approx(0.4)  # P 1/3, R 1/2
    assert result["per_class"]["c"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 2}
    assert result["macro_f1"] == pytest.approx(0.4)
    assert "roc_auc" not in result


def test_classification_class_absent_from_test_set_counts_in_macro_f1():
    result = scores.classification([0, 1, 1], np.eye(3)[[0, 1, 1]], ["a", "b", "c"])
    assert result["accuracy"] == 1.0
    assert result["macro_f1"] == pytest.approx(2 / 3)
    assert result["confusion_matrix"][2] == [0, 0, 0]


def test_classification_roc_auc_is_none_with_one_class():
    result = scores.classification([1, 1, 1], [[0.2], [0.7], [0.9]], ["neg", "pos"])
    assert result["roc_auc"] is None
    assert result["accuracy"] == pytest.approx(2 / 3)


def test_classification_output_is_json_serialisable():
    rng = np.random.default_rng(0)
    result = scores.classification(rng.integers(0, 2, 20), rng.random((20, 1)), ["neg", "pos"])
    assert json.loads(json.dumps(result)) == result


def test_classification_rejects_labels_outside_the_classes():
    with pytest.raises(ValueError, match="range"):
        scores.classification([0, 2], [[0.1], [0.9]], ["neg", "pos"])


def test_classification_rejects_probabilities_not_matching_the_class_names():
    with pytest.raises(ValueError, match="shape"):
        scores.classification([0, 1], np.full((2, 3), 1 / 3), ["neg", "pos"])


def test_regression_hand_computed_scores():
    result = scores.regression([1.0, 2.0, 3.0, 4.0], [[1.0], [2.0], [3.0], [6.0]])
    assert result == pytest.approx({"mae": 0.5, "rmse": 1.0, "mse": 1.0, "r2": 0.2})  # SS_tot = 5, SS_res = 4
    assert json.loads(json.dumps(result)) == result


def test_regression_r2_is_none_for_one_example():
    result = scores.regression([2.0], [3.0])
    assert result["r2"] is None
    assert result["rmse"] == pytest.approx(1.0)


def test_regression_rejects_mismatched_lengths():
    with pytest.raises(ValueError, match="targets"):
        scores.regression([1.0, 2.0], [1.0])


def test_summary_line_classification_and_regression():
    binary = scores.classification([0, 1, 1, 0], [[0.2], [0.9], [0.4], [0.6]], ["neg", "pos"])
    assert scores.summary_line(binary) == "test accuracy 0.5000 | macro-F1 0.5000 | ROC AUC 0.7500"
    multi = scores.classification([0, 1, 2], np.eye(3), ["a", "b", "c"])
    assert scores.summary_line(multi) == "test accuracy 1.0000 | macro-F1 1.0000"
    regression = scores.regression([1.0, 2.0, 3.0, 4.0], [1.0, 2.0, 3.0, 6.0])
    assert scores.summary_line(regression) == "test MAE 0.500 | RMSE 1.000 | R² 0.20"


def test_summary_line_says_n_a_for_an_undefined_roc_auc():
    result = scores.classification([1, 1], [[0.2], [0.9]], ["neg", "pos"])
    assert scores.summary_line(result).endswith("ROC AUC n/a")
