import os
import types

import numpy as np
import pytest

import kt_rnn
import searches
from hypermodels import space as sp
from kt_rnn.errors import SearchError
from kt_rnn.search import export


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


def test_best_trial_without_completed_trials_names_the_failures_and_a_way_on():
    trial = types.SimpleNamespace(status="FAILED", score=None, trial_id="0000", message="Traceback...\nOOM here")
    oracle = types.SimpleNamespace(trials={"0000": trial}, get_best_trials=lambda n: [trial])
    with pytest.raises(
        SearchError, match=r"No completed trial under 'logs/imdb/tuner'.*trial 0000: OOM here.*--overwrite"
    ):
        export.best_trial(types.SimpleNamespace(oracle=oracle, project_dir="logs/imdb/tuner"))


def test_best_trial_of_a_search_that_never_ran_asks_to_run_it_first():
    oracle = types.SimpleNamespace(trials={}, get_best_trials=lambda n: [])
    with pytest.raises(SearchError, match="Run the search without --export-only first"):
        export.best_trial(types.SimpleNamespace(oracle=oracle, project_dir="logs/imdb/tuner"))


def test_hparams_of_drops_hyperband_bookkeeping():
    trial = types.SimpleNamespace(
        hyperparameters=types.SimpleNamespace(values={sp.CELL: "gru", "tuner/epochs": 3, "tuner/trial_id": "0001"})
    )
    assert export.hparams_of(trial) == {sp.CELL: "gru"}


def test_trained_epochs_counts_a_hyperband_parent_epochs():
    def trial(values, best_step):
        return types.SimpleNamespace(hyperparameters=types.SimpleNamespace(values=values), best_step=best_step)

    assert export.trained_epochs(trial({}, 2)) == 3
    assert export.trained_epochs(trial({"tuner/initial_epoch": 4, "tuner/epochs": 12}, 1)) == 6


def _trial(trial_id, score, status="COMPLETED", **values):
    return types.SimpleNamespace(
        trial_id=trial_id, score=score, status=status, hyperparameters=types.SimpleNamespace(values=values)
    )


def _tuner(*trials):
    ranked = sorted(trials, key=lambda t: -(t.score or 0))
    oracle = types.SimpleNamespace(trials={t.trial_id: t for t in trials}, get_best_trials=lambda n: ranked[:n])
    return types.SimpleNamespace(oracle=oracle, project_dir="logs/imdb/tuner")


def test_best_trials_takes_one_trial_per_set_of_hyperparameters_best_first():
    parent = _trial("0000", 0.80, **{sp.CELL: "gru", "tuner/epochs": 1})
    child = _trial("0003", 0.86, **{sp.CELL: "gru", "tuner/epochs": 3, "tuner/trial_id": "0000"})
    failed = _trial("0004", None, status="FAILED", **{sp.CELL: "simple_rnn"})
    other = _trial("0001", 0.83, **{sp.CELL: "lstm"})
    third = _trial("0002", 0.70, **{sp.CELL: "lstm", sp.DROPOUT: 0.5})
    tuner = _tuner(parent, child, failed, other, third)
    assert [t.trial_id for t in export.best_trials(tuner, 2)] == ["0003", "0001"]  # not the continuation's parent
    assert [t.trial_id for t in export.best_trials(tuner, 9)] == ["0003", "0001", "0002"]  # fewer exist
    assert [t.trial_id for t in export.best_trials(tuner, 1)] == ["0003"]


def test_average_outputs_the_mean_of_its_members_and_one_model_as_is():
    import keras

    def member(scale):
        x = keras.Input((3,), name="features")
        return keras.Model(x, keras.layers.Dense(2, kernel_initializer=keras.initializers.Constant(scale))(x))

    one = member(1.0)
    assert export.average([one]) is one
    models = [member(1.0), member(2.0), member(6.0)]
    ensemble = export.average(models)
    x = np.arange(6, dtype="float32").reshape(2, 3)
    expected = np.mean([np.asarray(m(x)) for m in models], axis=0)
    np.testing.assert_allclose(np.asarray(ensemble(x)), expected, rtol=1e-6)
    assert [layer.name for layer in ensemble.layers[1:4]] == ["member_0", "member_1", "member_2"]


@pytest.mark.e2e  # two exports through kt_rnn.tune, four refits
def test_export_refits_serves_the_mean_of_distinct_seeded_refits_drawn_the_same_again(
    finished_timeseries_search, capsys
):
    data, logs, _ = finished_timeseries_search
    first = kt_rnn.tune(data, **searches.wave(logs, export_only=True, baselines="none", refits=2))
    printed = capsys.readouterr().out
    assert first.metrics["refits"] == 2 and "ensemble" not in first.metrics
    assert "(1 of 2)." in printed and "(2 of 2)." in printed and "the mean of 2 refits on train + validation" in printed
    window = 50 + 10 * np.sin(np.arange(first.model.input.shape[1], dtype="float32") / 4)[None, :, None]
    members = [first.model.get_layer(f"member_{i}") for i in range(2)]
    assert not np.allclose(members[0](window), members[1](window))  # two draws, not one model twice
    again = kt_rnn.tune(data, **searches.wave(logs, export_only=True, baselines="none", refits=2))
    np.testing.assert_allclose(np.asarray(again.model(window)), np.asarray(first.model(window)), rtol=1e-5)


def test_described_says_what_the_export_serves():
    assert export.described(False, 1, 5, True) == "the mean of 5 refits on train + validation"
    assert export.described(False, 1, 1, True) == "refit on train + validation"
    assert export.described(False, 3, 1, False) == "the mean of 3 trials (trial weights each)"
    assert export.described(True, 3, 5, True) == "the base alone"  # nothing trained for it


def test_served_reads_what_an_export_serves_from_the_metrics_of_an_earlier_kt_rnn_too():
    assert export.served({"exported_model": "the base alone", "refit": True}) == "the base alone"
    earlier = {"refit": True, "refits": 5}  # written before metrics.json said what it serves
    assert export.served(earlier) == "the mean of 5 refits on train + validation"
    assert (
        export.served({"refit": True, "ensemble": {"size": 2}})
        == "the mean of 2 trials (refit on train + validation each)"
    )
    assert export.served({"refit": False, "exported_base": {"hparams": {}}}) == "the base alone"
