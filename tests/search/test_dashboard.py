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


def test_experiment_lists_every_hyperparameter_and_split_metric():
    hparams, metrics = dashboard.experiment(sp.SearchSpace())
    assert sorted(h.name for h in hparams) == sorted(sp.SearchSpace().names)
    assert {(m.as_proto().name.tag, m.as_proto().name.group) for m in metrics} == {
        ("epoch_loss", "train"), ("epoch_accuracy", "train"),
        ("epoch_loss", "validation"), ("epoch_accuracy", "validation"),
    }


def test_write_experiment_once_at_the_tensorboard_root(tmp_path):
    config = config_lib.Config(dataset="imdb", logdir=str(tmp_path),
                               space=sp.SearchSpace().with_domains({sp.CELL: sp.fixed("lstm")}))
    dashboard.write_experiment(config)
    dashboard.write_experiment(config)  # a resumed search does not write it again
    assert len(list(config.layout.tensorboard.glob("events.out.tfevents.*"))) == 1
    experiment = read_experiment(config.layout.tensorboard)
    infos = {h.name: h for h in experiment.hparam_infos}
    assert set(infos) == set(sp.SearchSpace().names)
    assert [v.string_value for v in infos[sp.CELL].domain_discrete.values] == ["lstm"]
    assert [v.number_value for v in infos[sp.BATCH_SIZE].domain_discrete.values] == [64, 128]
    assert infos[sp.LEARNING_RATE].domain_interval.min_value == 5e-4
    assert {m.name.group for m in experiment.metric_infos} == {"train", "validation"}


def test_callback_logs_to_the_project_tensorboard_dir(tmp_path):
    config = config_lib.Config(dataset="imdb", logdir=str(tmp_path))
    assert dashboard.callback(config).log_dir == str(tmp_path / "imdb" / "tensorboard")
