import warnings

import keras
import keras_tuner
import numpy as np
import pytest
import tensorflow as tf

from hypermodels import space as sp
from hypermodels.classifier import CELL_LAYERS, CONV_KERNEL, CONV_POOL, OPTIMIZERS, RNNClassifier
from hypermodels.layers import ConvFront

SEQ, VOCAB = 8, 30


def _fixed_hp(**values):
    """hp with `values` fixed (num_layers first, so unit scopes can refer to it)."""
    hp = keras_tuner.HyperParameters()
    space = sp.SearchSpace().with_domains({name: sp.fixed(v) for name, v in values.items()})
    space.register_all(hp)
    return hp


def _classifier(**kwargs):
    """A classifier built without XLA: these tests check structure, and compiling each tiny model
    costs seconds (XLA has its own tests below)."""
    return RNNClassifier(VOCAB, SEQ, **{"jit_compile": False, **kwargs})


def _eager(model):
    """`model`, trained and run step by step in Python: tracing a graph of a few stacked or
    bidirectional layers takes seconds, and these tests check what is built and that it learns."""
    model.run_eagerly = True
    return model


def _data(n=16, classes=2):
    x = np.random.randint(0, VOCAB, size=(n, SEQ))
    x[:, SEQ // 2 :] = 0  # right padding
    return tf.data.Dataset.from_tensor_slices((x, np.arange(n) % classes))


def test_registries_match_the_space_names():
    assert tuple(CELL_LAYERS) == sp.CELLS
    assert tuple(OPTIMIZERS) == sp.OPTIMIZERS


# Every pair of settings (cell and depth, cell and direction, direction and depth) once: 9 models, not
# all 18; the builder wraps and stacks each layer alike, so no setting depends on the other two together.
PAIRS = [(cell, (i + j) % 2 == 1, depth) for i, cell in enumerate(sp.CELLS) for j, depth in enumerate((1, 2, 3))]


@pytest.mark.parametrize("cell, bidirectional, depth", PAIRS)
def test_rnn_classifier_builds_and_trains_one_step(cell, bidirectional, depth):
    hp = _fixed_hp(
        **{
            sp.CELL: cell,
            sp.BIDIRECTIONAL: bidirectional,
            sp.NUM_LAYERS: depth,
            sp.EMBEDDING_DIM: 4,
            **{u: 4 for u in sp.UNITS},
            sp.BATCH_SIZE: 8,
        }
    )
    model = _eager(_classifier().build(hp))
    recurrent = [layer for layer in model.layers if isinstance(layer, (keras.layers.RNN, keras.layers.Bidirectional))]
    assert len(recurrent) == depth
    assert all(isinstance(layer, keras.layers.Bidirectional) == bidirectional for layer in recurrent)
    inner = [layer.forward_layer if bidirectional else layer for layer in recurrent]
    assert all(isinstance(layer, CELL_LAYERS[cell]) for layer in inner)
    x, y = next(iter(_data().batch(8)))
    before = [w.copy() for w in model.get_weights()]
    loss = model.train_on_batch(x, y, return_dict=True)["loss"]
    assert np.isfinite(loss)
    assert any(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))
    assert [name for name in sp.UNITS if name in hp] == list(sp.UNITS[:depth])


def test_rnn_classifier_max_pool_head_and_hyperparameters_reach_the_layers():
    hp = _fixed_hp(
        **{
            sp.CELL: "lstm",
            sp.HEAD: "max_pool",
            sp.NUM_LAYERS: 2,
            sp.UNITS[0]: 16,
            sp.UNITS[1]: 32,
            sp.DROPOUT: 0.3,
            sp.INITIALIZER: "orthogonal",
            sp.L2: 1e-4,
            sp.OPTIMIZER: "sgd",
            sp.LEARNING_RATE: 0.05,
            sp.CLIPNORM: 1.0,
        }
    )
    model = _classifier().build(hp)
    lstms = [layer for layer in model.layers if isinstance(layer, keras.layers.LSTM)]
    assert [layer.units for layer in lstms] == [16, 32]
    assert all(layer.return_sequences for layer in lstms)  # max pooling reads every step
    assert lstms[0].dropout == 0.3 and lstms[0].recurrent_dropout == 0.0
    assert isinstance(lstms[0].cell.kernel_initializer, keras.initializers.Orthogonal)
    assert lstms[0].kernel_regularizer.l2 == pytest.approx(1e-4)
    optimizer = model.optimizer
    assert isinstance(optimizer, keras.optimizers.SGD) and optimizer.momentum == 0.9
    assert optimizer.clipnorm == 1.0 and float(optimizer.learning_rate) == pytest.approx(0.05)


def test_rnn_classifier_conv_filters_put_a_conv_front_before_the_stack_and_halve_its_steps():
    plain = _classifier().build(_fixed_hp(**{sp.EMBEDDING_DIM: 4, sp.UNITS[0]: 4}))
    assert not [layer for layer in plain.layers if isinstance(layer, ConvFront)]  # none by default
    hp = _fixed_hp(**{sp.EMBEDDING_DIM: 4, sp.UNITS[0]: 4, sp.CONV_FILTERS: 6, sp.HEAD: "max_pool"})
    model = _classifier().build(hp)
    (front,) = [layer for layer in model.layers if isinstance(layer, ConvFront)]
    assert (front.filters, front.kernel_size, front.pool_size) == (6, CONV_KERNEL, CONV_POOL)
    assert tuple(front.output.shape) == (None, SEQ // CONV_POOL, 6)
    assert isinstance(model.layers[model.layers.index(front) + 1], keras.layers.GRU)  # what the stack reads
    x, y = next(iter(_data().batch(8)))
    before = keras.ops.convert_to_numpy(front.conv.kernel).copy()
    assert np.isfinite(_eager(model).train_on_batch(x, y, return_dict=True)["loss"])
    assert not np.allclose(before, keras.ops.convert_to_numpy(front.conv.kernel))  # it learns with the stack


def test_rnn_classifier_max_mean_pool_head_reads_the_max_and_the_mean_of_the_unpadded_steps():
    hp = _fixed_hp(**{sp.HEAD: "max_mean_pool", sp.EMBEDDING_DIM: 4, sp.UNITS[0]: 3, sp.BIDIRECTIONAL: True})
    model = _classifier().build(hp)
    recurrent = next(layer for layer in model.layers if isinstance(layer, keras.layers.Bidirectional))
    assert recurrent.return_sequences
    pooled = keras.Model(model.inputs, model.get_layer("probabilities").input)
    steps = keras.Model(model.inputs, recurrent.output)
    x, _ = next(iter(_data().batch(8)))
    states, valid = np.asarray(steps(x)), np.asarray(x)[..., None] != 0  # token 0 is masked
    means = (states * valid).sum(axis=1) / valid.sum(axis=1)
    expected = np.concatenate([np.where(valid, states, -np.inf).max(axis=1), means], axis=-1)
    np.testing.assert_allclose(np.asarray(pooled(x, training=False)), expected, rtol=1e-5, atol=1e-6)


def test_rnn_classifier_last_state_head_returns_only_the_last_step():
    hp = _fixed_hp(**{sp.HEAD: "last", sp.NUM_LAYERS: 2})
    model = _classifier().build(hp)
    grus = [layer for layer in model.layers if isinstance(layer, keras.layers.GRU)]
    assert [layer.return_sequences for layer in grus] == [True, False]


def test_rnn_classifier_multiclass_uses_softmax():
    hp = _fixed_hp(**{sp.EMBEDDING_DIM: 4, sp.UNITS[0]: 4})
    hypermodel = _classifier(num_classes=4)
    model = _eager(hypermodel.build(hp))
    assert model.output_shape == (None, 4)
    history = hypermodel.fit(hp, model, _data(classes=4), epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])
    probabilities = model.predict(next(iter(_data().batch(4)))[0], verbose=0)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, rtol=1e-5)


def test_rnn_classifier_fit_batches_with_the_trial_batch_size():
    hp = _fixed_hp(**{sp.BATCH_SIZE: 4, sp.EMBEDDING_DIM: 4, sp.UNITS[0]: 4})
    hypermodel = _classifier()
    model = _eager(hypermodel.build(hp))
    steps = []
    callback = keras.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: steps.append(batch))
    history = hypermodel.fit(
        hp, model, _data(n=16), validation_data=_data(n=8), epochs=1, callbacks=[callback], verbose=0
    )
    assert len(steps) == 4  # 16 examples / batch size 4, although fit got an unbatched dataset
    assert "val_accuracy" in history.history


def test_rnn_classifier_declares_fit_level_hyperparameters_in_build():
    hp = keras_tuner.HyperParameters()
    _classifier().build(hp)
    assert sp.BATCH_SIZE in hp.values


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        ({"vocab_size": 1, "sequence_length": 5}, "vocab_size to be an int >= 2"),
        ({"vocab_size": 10, "sequence_length": 0}, "sequence_length to be an int >= 1"),
        ({"vocab_size": 10, "sequence_length": 5, "num_classes": 1}, "num_classes to be an int >= 2"),
        ({"vocab_size": 10.0, "sequence_length": 5}, "Received: vocab_size=10.0"),
        ({"vocab_size": 10, "sequence_length": 5, "space": {}}, "space to be a SearchSpace"),
        ({"vocab_size": 10, "sequence_length": 5, "jit_compile": "yes"}, "jit_compile"),
        ({"vocab_size": 10, "sequence_length": 5, "ema": 1.0}, "Received: ema=1.0"),
        ({"vocab_size": 10, "sequence_length": 5, "ema": True}, "ema to be None or a momentum"),
    ],
)
def test_rnn_classifier_rejects_bad_fixed_settings(kwargs, fragment):
    with pytest.raises(ValueError, match=fragment):
        RNNClassifier(**kwargs)


def test_rnn_classifier_auto_jit_leaves_xla_off_on_a_cpu():
    model = RNNClassifier(VOCAB, SEQ).build(_fixed_hp(**{sp.EMBEDDING_DIM: 4, sp.UNITS[0]: 4}))
    assert model.jit_compile is False  # Keras's "auto": XLA made the default model's trials slower on a CPU


# Each cell and each head once, a stack and a bidirectional layer (of the cheapest cell to trace: each
# recurrence's trace and compilation takes about a second): what XLA compiles.
@pytest.mark.parametrize(
    "cell, bidirectional, layers, head",
    [
        ("simple_rnn", True, 1, "last"),
        ("simple_rnn", False, 2, "max_pool"),
        ("lstm", False, 1, "max_pool"),
        ("gru", False, 1, "max_mean_pool"),
    ],
)
def test_rnn_classifier_every_cell_and_head_trains_under_xla(cell, bidirectional, layers, head):
    hp = _fixed_hp(
        **{
            sp.CELL: cell,
            sp.BIDIRECTIONAL: bidirectional,
            sp.NUM_LAYERS: layers,
            sp.HEAD: head,
            sp.EMBEDDING_DIM: 4,
            sp.UNITS[0]: 4,
            sp.UNITS[1]: 4,
        }
    )
    model = RNNClassifier(VOCAB, SEQ, num_classes=3, jit_compile=True, metrics=("accuracy", "macro_f1")).build(hp)
    assert model.jit_compile is True
    x, _ = next(iter(_data().batch(8)))
    logs = model.train_on_batch(x, np.array([0, 1, 2, 0, 1, 2, 0, 1][: len(x)]), return_dict=True)
    assert np.isfinite(logs["loss"]) and 0 <= logs["macro_f1"] <= 1


def test_rnn_classifier_model_loads_its_optimizer_state_with_its_weights(tmp_path):
    hp = _fixed_hp(**{sp.EMBEDDING_DIM: 4, sp.UNITS[0]: 4})
    trained = _eager(_classifier().build(hp))
    x, y = next(iter(_data().batch(8)))
    trained.train_on_batch(x, y)
    trained.save_weights(tmp_path / "parent.weights.h5")  # as a Hyperband trial's checkpoint
    continued = _eager(_classifier().build(hp))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "Skipping variable loading for optimizer" would raise
        continued.load_weights(tmp_path / "parent.weights.h5")
    assert int(continued.optimizer.iterations) == 1
    for mine, parent in zip(continued.optimizer.variables, trained.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(parent))


def test_rnn_classifier_ema_validation_scores_the_average_that_the_fit_leaves_in_the_model():
    hp = _fixed_hp(**{sp.EMBEDDING_DIM: 4, sp.UNITS[0]: 4, sp.BATCH_SIZE: 8})
    hypermodel = _classifier(ema=0.5)  # a short average: 2 steps an epoch here
    model = _eager(hypermodel.build(hp))
    assert model.optimizer.use_ema and model.optimizer.ema_momentum == 0.5
    validation, at_epoch_end = _data(), []
    keep = keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: at_epoch_end.append(model.get_weights()))
    history = hypermodel.fit(hp, model, _data(), validation_data=validation, epochs=2, callbacks=[keep], verbose=0)
    averaged = model.evaluate(validation.batch(8), verbose=0, return_dict=True)
    assert averaged["loss"] == pytest.approx(history.history["val_loss"][-1], rel=1e-5)
    # Where an epoch's checkpoints are written, the model holds the training weights (a resumed fit
    # trains on from them; the average is in the optimizer's state), not the average it ends with.
    assert not all(np.allclose(a, b) for a, b in zip(at_epoch_end[-1], model.get_weights()))


@pytest.mark.parametrize("cell", ["gru", "lstm"])
def test_rnn_classifier_mixed_precision_reaches_the_model_and_trains_finite(cell):
    hp = _fixed_hp(**{sp.CELL: cell, sp.EMBEDDING_DIM: 4, sp.UNITS[0]: 4, sp.BATCH_SIZE: 8, sp.HEAD: "max_pool"})
    hypermodel = RNNClassifier(VOCAB, SEQ, jit_compile=False, dtype_policy="mixed_bfloat16")
    model = _eager(hypermodel.build(hp))
    recurrent = next(layer for layer in model.layers if isinstance(layer, keras.layers.RNN))
    assert recurrent.dtype_policy.name == "mixed_bfloat16" and recurrent.compute_dtype == "bfloat16"
    assert recurrent.cell.kernel.dtype == "float32"  # variables stay float32
    assert model.get_layer("probabilities").compute_dtype == "float32" and model.output.dtype == "float32"
    assert keras.config.dtype_policy().name == "float32"  # what is built afterwards is not mixed
    history = hypermodel.fit(hp, model, _data(), epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_rnn_classifier_refuses_an_unknown_dtype_policy():
    with pytest.raises(ValueError, match="Expected dtype_policy to be one of .*Received: dtype_policy='float16'"):
        RNNClassifier(VOCAB, SEQ, dtype_policy="float16")
