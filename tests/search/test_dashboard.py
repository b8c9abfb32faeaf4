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


def test_experiment_lists_every_hyperparameter_a_trial_can_have_and_split_metric():
    hparams, metrics = dashboard.experiment(sp.SearchSpace(sp.SEQUENCE_PARAMS))
    assert sorted(h.name for h in hparams) == sorted([*sp.SearchSpace(sp.SEQUENCE_PARAMS).names, dashboard.CUDNN])
    assert {(m.as_proto().name.tag, m.as_proto().name.group) for m in metrics} == {
        ("epoch_loss", "train"),
        ("epoch_accuracy", "train"),
        ("epoch_loss", "validation"),
        ("epoch_accuracy", "validation"),
    }


def test_experiment_puts_the_searched_hyperparameters_that_matter_first():
    hparams, _ = dashboard.experiment(sp.SearchSpace())  # text: one layer, so no units_1 or units_2
    names = [h.name for h in hparams]
    assert names[:5] == [sp.LEARNING_RATE, sp.UNITS[0], sp.CELL, sp.EMBEDDING_DIM, sp.DROPOUT]
    assert sp.UNITS[1] not in names and sp.UNITS[2] not in names
    assert names[-5:-1] == [sp.BATCH_SIZE, sp.NUM_LAYERS, sp.BIDIRECTIONAL, sp.RECURRENT_DROPOUT]  # fixed: last
    assert names[-1] == dashboard.CUDNN  # not a hyperparameter: what the trial's settings imply on a GPU


def test_experiment_leads_with_the_best_epoch_objective():
    _, metrics = dashboard.experiment(sp.SearchSpace(), objective="val_accuracy")
    first = metrics[0].as_proto()
    assert (first.name.tag, first.name.group, first.display_name) == (
        "best_val_accuracy",
        "",
        "val_accuracy (best epoch)",
    )


def test_write_best_logs_the_trials_score_in_its_session(tmp_path):
    import keras_tuner

    config = config_lib.Config.of("imdb", logdir=str(tmp_path))
    trial = keras_tuner.engine.trial.Trial(keras_tuner.HyperParameters(), trial_id="0003")
    trial.score, trial.best_step = 0.875, 2
    dashboard.write_best(config, trial)
    events = event_accumulator.EventAccumulator(
        str(config.layout.tensorboard / "0003" / "execution0"), size_guidance={"tensors": 0}
    )
    events.Reload()
    (event,) = events.Tensors("best_val_accuracy")
    assert event.step == 2 and float(tf.make_ndarray(event.tensor_proto)) == 0.875


def test_write_experiment_once_at_the_tensorboard_root(tmp_path):
    config = config_lib.Config.of(
        "imdb", logdir=str(tmp_path), space=sp.SearchSpace().with_domains({sp.CELL: sp.fixed("lstm")})
    )
    dashboard.write_experiment(config)
    dashboard.write_experiment(config)  # a resumed search does not write it again
    assert len(list(config.layout.tensorboard.glob("events.out.tfevents.*"))) == 1
    experiment = read_experiment(config.layout.tensorboard)
    infos = {h.name: h for h in experiment.hparam_infos}
    assert set(infos) == set(sp.SearchSpace().names) - {sp.UNITS[1], sp.UNITS[2]} | {dashboard.CUDNN}  # one layer
    assert [v.bool_value for v in infos[dashboard.CUDNN].domain_discrete.values] == [False, True]
    assert [v.string_value for v in infos[sp.CELL].domain_discrete.values] == ["lstm"]
    assert [v.number_value for v in infos[sp.BATCH_SIZE].domain_discrete.values] == [128]
    assert infos[sp.LEARNING_RATE].domain_interval.min_value == 1e-3
    assert {m.name.group for m in experiment.metric_infos} == {"", "train", "validation"}  # "": best epoch
    assert experiment.metric_infos[0].name.tag == "best_val_accuracy"
    shown = [h.name for h in experiment.hparam_infos if h.differs]  # the columns the HParams tab ticks
    assert shown == [sp.LEARNING_RATE, sp.UNITS[0], sp.EMBEDDING_DIM, sp.DROPOUT, sp.HEAD]  # cell: fixed here


def test_callback_logs_to_the_project_tensorboard_dir(tmp_path):
    config = config_lib.Config.of("imdb", logdir=str(tmp_path))
    assert dashboard.callback(config).log_dir == str(tmp_path / "imdb" / "tensorboard")
