import keras
import keras_tuner
import numpy as np
import pytest

from hypermodels import space as sp
from hypermodels.sequence import SequenceModel

STEPS, FEATURES = 5, 2
SMALL = {sp.UNITS[0]: 8, sp.BATCH_SIZE: 16}
# Settings that learn the sign of a mean in a few epochs, whatever the tuner samples.
LEARNS = {sp.NUM_LAYERS: 1, sp.OPTIMIZER: "adam", sp.LEARNING_RATE: 1e-2, sp.L2: 0.0, sp.CLIPNORM: 0.0}


def _hp(space=None, **values):
    hp = keras_tuner.HyperParameters()
    space = space or sp.SearchSpace(sp.SEQUENCE_PARAMS)
    space.with_domains({name: sp.fixed(v) for name, v in {**SMALL, **values}.items()}).register_all(hp)
    return hp


def _model(**kwargs):
    """A SequenceModel built without XLA: these tests check structure and learning, not compilation."""
    return SequenceModel(STEPS, FEATURES, **{"jit_compile": False, **kwargs})


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, STEPS, FEATURES)).astype("float32")
    return x, (x.mean(axis=(1, 2)) > 0).astype("int64")


@pytest.mark.parametrize(
    "num_classes, units, loss", [(2, 1, "binary_crossentropy"), (3, 3, "sparse_categorical_crossentropy")]
)
def test_sequence_model_classification_head_gives_probabilities(num_classes, units, loss):
    model = _model(num_classes=num_classes).build(_hp())
    assert model.loss == loss and model.output.shape == (None, units)
    probabilities = model.predict(_data(8)[0], verbose=0)
    assert ((probabilities >= 0) & (probabilities <= 1)).all()
    if num_classes > 2:
        np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


def test_sequence_model_regression_has_a_linear_value_head_and_mse():
    model = _model().build(_hp())
    head = model.get_layer("value")
    assert model.loss == "mse" and model.output.shape == (None, 1) and head.activation.__name__ == "linear"
    x, _ = _data(16)
    logs = model.train_on_batch(x, 1000 * x.sum(axis=(1, 2)), return_dict=True)
    assert set(logs) == {"loss", "mae"} and logs["mae"] > 100  # unbounded output, not a probability


def test_sequence_model_normalizes_raw_inputs_inside_the_model():
    mean, variance = [100.0, -3.0], [25.0, 4.0]
    model = _model(num_classes=2, mean=mean, variance=variance).build(_hp())
    assert model.input.shape == (None, STEPS, FEATURES) and model.input.dtype == "float32"
    normalization = model.layers[1]
    assert isinstance(normalization, keras.layers.Normalization)
    x = _data(4)[0] * np.sqrt(variance) + mean
    np.testing.assert_allclose(normalization(x), (x - mean) / np.sqrt(variance), rtol=1e-4, atol=1e-5)


def test_sequence_model_without_statistics_takes_inputs_as_given():
    model = _model().build(_hp())
    assert not any(isinstance(layer, keras.layers.Normalization) for layer in model.layers)


@pytest.mark.e2e  # a whole KerasTuner search: 8 epochs, a checkpoint each, the best model rebuilt
def test_sequence_model_tunes_on_numpy_arrays_with_keras_tuner(tmp_path):
    x, y = _data(96)
    hypermodel = _model(
        num_classes=2,
        mean=x.mean(axis=(0, 1)),
        variance=x.var(axis=(0, 1)),
        space=sp.SearchSpace(sp.SEQUENCE_PARAMS).with_domains(
            {name: sp.fixed(v) for name, v in {**SMALL, **LEARNS}.items()}
        ),
    )
    tuner = keras_tuner.RandomSearch(hypermodel, "val_accuracy", max_trials=1, directory=tmp_path, seed=0)
    tuner.search(x, y, validation_split=0.25, epochs=8, verbose=0)
    trial = tuner.oracle.get_best_trials()[0]
    assert trial.status == "COMPLETED" and trial.score > 0.6  # sign of the mean is easy to learn
    assert tuner.get_best_models()[0].predict(x[:3], verbose=0).shape == (3, 1)


def test_sequence_model_trains_under_xla_with_its_normalization_inside_the_compiled_step():
    mean, variance = [100.0, -3.0], [25.0, 4.0]
    model = SequenceModel(STEPS, FEATURES, mean=mean, variance=variance, jit_compile=True).build(_hp())
    assert model.jit_compile is True
    x, _ = _data(16)
    logs = model.train_on_batch(x * np.sqrt(variance) + mean, x.sum(axis=(1, 2)), return_dict=True)
    assert np.isfinite(logs["loss"])


def test_sequence_model_space_edits_reach_the_layers():
    space = sp.SearchSpace(sp.SEQUENCE_PARAMS).with_domains({sp.CELL: sp.fixed("lstm")})
    hp = _hp(space, **{sp.NUM_LAYERS: 2, sp.UNITS[0]: 12, sp.UNITS[1]: 6, sp.BIDIRECTIONAL: True, sp.HEAD: "max_pool"})
    model = _model(space=space).build(hp)
    wrapped = [layer for layer in model.layers if isinstance(layer, keras.layers.Bidirectional)]
    assert [layer.forward_layer.units for layer in wrapped] == [12, 6]
    assert all(isinstance(layer.forward_layer, keras.layers.LSTM) for layer in wrapped)
    assert model.predict(_data(3)[0], verbose=0).shape == (3, 1)


def test_sequence_model_saved_and_loaded_keeps_its_normalization(tmp_path):
    x, _ = _data(4)
    model = _model(mean=[1.0, 2.0], variance=[4.0, 9.0]).build(_hp())
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras", compile=False)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs, expected",
    [
        ({"timesteps": 0}, r"timesteps to be an int >= 1. Received: timesteps=0"),
        ({"num_classes": 1}, r"num_classes to be an int >= 2"),
        ({"mean": [0.0, 0.0]}, r"mean and variance both given or both None"),
        ({"mean": [0.0], "variance": [1.0]}, r"shape \(2,\), one value per feature"),
        ({"mean": [0.0, 0.0], "variance": [1.0, -1.0]}, r"variances >= 0"),
        ({"metrics": ("accuracy",)}, r"regression metrics among \['mae'\]"),
        ({"num_classes": 2, "metrics": ("mae",)}, r"classification metrics among"),
        ({"space": sp.SearchSpace(sp.TEXT_PARAMS)}, r"space to be a SearchSpace of SequenceModel"),
    ],
)
def test_sequence_model_invalid_settings_raise_value_error(kwargs, expected):
    settings = {"timesteps": STEPS, "features": FEATURES, **kwargs}
    with pytest.raises(ValueError, match=expected):
        SequenceModel(**settings)
