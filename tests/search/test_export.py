import os
import types

import pytest

from hypermodels import space as sp
from kt_rnn.search import export
from kt_rnn.errors import SearchError


def _write(text):
    def write(directory):
        directory.mkdir()
        (directory / "file").write_text(text)
    return write


def test_replace_atomically_swaps_in_the_new_directory(tmp_path):
    target = tmp_path / "best"
    export.replace_atomically(target, _write("one"))
    export.replace_atomically(target, _write("two"))
    assert (target / "file").read_text() == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best"]


def test_replace_atomically_failed_write_keeps_the_previous_export(tmp_path):
    target = tmp_path / "best"
    export.replace_atomically(target, _write("good"))

    def crash(directory):
        directory.mkdir()
        (directory / "file").write_text("half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        export.replace_atomically(target, crash)
    assert (target / "file").read_text() == "good"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best"]


def test_restore_interrupted_puts_back_the_set_aside_export(tmp_path):
    # Killed between the two renames: only .best.old and a stale temp remain.
    (tmp_path / ".best.old").mkdir()
    (tmp_path / ".best.old" / "file").write_text("previous")
    (tmp_path / f".best.tmp-{os.getpid() + 1}").mkdir()
    export.restore_interrupted(tmp_path / "best")
    assert (tmp_path / "best" / "file").read_text() == "previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best"]


def test_best_trial_without_completed_trials_is_a_search_error():
    trial = types.SimpleNamespace(status="FAILED", score=None)
    oracle = types.SimpleNamespace(trials={"0": trial}, get_best_trials=lambda n: [trial])
    with pytest.raises(SearchError, match="No completed trial under 'logs/imdb/tuner'"):
        export.best_trial(types.SimpleNamespace(oracle=oracle, project_dir="logs/imdb/tuner"))


def test_hparams_of_drops_hyperband_bookkeeping():
    trial = types.SimpleNamespace(hyperparameters=types.SimpleNamespace(
        values={sp.CELL: "gru", "tuner/epochs": 3, "tuner/trial_id": "0001"}))
    assert export.hparams_of(trial) == {sp.CELL: "gru"}


def test_trained_epochs_counts_a_hyperband_parent_epochs():
    def trial(values, best_step):
        return types.SimpleNamespace(hyperparameters=types.SimpleNamespace(values=values), best_step=best_step)

    assert export.trained_epochs(trial({}, 2)) == 3
    assert export.trained_epochs(trial({"tuner/initial_epoch": 4, "tuner/epochs": 12}, 1)) == 6
