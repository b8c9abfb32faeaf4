import keras
import numpy as np

from hypermodels.layers import ConvFront, MaskedGlobalMaxPooling1D


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


def test_conv_front_shortens_the_sequence_and_its_mask_by_the_pool():
    x = np.ones((2, 7, 3), dtype="float32")
    mask = np.array([[True] * 3 + [False] * 4, [True] * 7])
    layer = ConvFront(4, kernel_size=3, pool_size=2)
    out = layer(x, mask=mask)
    assert tuple(out.shape) == (2, 4, 4) == layer.compute_output_shape((2, 7, 3))
    shortened = keras.ops.convert_to_numpy(layer.compute_mask(x, mask))
    np.testing.assert_array_equal(shortened, [[True, True, False, False], [True] * 4])  # still right-padded


def test_conv_front_reads_padding_as_zeros_whatever_its_embedding():
    layer = ConvFront(4, kernel_size=3, pool_size=1)
    real = np.random.default_rng(0).normal(size=(1, 3, 2)).astype("float32")
    padded = [np.concatenate([real, np.full((1, 2, 2), fill, "float32")], axis=1) for fill in (0.0, 7.0)]
    mask = np.array([[True] * 3 + [False] * 2])
    zeros, sevens = (keras.ops.convert_to_numpy(layer(x, mask=mask)) for x in padded)
    np.testing.assert_allclose(zeros, sevens)


def test_conv_front_in_a_model_answers_alike_with_more_padding_and_after_a_reload(tmp_path):
    tokens = keras.Input(shape=(None,), dtype="int64")
    x = keras.layers.Embedding(10, 3, mask_zero=True)(tokens)
    x = keras.layers.GRU(2, return_sequences=True)(ConvFront(4, kernel_size=3, pool_size=2)(x))
    model = keras.Model(tokens, MaskedGlobalMaxPooling1D()(x))
    short, long = np.array([[3, 4, 5, 6, 0, 0]]), np.array([[3, 4, 5, 6, 0, 0, 0, 0, 0, 0]])
    np.testing.assert_allclose(model.predict(short, verbose=0), model.predict(long, verbose=0), rtol=1e-5)
    model.save(tmp_path / "m.keras")
    reloaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(reloaded.predict(short, verbose=0), model.predict(short, verbose=0))
