import keras
import numpy as np

from hypermodels.layers import MaskedGlobalMaxPooling1D


def test_masked_global_max_pooling_ignores_padded_steps():
    x = np.array([[[-1.0, 2.0], [-3.0, 1.0], [9.0, 9.0]]], dtype="float32")
    mask = np.array([[True, True, False]])
    out = MaskedGlobalMaxPooling1D()(x, mask=mask)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(out), [[-1.0, 2.0]])


def test_masked_global_max_pooling_fully_masked_row_is_zero():
    x = np.array([[[5.0], [6.0]], [[-2.0], [-4.0]]], dtype="float32")
    mask = np.array([[False, False], [True, True]])
    out = keras.ops.convert_to_numpy(MaskedGlobalMaxPooling1D()(x, mask=mask))
    np.testing.assert_allclose(out, [[0.0], [-2.0]])


def test_masked_global_max_pooling_in_a_model_uses_the_embedding_mask(tmp_path):
    tokens = keras.Input(shape=(4,), dtype="int64")
    x = keras.layers.Embedding(10, 3, mask_zero=True)(tokens)
    model = keras.Model(tokens, MaskedGlobalMaxPooling1D()(x))
    ids = np.array([[1, 2, 0, 0]])
    embeddings = keras.ops.convert_to_numpy(model.layers[1].embeddings)
    np.testing.assert_allclose(model.predict(ids, verbose=0), embeddings[[1, 2]].max(axis=0)[None], rtol=1e-6)
    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(reloaded.predict(ids, verbose=0), model.predict(ids, verbose=0))


def test_from_last_value_subtracts_each_windows_last_target_value_from_the_target_only():
    from hypermodels.layers import FromLastValue

    x = np.array([[[1.0, 10.0], [4.0, 20.0], [3.0, 30.0]], [[7.0, 1.0], [7.0, 2.0], [9.0, 3.0]]], dtype="float32")
    out = keras.ops.convert_to_numpy(FromLastValue()(x))
    np.testing.assert_allclose(out[..., 0], [[-2.0, 1.0, 0.0], [-2.0, -2.0, 0.0]])
    np.testing.assert_allclose(out[..., 1], x[..., 1])  # a feature column keeps its values


def test_from_last_value_reads_the_target_column_it_is_given_and_survives_saving(tmp_path):
    from hypermodels.layers import FromLastValue

    window = keras.Input((3, 2))
    model = keras.Model(window, FromLastValue(target_index=1)(window))
    x = np.array([[[1.0, 10.0], [4.0, 20.0], [3.0, 30.0]]], dtype="float32")
    model.save(tmp_path / "m.keras")
    out = keras.saving.load_model(tmp_path / "m.keras").predict(x, verbose=0)
    np.testing.assert_allclose(out, [[[1.0, -20.0], [4.0, -10.0], [3.0, 0.0]]])
