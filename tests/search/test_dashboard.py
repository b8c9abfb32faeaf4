import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.plugins.hparams import metadata as hparams_metadata

from hypermodels import space as sp
from kt_rnn import config as config_lib
from kt_rnn.search import dashboard


def read_experiment(root):
    """The HParams experiment written at `root`, read back with TensorBoard's own reader."""
    events = event_accumulator.EventAccumulator(str(root), size_guidance={"tensors": 0})
    events.Reload()
    content = events.SummaryMetadata(hparams_metadata.EXPERIMENT_TAG).plugin_data.content
    return hparams_metadata.parse_experiment_plugin_data(content)


def test_experiment_without_an_objective_lists_every_hyperparameter_and_the_last_validation_loss():
    hparams, metrics = dashboard.experiment(sp.SearchSpace(sp.SEQUENCE_PARAMS))
    assert sorted(h.name for h in hparams) == sorted([*sp.SearchSpace(sp.SEQUENCE_PARAMS).names, dashboard.CUDNN])
    assert [(m.as_proto().name.tag, m.as_proto().name.group) for m in metrics] == [("val_loss", "")]


def test_experiment_puts_the_searched_hyperparameters_that_matter_first():
    hparams, _ = dashboard.experiment(sp.SearchSpace())  # text: one layer, so no units_1 or units_2
    names = [h.name for h in hparams]
    assert names[:5] == [sp.LEARNING_RATE, sp.UNITS[0], sp.CELL, sp.EMBEDDING_DIM, sp.DROPOUT]
    assert sp.UNITS[1] not in names and sp.UNITS[2] not in names
    fixed_last = [sp.BATCH_SIZE, sp.NUM_LAYERS, sp.BIDIRECTIONAL, sp.CONV_FILTERS, sp.RECURRENT_DROPOUT]
    assert names[-6:-1] == fixed_last  # fixed: last
    assert names[-1] == dashboard.CUDNN  # not a hyperparameter: what the trial's settings imply on a GPU


def test_experiment_leads_with_the_best_epoch_objective():
    _, metrics = dashboard.experiment(sp.SearchSpace(), objective="val_accuracy")
    first = metrics[0].as_proto()
    assert (first.name.tag, first.name.group, first.display_name) == (
        "best_val_accuracy",
        "",
        "val_accuracy (best epoch)",
    )


def _events(run):
    events = event_accumulator.EventAccumulator(str(run), size_guidance={"tensors": 0})
    events.Reload()
    return events


def test_write_best_logs_the_trials_score_in_its_run_at_its_best_epochs_step(tmp_path):
    import keras_tuner

    config = config_lib.Config.of("imdb", logdir=str(tmp_path))
    hp = keras_tuner.HyperParameters()
    hp.Fixed("tuner/initial_epoch", 2)  # a Hyperband continuation: its curve goes on from its parent's epoch 2
    trial = keras_tuner.engine.trial.Trial(hp, trial_id="0003")
    trial.score, trial.best_step = 0.875, 1
    dashboard.write_best(config, trial)
    (event,) = _events(config.layout.tensorboard / "0003").Tensors("best_val_accuracy")
    assert event.step == 3 and float(tf.make_ndarray(event.tensor_proto)) == 0.875


def test_write_best_logs_in_every_execution_run_of_a_trial(tmp_path):
    import keras_tuner

    config = config_lib.Config.of("imdb", logdir=str(tmp_path), executions_per_trial=2)
    trial = keras_tuner.engine.trial.Trial(keras_tuner.HyperParameters(), trial_id="0001")
    trial.score, trial.best_step = 0.5, 0
    dashboard.write_best(config, trial)
    for run in ("0001/execution0", "0001/execution1"):
        assert len(_events(config.layout.tensorboard / run).Tensors("best_val_accuracy")) == 1


def test_experiment_summary_lists_the_space_and_ticks_the_searched_columns():
    config = config_lib.Config.of("imdb", space=sp.SearchSpace().with_domains({sp.CELL: sp.fixed("lstm")}))
    config = config.replace(objective="val_accuracy")
    summary = tf.compat.v1.Summary.FromString(dashboard.experiment_summary(config))
    experiment = hparams_metadata.parse_experiment_plugin_data(summary.value[0].metadata.plugin_data.content)
    infos = {h.name: h for h in experiment.hparam_infos}
    assert set(infos) == set(sp.SearchSpace().names) - {sp.UNITS[1], sp.UNITS[2]} | {dashboard.CUDNN}  # one layer
    assert [v.bool_value for v in infos[dashboard.CUDNN].domain_discrete.values] == [False, True]
    assert [v.string_value for v in infos[sp.CELL].domain_discrete.values] == ["lstm"]
    assert [v.string_value for v in infos[sp.BATCH_SIZE].domain_discrete.values] == ["128"]  # 128, not 128.00
    assert infos[sp.LEARNING_RATE].domain_interval.min_value == 1e-3
    assert [m.name.tag for m in experiment.metric_infos] == ["best_val_accuracy"]
    shown = [h.name for h in experiment.hparam_infos if h.differs]  # the columns the HParams tab ticks
    assert shown == [sp.LEARNING_RATE, sp.UNITS[0], sp.EMBEDDING_DIM, sp.DROPOUT, sp.HEAD]  # cell: fixed here
    assert len(shown) + len(experiment.metric_infos) == 6  # what a 1,600 px screen shows beside the trial id


def test_callback_writes_one_run_with_each_epochs_logs_at_its_step_and_the_experiment(tmp_path):
    import keras
    import numpy as np

    config = config_lib.Config.of("imdb", logdir=str(tmp_path)).replace(objective="val_accuracy")
    callback = dashboard.callback(config)
    assert callback.log_dir == str(tmp_path / "imdb" / "tensorboard")  # KerasTuner points it at the trial's run
    callback.log_dir = dashboard.run_dir(callback.log_dir, "0002", 0, 1)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid", name="probabilities")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    x, y = np.zeros((8, 3), "float32"), np.ones(8)
    model.fit(x, y, validation_data=(x, y), epochs=3, initial_epoch=1, callbacks=[callback], verbose=0)
    run = tmp_path / "imdb" / "tensorboard" / "0002"
    assert [p.name for p in run.iterdir() if p.is_dir()] == []  # one run: no train/ or validation/ inside
    events = _events(run)
    tags = set(events.Tags()["tensors"]) - {hparams_metadata.EXPERIMENT_TAG}
    assert tags == {"loss", "accuracy", "val_loss", "val_accuracy", "learning_rate"}
    assert [e.step for e in events.Tensors("val_loss")] == [1, 2]  # Keras's epoch numbers, from initial_epoch
    assert events.Graph() is not None and hparams_metadata.EXPERIMENT_TAG in events.Tags()["tensors"]


def test_as_text_shows_a_discrete_domain_of_integers_as_written():
    from tensorboard.plugins.hparams import api as hparams_api

    units = dashboard.as_text(hparams_api.HParam("units_0", hparams_api.Discrete([32, 64, 128])))
    assert units.domain.dtype is str and sorted(units.domain.values) == ["128", "32", "64"]
    for kept in (
        hparams_api.HParam("dropout", hparams_api.Discrete([0.1, 0.2])),
        hparams_api.HParam("bidirectional", hparams_api.Discrete([True, False])),
        hparams_api.HParam("num_layers", hparams_api.IntInterval(1, 3)),
    ):
        assert dashboard.as_text(kept) is kept


def test_run_dir_is_the_trial_or_one_of_its_executions(tmp_path):
    assert dashboard.run_dir(tmp_path, "0004", 0, 1) == str(tmp_path / "0004")
    assert dashboard.run_dir(tmp_path, "0004", 1, 2) == str(tmp_path / "0004" / "execution1")
