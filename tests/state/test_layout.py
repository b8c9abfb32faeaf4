"""Layout: every path of a search named in one place, and the same paths KerasTuner writes."""

import keras_tuner

from kt_rnn.state import kerastuner as kt
from kt_rnn.state.layout import Layout


def test_layout_names_every_path_under_the_project(tmp_path):
    layout = Layout.of(tmp_path, "imdb")
    assert layout.root == tmp_path / "imdb"
    assert layout.trial_file("03") == tmp_path / "imdb" / "tuner" / "trial_03" / "trial.json"
    assert layout.execution_dir("03", 1) == tmp_path / "imdb" / "tuner" / "trial_03" / "execution1"
    assert layout.tuner_file("chief") == tmp_path / "imdb" / "tuner" / "chief.json"
    assert {p.name for p in layout.owned()} == {"tuner", "tensorboard", "best", "search.json", "config.toml"}


def test_layout_agrees_with_the_files_keras_tuner_writes(tmp_path):
    layout = Layout.of(tmp_path, "proj")
    oracle = keras_tuner.oracles.RandomSearchOracle(objective="val_loss", max_trials=1)
    kt.set_project_dir(oracle, tmp_path / "proj", Layout.TUNER)
    assert kt.oracle_file(oracle) == layout.oracle_file
    assert kt.trial_dir(oracle, "07") == layout.trial_dir("07")
    assert (Layout.ORACLE, Layout.TRIAL) == (kt.ORACLE_FILE, kt.TRIAL_FILE)


def test_layout_finds_trial_directories_and_epoch_records(tmp_path):
    layout = Layout(tmp_path)
    for trial, executions in (("00", 2), ("01", 1)):
        for e in range(executions):
            layout.execution_dir(trial, e).mkdir(parents=True)
            (layout.execution_dir(trial, e) / Layout.RECORD).write_text("{}")
    (layout.tuner / "trial_02.txt").write_text("not a trial directory")
    assert sorted(layout.trial_dirs()) == ["00", "01"]
    assert [p.parent.name for p in layout.records(layout.trial_dir("00"))] == ["execution0", "execution1"]
    assert not layout.has_search()
    layout.oracle_file.write_text("{}")
    assert layout.has_search()
