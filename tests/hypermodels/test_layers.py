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
