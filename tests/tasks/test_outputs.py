"""What every task does with a trained model: metrics to compile, the serving wrapper, scores, labels."""

import numpy as np
import tensorflow as tf

from kt_rnn.data import Dataset
from kt_rnn.tasks import outputs


def test_metrics_for_compiles_the_objectives_metric():
    assert outputs.metrics_for("val_accuracy", "classification") == ("accuracy",)
    assert outputs.metrics_for("val_macro_f1", "classification") == (
        "accuracy",
        "macro_f1",
    )
    assert outputs.metrics_for("val_auc", "classification") == (
        "accuracy",
        "auc",
    )
    assert outputs.metrics_for(None, "classification") == ("accuracy",)  # objective resolved later
    assert outputs.metrics_for("val_loss", "regression") == ("mae",)


def _dataset(problem="classification", class_names=("ham", "spam")):
    test = tf.data.Dataset.from_tensor_slices(
        (np.array([[0.1], [0.9], [0.8], [0.2]], "float32"), np.array([0, 1, 0, 0]))
    )
    return Dataset(
        train=None, validation=None, test=test, problem=problem, spec={}, class_names=class_names, sizes={"test": 4}
    )


def test_score_binary_classification_reports_loss_auc_and_per_class():
    import keras

    identity = keras.Sequential([keras.Input((1,)), keras.layers.Identity()])
    scores = outputs.score(identity, _dataset())
    assert scores["accuracy"] == 0.75 and scores["roc_auc"] == 1.0
    assert set(scores["per_class"]) == {"ham", "spam"} and scores["loss"] > 0


def test_assets_name_the_classes_one_per_line_in_index_order():
    assert outputs.assets(_dataset(class_names=("neg", "pos"))) == {"labels.txt": "neg\npos\n"}
    assert outputs.assets(_dataset("regression", None)) == {}


def test_summary_lines_list_classes_only_when_few():
    per_class = {str(i): {"precision": 0.5, "recall": 0.25, "f1": 1 / 3, "support": 4} for i in range(11)}
    scores = {"accuracy": 0.9, "macro_f1": 0.8, "per_class": dict(list(per_class.items())[:2])}
    assert outputs.summary_lines(scores) == [
        "test accuracy 0.9000 | macro-F1 0.8000",
        "  0  precision 0.500 | recall 0.250 | F1 0.333 (4 examples)",
        "  1  precision 0.500 | recall 0.250 | F1 0.333 (4 examples)",
    ]
    assert len(outputs.summary_lines({**scores, "per_class": per_class})) == 1
    assert outputs.summary_lines({"mae": 1.0, "rmse": 2.0, "mse": 4.0, "r2": 0.5}) == [
        "test MAE 1.000 | RMSE 2.000 | R² 0.50"
    ]
