"""cuDNN eligibility: the pure function agrees with Keras's own conditions, and names what breaks them."""

import importlib
import itertools

import keras
import pytest

from hypermodels import cudnn
from hypermodels import space as sp

tf_rnn = importlib.import_module("keras.src.backend.tensorflow.rnn")  # `rnn` is also a function there


def _keras_says(cell, recurrent_dropout, activation, recurrent_activation, unroll, use_bias, reset_after):
    """Keras's own decision for a layer built with these settings (as `GRU.inner_loop` makes it)."""
    kwargs = dict(
        activation=activation,
        recurrent_activation=recurrent_activation,
        unroll=unroll,
        use_bias=use_bias,
        recurrent_dropout=recurrent_dropout,
    )
    if cell == "simple_rnn":
        return False
    if cell == "gru":
        layer = keras.layers.GRU(4, reset_after=reset_after, **kwargs)
        supported = tf_rnn._do_gru_arguments_support_cudnn(
            layer.cell.activation,
            layer.cell.recurrent_activation,
            layer.unroll,
            layer.cell.use_bias,
            layer.cell.reset_after,
        )
    else:
        layer = keras.layers.LSTM(4, **kwargs)
        supported = tf_rnn._do_lstm_arguments_support_cudnn(
            layer.cell.activation, layer.cell.recurrent_activation, layer.unroll, layer.cell.use_bias
        )
    return bool(supported) and not layer.recurrent_dropout and layer.use_cudnn in ("auto", True)


SETTINGS = list(
    itertools.product(
        ("simple_rnn", "gru", "lstm"),
        (0.0, 0.2),
        ("tanh", "relu"),
        ("sigmoid", "hard_sigmoid"),
        (False, True),
        (True, False),
        (True, False),
    )
)


@pytest.mark.parametrize("settings", SETTINGS, ids=lambda s: "-".join(map(str, s)))
def test_reasons_agree_with_kerass_own_conditions(settings):
    assert (cudnn.reasons(*settings) == []) is _keras_says(*settings)


def test_reasons_name_each_broken_condition():
    assert cudnn.reasons("gru", 0.2, unroll=True) == [
        "recurrent_dropout=0.2 (cuDNN needs 0)",
        "unroll=True (cuDNN needs False)",
    ]
    assert cudnn.reasons("lstm", right_padded=False) == [
        "a left-padded mask (cuDNN needs padding at the end; Keras raises)"
    ]
    assert cudnn.reasons("simple_rnn") == ["cell=simple_rnn (no cuDNN kernel: only gru and lstm have one)"]


def test_kt_rnns_models_keep_the_fixed_conditions():
    from hypermodels import recurrent

    values = {
        sp.CELL: "gru",
        sp.UNITS[0]: 4,
        sp.DROPOUT: 0.1,
        sp.RECURRENT_DROPOUT: 0.0,
        sp.INITIALIZER: "glorot_uniform",
        sp.L2: 0.0,
        sp.NUM_LAYERS: 1,
        sp.HEAD: "last",
        sp.BIDIRECTIONAL: False,
    }
    for cell in ("gru", "lstm"):
        layer = recurrent.RecurrentHyperModel()._recurrent_layer({**values, sp.CELL: cell}, 0)
        assert _keras_says(
            cell,
            layer.recurrent_dropout,
            layer.cell.activation.__name__,
            layer.cell.recurrent_activation.__name__,
            layer.unroll,
            layer.cell.use_bias,
            getattr(layer.cell, "reset_after", True),
        )
        assert cudnn.eligible({**values, sp.CELL: cell})


def test_space_warnings_name_the_hyperparameter_the_fix_and_the_cost():
    space = sp.SearchSpace(sp.SEQUENCE_PARAMS).with_domains(
        {sp.CELL: sp.choice(("simple_rnn", "gru"), "gru"), sp.RECURRENT_DROPOUT: sp.choice((0.0, 0.25), 0.0)}
    )
    first, second = cudnn.space_warnings(space)
    assert "cell can be simple_rnn, which has no cuDNN kernel" in first and "--fix cell=gru" in first
    assert "recurrent_dropout can be 0.25" in second and "--fix recurrent_dropout=0" in second
    assert "3-10x longer" in first


def test_space_warnings_say_nothing_for_the_default_text_space():
    assert cudnn.space_warnings(sp.SearchSpace().with_domains(sp.TEXT_DOMAINS)) == []
