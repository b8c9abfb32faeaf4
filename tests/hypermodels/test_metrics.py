import keras
import numpy as np
import pytest
from sklearn.metrics import f1_score

from hypermodels.metrics import MacroF1


def sklearn_macro_f1(labels, predicted, k, sample_weight=None):
    return f1_score(labels, predicted, average="macro", labels=range(k), zero_division=0, sample_weight=sample_weight)


def result(metric):
    return float(keras.ops.convert_to_numpy(metric.result()))


def tiny_model(num_classes):
    inputs = keras.Input(shape=(3,))
    binary = num_classes == 2
    outputs = keras.layers.Dense(1 if binary else num_classes, activation="sigmoid" if binary else "softmax")(inputs)
    model = keras.Model(inputs, outputs)
    loss = "binary_crossentropy" if binary else "sparse_categorical_crossentropy"
    model.compile(optimizer="adam", loss=loss, metrics=["accuracy", MacroF1(num_classes)])
    return model


def test_macro_f1_binary_sigmoid_matches_sklearn_over_batches():
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=90)
    probabilities = rng.random((90, 1)).astype("float32")
    metric = MacroF1(2)
    for batch in np.split(np.arange(90), 3):
        metric.update_state(labels[batch], probabilities[batch])
    expected = sklearn_macro_f1(labels, (probabilities[:, 0] >= 0.5).astype(int), 2)
    assert result(metric) == pytest.approx(expected, abs=1e-6)


def test_macro_f1_binary_uses_the_threshold():
    labels = np.array([0, 0, 1, 1])
    probabilities = np.array([[0.1], [0.3], [0.35], [0.9]], dtype="float32")
    metric = MacroF1(2, threshold=0.32)
    metric.update_state(labels, probabilities)
    assert result(metric) == pytest.approx(1.0)


def test_macro_f1_softmax_float_column_labels_match_sklearn():
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, size=(60, 1)).astype("float32")
    probabilities = rng.dirichlet(np.ones(3), size=60).astype("float32")
    metric = MacroF1(3)
    for batch in np.split(np.arange(60), 4):
        metric.update_state(labels[batch], probabilities[batch])
    expected = sklearn_macro_f1(labels[:, 0].astype(int), probabilities.argmax(axis=1), 3)
    assert result(metric) == pytest.approx(expected, abs=1e-6)


def test_macro_f1_absent_class_counts_as_zero_like_sklearn():
    labels = np.array([0, 1, 1, 0])
    probabilities = np.eye(3, dtype="float32")[[0, 1, 1, 0]]  # perfect, but class 2 never appears
    metric = MacroF1(3)
    metric.update_state(labels, probabilities)
    assert result(metric) == pytest.approx(2 / 3)
    assert result(metric) == pytest.approx(sklearn_macro_f1(labels, labels, 3))


def test_macro_f1_sample_weight_matches_sklearn():
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 3, size=40)
    probabilities = rng.dirichlet(np.ones(3), size=40).astype("float32")
    weights = rng.random(40).astype("float32")
    metric = MacroF1(3)
    metric.update_state(labels, probabilities, sample_weight=weights)
    expected = sklearn_macro_f1(labels, probabilities.argmax(axis=1), 3, sample_weight=weights)
    assert result(metric) == pytest.approx(expected, abs=1e-5)


def test_macro_f1_reset_state_forgets_earlier_batches():
    metric = MacroF1(2)
    metric.update_state(np.array([0, 1]), np.array([[0.9], [0.1]], dtype="float32"))
    assert result(metric) == 0.0
    metric.reset_state()
    metric.update_state(np.array([0, 1]), np.array([[0.1], [0.9]], dtype="float32"))
    assert result(metric) == pytest.approx(1.0)


def test_macro_f1_rejects_a_sigmoid_output_for_more_than_two_classes():
    with pytest.raises(ValueError, match="num_classes=3"):
        MacroF1(3).update_state(np.array([0, 2]), np.array([[0.2], [0.7]], dtype="float32"))


def test_macro_f1_rejects_fewer_than_two_classes():
    with pytest.raises(ValueError, match="num_classes"):
        MacroF1(1)


def test_macro_f1_survives_model_save_and_load(tmp_path):
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(32, 3)).astype("float32"), rng.integers(0, 3, size=32)
    model = tiny_model(3)
    model.fit(x, y, epochs=1, verbose=0)
    model.save(tmp_path / "m.keras")
    reloaded = keras.models.load_model(tmp_path / "m.keras")
    scores = reloaded.evaluate(x, y, verbose=0, return_dict=True)
    expected = sklearn_macro_f1(y, model.predict(x, verbose=0).argmax(axis=1), 3)
    assert scores["macro_f1"] == pytest.approx(expected, abs=1e-6)
    assert MacroF1.from_config(MacroF1(3, threshold=0.3).get_config()).threshold == 0.3


def test_macro_f1_logged_by_fit_on_validation_data():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = (x[:, 0] > 0.8).astype("float32")  # imbalanced binary labels, float as from a tf.data pipeline
    model = tiny_model(2)
    history = model.fit(x[:48], y[:48], validation_data=(x[48:], y[48:]), epochs=2, batch_size=8, verbose=0)
    assert {"macro_f1", "val_macro_f1"} <= set(history.history)
    predicted = (model.predict(x[48:], verbose=0)[:, 0] >= 0.5).astype(int)
    expected = sklearn_macro_f1(y[48:].astype(int), predicted, 2)
    assert history.history["val_macro_f1"][-1] == pytest.approx(expected, abs=1e-6)
