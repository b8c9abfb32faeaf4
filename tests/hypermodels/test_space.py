import keras_tuner
import pytest

from hypermodels import space as sp


def test_params_every_declared_name_has_a_param():
    names = [
        sp.CELL,
        sp.BIDIRECTIONAL,
        sp.NUM_LAYERS,
        *sp.UNITS,
        sp.EMBEDDING_DIM,
        sp.CONV_FILTERS,
        sp.DROPOUT,
        sp.RECURRENT_DROPOUT,
        sp.L2,
        sp.INITIALIZER,
        sp.HEAD,
        sp.OPTIMIZER,
        sp.LEARNING_RATE,
        sp.CLIPNORM,
        sp.BATCH_SIZE,
    ]
    assert sorted(names) == sorted(sp.SearchSpace(sp.TEXT_PARAMS).names)


def test_params_each_model_shares_the_recurrent_table_and_adds_its_own():
    recurrent = [p.name for p in sp.RECURRENT_PARAMS]
    text = [p.name for p in sp.TEXT_PARAMS]
    own = (sp.EMBEDDING_DIM, sp.CONV_FILTERS)
    assert [n for n in text if n not in own] == recurrent
    assert text[-1] == sp.CONV_FILTERS  # added last: the draws of the names before it stay as they were
    for text_param, shared in zip([p for p in sp.TEXT_PARAMS if p.name not in own], sp.RECURRENT_PARAMS):
        # the same name, type and rule; only the text model's default domains differ
        assert (text_param.type, text_param.valid, text_param.parent) == (shared.type, shared.valid, shared.parent)
        assert text_param.domain == sp.TEXT_DOMAINS.get(shared.name, shared.domain)
    assert sp.EMBEDDING_DIM not in sp.SearchSpace(sp.SEQUENCE_PARAMS).names
    assert sp.CONV_FILTERS not in sp.SearchSpace(sp.SEQUENCE_PARAMS).names
    assert sp.SearchSpace(sp.TEXT_PARAMS).domain(sp.CONV_FILTERS) == sp.fixed(0)  # none unless asked for


def test_text_domains_search_where_the_budget_pays():
    space = sp.SearchSpace(sp.TEXT_PARAMS)
    assert space.domain(sp.CELL).values == ("gru", "lstm")  # SimpleRNN stays at chance on reviews
    assert space.domain(sp.OPTIMIZER).values == ("adam", "rmsprop")
    assert (space.domain(sp.NUM_LAYERS), space.domain(sp.BIDIRECTIONAL)) == (sp.fixed(1), sp.fixed(False))
    assert (space.domain(sp.BATCH_SIZE), space.domain(sp.UNITS[0]).max_value) == (sp.fixed(128), 64)
    assert space.domain(sp.HEAD).default == "max_pool"
    assert sp.SearchSpace(sp.SEQUENCE_PARAMS).domain(sp.CELL).values == sp.CELLS  # other models keep theirs


def test_search_space_can_be_active_follows_the_parents_domain():
    one_layer = sp.SearchSpace()  # text: num_layers fixed at 1
    assert one_layer.can_be_active(sp.UNITS[0]) and not one_layer.can_be_active(sp.UNITS[1])
    deep = one_layer.with_domains({sp.NUM_LAYERS: sp.span(1, 2)})
    assert deep.can_be_active(sp.UNITS[1]) and not deep.can_be_active(sp.UNITS[2])
    assert sp.SearchSpace(sp.SEQUENCE_PARAMS).can_be_active(sp.UNITS[2])  # 1 to 3 layers


def test_search_space_unknown_name_lists_this_models_names():
    with pytest.raises(sp.SpaceError, match="Expected one of .*'cell'.*Received: 'embedding_dim'"):
        sp.SearchSpace(sp.SEQUENCE_PARAMS).with_domains({sp.EMBEDDING_DIM: sp.fixed(8)})


@pytest.mark.parametrize("param", sp.TEXT_PARAMS, ids=lambda p: p.name)
def test_params_default_domain_satisfies_its_own_rule(param):
    domain = param.domain
    values = domain.values or (domain.min_value, domain.max_value)
    assert all(param.valid(v) for v in values)
    assert domain.default is None or param.valid(domain.default)


def test_search_space_register_all_declares_every_name():
    hp = keras_tuner.HyperParameters()
    values = sp.SearchSpace().register_all(hp)
    assert {p.name for p in hp.space} == set(sp.SearchSpace().names)
    assert values[sp.CELL] == "gru" and values[sp.NUM_LAYERS] == 1


def test_search_space_units_of_unused_layers_are_inactive():
    hp = keras_tuner.HyperParameters()
    space = sp.SearchSpace().with_domains({sp.NUM_LAYERS: sp.fixed(2)})
    values = space.register_all(hp)
    assert values[sp.UNITS[0]] == 64 and values[sp.UNITS[1]] == 64
    assert values[sp.UNITS[2]] is None
    assert sp.UNITS[2] not in hp.values and not hp.is_active(sp.UNITS[2])


def test_search_space_recurrent_dropout_fixed_at_zero_by_default():
    # Any recurrent dropout takes GRU/LSTM off the cuDNN kernels.
    hp = keras_tuner.HyperParameters()
    sp.SearchSpace().register_all(hp)
    assert isinstance(hp._hps[sp.RECURRENT_DROPOUT][0], keras_tuner.engine.hyperparameters.Fixed)
    assert hp.get(sp.RECURRENT_DROPOUT) == 0.0


def test_search_space_with_domains_overrides_and_keeps_the_rest():
    space = sp.SearchSpace().with_domains({sp.CELL: sp.choice(["lstm", "gru"])})
    space = space.with_domains({sp.OPTIMIZER: sp.fixed("sgd")})
    assert space.domain(sp.CELL).values == ("lstm", "gru")
    assert space.domain(sp.OPTIMIZER).values == ("sgd",)
    assert space.domain(sp.HEAD) == sp.SearchSpace().param(sp.HEAD).domain


def test_search_space_register_builds_a_range_with_log_sampling():
    hp = keras_tuner.HyperParameters()
    sp.SearchSpace().register(hp, sp.LEARNING_RATE)
    lr = hp._hps[sp.LEARNING_RATE][0]
    assert (lr.min_value, lr.max_value, lr.sampling) == (1e-3, 1e-2, "log")


def test_search_space_describe_is_plain_data():
    described = sp.SearchSpace().describe()
    assert described[sp.RECURRENT_DROPOUT] == {"value": 0.0}
    assert described[sp.CELL]["values"] == ["gru", "lstm"]
    assert described[sp.LEARNING_RATE]["sampling"] == "log"


@pytest.mark.parametrize(
    "horizon, season, windows",
    [(12, 12, (13, 24, 48)), (6, 4, (9, 16, 32)), (6, 12, (13, 24, 48)), (1, None, (4, 8, 16)), (7, 365, (7, 14, 28))],
)
def test_window_domain_whole_seasons_where_the_season_reaches_the_model(horizon, season, windows):
    assert sp.window_domain(horizon, season).values == windows


def test_predict_domain_corrects_the_seasonal_naive_forecast_for_a_season_the_model_reads():
    assert sp.predict_domain(12).values == ("seasonal_trend", "seasonal")
    assert sp.predict_domain(None) == sp.predict_domain(365) == sp.fixed("change")


def test_search_space_unknown_name_names_the_closest_hyperparameter():
    with pytest.raises(sp.SpaceError, match=r"Received: 'learning_rat'\. Did you mean 'learning_rate'\?"):
        sp.SearchSpace().param("learning_rat")


def test_forecast_params_normalize_applies_only_to_a_correction_of_a_base():
    import keras_tuner

    for predict, expected in (("level", None), ("change", "window"), ("seasonal_trend", "window")):
        space = sp.SearchSpace(sp.FORECAST_PARAMS).with_domains(
            {sp.PREDICT: sp.fixed(predict), sp.NORMALIZE: sp.fixed("window")}
        )
        assert space.register_all(keras_tuner.HyperParameters())[sp.NORMALIZE] == expected
