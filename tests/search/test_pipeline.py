"""End to end: search -> TensorBoard -> export, on tiny synthetic text and on real IMDB."""

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from tensorboard.backend.event_processing import event_accumulator
from tensorboard.plugins.hparams import metadata as hparams_metadata

import searches
from conftest import shared_file
from hypermodels import cudnn
from hypermodels import space as sp
from kt_rnn import config as config_lib
from kt_rnn.errors import SearchError, UsageError
from kt_rnn.search import dashboard, pipeline, plan
from kt_rnn.state import durable

pytestmark = pytest.mark.e2e  # whole searches, real IMDB included

PROBES = ["A wonderful, moving film. Loved it!", "Boring and awful.<br />A waste.", "", "the plot"]


def _config(*argv):
    return searches.config("imdb", *argv)


def _tiny(data, logdir, *argv):
    return searches.tiny("imdb", data, logdir, *argv)


def read_trials(config):
    """KerasTuner's trial files, as written on disk, by trial id."""
    files = sorted((config.project_dir / "tuner").glob("trial_*/trial.json"))
    return {t["trial_id"]: t for t in map(durable.read_json, files)}  # a torn file: its previous copy


def _events(directory):
    events = event_accumulator.EventAccumulator(str(directory), size_guidance={"tensors": 0})
    events.Reload()
    return events


def _scalars(directory, tag):
    return [float(tf.make_ndarray(e.tensor_proto)) for e in _events(directory).Tensors(tag)]


def _session_hparams(directory):
    content = _events(directory).SummaryMetadata(hparams_metadata.SESSION_START_INFO_TAG).plugin_data.content
    info = hparams_metadata.parse_session_start_info_plugin_data(content)
    return {k: getattr(v, v.WhichOneof("kind")) for k, v in info.hparams.items()}


def _best_observation(trial, metric):
    """KerasTuner keeps one observation per trial: its best epoch, counted from the trial's start."""
    (observation,) = trial["metrics"]["metrics"][metric]["observations"]
    return observation["value"][0], observation["step"]


def _as_shown(config, values):
    """A trial's values as its HParams session holds them: a discrete domain of integers as text."""
    text = {h.name for h in dashboard.experiment(config.space)[0] if getattr(h.domain, "dtype", None) is str}
    return {name: str(value) if name in text and isinstance(value, int) else value for name, value in values.items()}


def assert_trial_logged(config, trial):
    """Every trial is one TensorBoard run: its curves, its own hyperparameter values, its score at its best epoch."""
    run = config.layout.tensorboard / trial["trial_id"]
    assert [p.name for p in run.iterdir() if p.is_dir()] == []  # no train/, validation/, execution0/ runs
    values = {k: v for k, v in trial["hyperparameters"]["values"].items() if not k.startswith("tuner/")}
    assert sp.BATCH_SIZE in values  # declared in fit, logged from the first trial on
    assert _session_hparams(run) == pytest.approx(
        {**_as_shown(config, values), dashboard.CUDNN: cudnn.eligible(values)}
    )
    curve = _events(run).Tensors("val_accuracy")
    validation = [float(tf.make_ndarray(e.tensor_proto)) for e in curve]
    best, step = _best_observation(trial, "val_accuracy")
    assert max(validation) == pytest.approx(best, abs=1e-6) == trial["score"]
    assert validation[step] == pytest.approx(best, abs=1e-6)
    (score,) = _events(run).Tensors("best_val_accuracy")
    assert score.step == curve[step].step  # a Hyperband continuation's too: its steps go on from its parent's
    assert len(_scalars(run, "loss")) == len(validation) == len(_scalars(run, "val_loss")) >= 1


@pytest.mark.parametrize("tuner", config_lib.TUNERS)
def test_run_every_tuner_logs_each_trial_and_exports(tiny_imdb, tmp_path, tuner):
    config = _tiny(tiny_imdb, tmp_path, "--tuner", tuner, "--max-trials", "2")
    result = pipeline.run(config)
    trials = read_trials(config)
    assert len(trials) == 2 and {t["status"] for t in trials.values()} == {"COMPLETED"}
    assert sorted(t["trial_id"] for t in trials.values()) == ["0000", "0001"]  # one id format for every tuner
    for trial in trials.values():
        assert_trial_logged(config, trial)
    best = config.layout.best
    assert sorted(p.name for p in best.iterdir()) == [
        "hparams.json",
        "labels.txt",
        "metrics.json",
        "model.keras",
        "saved_model",
    ]
    assert (best / "saved_model" / "assets" / "labels.txt").read_text() == "neg\npos\n"
    metrics = json.loads((best / "metrics.json").read_text())
    assert metrics["class_names"] == ["neg", "pos"] and metrics["direction"] == "max"
    assert metrics["class_counts"]["test"] == {"neg": 12, "pos": 12}
    assert set(metrics["test"]) >= {"accuracy", "macro_f1", "per_class", "roc_auc", "confusion_matrix"}
    best_trial = trials[metrics["best_trial"]]
    assert metrics["best_validation_score"] == pytest.approx(max(t["score"] for t in trials.values()))
    initial = best_trial["hyperparameters"]["values"].get("tuner/initial_epoch", 0)
    assert metrics["best_epoch"] == initial + best_trial["best_step"] + 1
    assert metrics["sizes"] == {"train": 38, "validation": 10, "test": 24}
    assert metrics["trials"] == {"total": 2, "completed": 2, "failed": 0, "rerun": 0, "failures": {}, "reruns": {}}
    assert metrics["tuner"] == tuner and 0 <= metrics["test_accuracy"] <= 1
    spent = metrics["timings"]  # the refit reported apart from the search; training inside the search
    assert set(spent) == {"load_s", "search_s", "fit_s", "outside_fit_pct", "refit_s", "export_s"}
    assert 0 < spent["fit_s"] < spent["search_s"] and 0 <= spent["outside_fit_pct"] < 100
    assert metrics["wall_time_seconds"] >= spent["search_s"] + spent["refit_s"]
    hparams = json.loads((best / "hparams.json").read_text())
    assert hparams == {k: v for k, v in best_trial["hyperparameters"]["values"].items() if not k.startswith("tuner/")}
    assert result.hparams == hparams


def test_run_again_resumes_and_overwrite_starts_afresh(finished_text_search):
    data, logs, _ = finished_text_search
    first = read_trials(_tiny(data, logs))  # 2 completed trials
    resumed = read_trials_after(
        _tiny(data, logs, "--tuner", "random", "--max-trials", "3", "--no-refit", "--extend-budget")
    )
    assert len(resumed) == 3 and {k: resumed[k] for k in first} == first  # a completed trial is never re-run
    again = read_trials_after(_tiny(data, logs, "--tuner", "random", "--max-trials", "3", "--no-refit"))
    assert again == resumed
    fresh = read_trials_after(_tiny(data, logs, "--tuner", "random", "--max-trials", "1", "--no-refit", "--overwrite"))
    assert len(fresh) == 1 and not (logs / "imdb" / "tensorboard" / "0001").exists()


def read_trials_after(config):
    pipeline.run(config)
    return read_trials(config)


def test_run_export_only_reexports_without_tuning(finished_text_search):
    data, logs, _ = finished_text_search
    searched = _tiny(data, logs, "--tuner", "random", "--max-trials", "2")
    before = read_trials(searched)
    (searched.layout.best / "metrics.json").unlink()
    result = pipeline.run(_tiny(data, logs, "--tuner", "random", "--max-trials", "5", "--export-only", "--no-refit"))
    assert read_trials(searched) == before
    assert result.metrics["refit"] is False and (searched.layout.best / "metrics.json").exists()
    assert set(result.metrics["timings"]) == {"load_s", "export_s"}  # nothing trained


def test_run_ensemble_exports_the_mean_of_the_best_trials_each_refit(tiny_imdb, tmp_path, capsys):
    config = _tiny(tiny_imdb, tmp_path, "--tuner", "random", "--max-trials", "3", "--ensemble", "2")
    result = pipeline.run(config)
    trials = read_trials(config)
    ranked = sorted(trials.values(), key=lambda t: -t["score"])
    ensemble = result.metrics["ensemble"]
    assert (ensemble["asked"], ensemble["size"]) == (2, 2)
    assert [m["trial"] for m in ensemble["members"]] == [t["trial_id"] for t in ranked[:2]]
    assert result.metrics["best_trial"] == ranked[0]["trial_id"]
    printed = capsys.readouterr().out
    assert printed.count("Refitting trial") == 2 and "Exported the mean of 2 models: trials " in printed
    served = result.model.predict(tf.constant(PROBES), verbose=0)
    inner = result.model.get_layer("ensemble")
    members = [inner.get_layer(f"member_{i}") for i in range(2)]
    tokens = result.model.layers[1](tf.constant(PROBES))  # the vectorizer
    np.testing.assert_allclose(served, np.mean([np.asarray(m(tokens)) for m in members], axis=0), atol=1e-6)
    fresh = subprocess.run(
        [sys.executable, "-c", SERVE, str(config.layout.best), json.dumps(PROBES)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    loaded = json.loads(fresh.stdout.strip().splitlines()[-1])  # the SavedModel and model.keras, reloaded
    np.testing.assert_allclose(loaded["serve"], served, atol=1e-5)
    np.testing.assert_allclose(loaded["keras"], served, atol=1e-5)


def test_run_export_only_without_a_search_is_a_search_error(tiny_imdb, tmp_path):
    with pytest.raises(SearchError, match="No search to export under .*without --export-only"):
        pipeline.run(_tiny(tiny_imdb, tmp_path, "--tuner", "random", "--export-only"))
    assert not (tmp_path / "imdb").exists()


SERVE = """
import json, sys
import tensorflow as tf
import kt_rnn
best, probes = sys.argv[1], json.loads(sys.argv[2])
saved_model = tf.saved_model.load(best + "/saved_model")  # keep a reference: it owns the variables
served = saved_model.serve(tf.constant(probes))["probabilities"]
keras_model = kt_rnn.load_model(best)  # nothing else imported: it registers what model.keras names
print(json.dumps({"serve": served.numpy().tolist(),
                  "keras": keras_model.predict(tf.constant(probes), verbose=0).tolist()}))
"""


# The one search on real data. Nothing in it is timed, so it shares the cores with the other worker's tests.
def test_run_quick_on_real_imdb_serves_raw_text(tmp_path):
    archive = shared_file("aclImdb_v1.tar.gz")
    # Half the preset's reviews, a shorter round and the best trial exported as trained (the refit has its
    # tests on tiny data) keep this test under a minute; options given with a preset override it.
    config = _config(
        "--quick",
        "--train-size",
        "5000",
        "--test-size",
        "2000",
        "--max-epochs",
        "2",
        "--no-refit",
        "--data",
        str(archive),
        "--logdir",
        str(tmp_path),
    )
    result = pipeline.run(config)
    in_memory = result.model.predict(tf.constant(PROBES), verbose=0)
    fresh = subprocess.run(
        [sys.executable, "-c", SERVE, str(config.layout.best), json.dumps(PROBES)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    assert "Skipping variable loading" not in fresh.stderr  # inference weights only, all restored
    loaded = json.loads(fresh.stdout.strip().splitlines()[-1])
    np.testing.assert_allclose(loaded["serve"], in_memory, atol=1e-5)
    np.testing.assert_allclose(loaded["keras"], in_memory, atol=1e-5)
    metrics = json.loads((config.layout.best / "metrics.json").read_text())
    assert metrics["test_accuracy"] >= 0.70
    assert metrics["sizes"] == {"train": 4000, "validation": 1000, "test": 2000}
    assert in_memory[0, 0] > 0.5 > in_memory[1, 0]  # positive and negative reviews told apart


def _damaged(finished, name, keep):
    """`finished`'s copy with the first `keep` fraction of file `name` (under the project) left."""
    path = finished.logdir / "imdb" / name
    content = path.read_bytes()
    path.write_bytes(content[: int(len(content) * keep)])
    return finished.data, finished.logdir


@pytest.mark.parametrize(
    "name, keep",
    [
        ("tuner/oracle.json", 0),
        ("tuner/oracle.json", 0.5),
        ("tuner/trial_0000/trial.json", 0),
        ("tuner/trial_0001/trial.json", 0.5),
        ("tuner/tuner0.json", 0),
        ("tuner/tuner0.json", 0.5),
    ],
)
def test_run_recovers_torn_state_files_and_keeps_every_trial(finished_text_search, name, keep):
    data, logs = _damaged(finished_text_search, name, keep)
    config = _tiny(data, logs, "--tuner", "random", "--max-trials", "2", "--no-refit")
    before = read_trials(config)
    result = pipeline.run(_tiny(data, logs, "--tuner", "random", "--max-trials", "3", "--no-refit", "--extend-budget"))
    after = read_trials(config)
    assert {k: after[k] for k in before} == {k: v for k, v in read_trials_of(finished_text_search).items()}
    assert len(after) == 3 and {t["status"] for t in after.values()} == {"COMPLETED"}
    assert result.metrics["trials"]["rerun"] == 0  # no completed trial ran again


def test_run_a_finished_search_again_trains_and_rewrites_nothing(finished_text_search, tmp_path, capsys):
    data = finished_text_search.data
    config = _tiny(data, tmp_path / "logs", "--tuner", "random", "--max-trials", "2", "--no-refit")
    best = config.layout.best
    written = {p: p.stat().st_mtime_ns for p in best.rglob("*")}
    trials = read_trials(config)
    capsys.readouterr()
    result = pipeline.run(config)
    out = capsys.readouterr().out
    assert "This search is finished" in out and f"Exported to {best}/" in out and "Epoch" not in out
    assert {p: p.stat().st_mtime_ns for p in best.rglob("*")} == written and read_trials(config) == trials
    assert result.metrics == json.loads((best / "metrics.json").read_text()) and result.model is not None
    again = pipeline.run(
        _tiny(data, tmp_path / "logs", "--tuner", "random", "--max-trials", "2", "--no-refit", "--export-only")
    )  # the explicit way to export again
    assert (best / "metrics.json").stat().st_mtime_ns != written[best / "metrics.json"]
    assert again.metrics["search_digest"] == result.metrics["search_digest"] and read_trials(config) == trials


def test_run_export_on_a_full_disk_stops_with_the_disk_full_error_and_keeps_the_previous_export(
    finished_text_search, tmp_path, monkeypatch
):
    from kt_rnn.errors import DiskFull
    from kt_rnn.search import export

    data, logs = finished_text_search.data, tmp_path / "logs"
    best = logs / "imdb" / "best"
    before = {p.relative_to(best): p.read_bytes() for p in best.rglob("*") if p.is_file()}

    def full(*args, **kwargs):  # what TensorFlow raises for ENOSPC while writing the SavedModel's variables
        raise tf.errors.ResourceExhaustedError(
            None, None, "saved_model/variables/variables.data: No space left on device"
        )

    monkeypatch.setattr(export, "saved_model", full)
    with pytest.raises(DiskFull, match=r"(?s)No space left where the search writes.*run the same command again"):
        pipeline.run(_tiny(data, logs, "--tuner", "random", "--max-trials", "2", "--no-refit", "--export-only"))
    assert {p.relative_to(best): p.read_bytes() for p in best.rglob("*") if p.is_file()} == before
    assert not list((logs / "imdb").glob(".best*"))  # no half-written export left behind


def test_run_with_a_trial_file_and_its_copy_both_damaged_records_that_trial_lost_counts_it_and_goes_on(
    finished_text_search, capsys
):
    data, logs = finished_text_search.data, finished_text_search.logdir
    config = _tiny(data, logs, "--tuner", "random", "--max-trials", "2", "--no-refit")
    best = json.loads(config.layout.metrics.read_text())["best_trial"]
    kept = read_trials(config)[best]
    other = next(t for t in read_trials(config) if t != best)
    trial_file = config.project_dir / "tuner" / f"trial_{other}" / "trial.json"
    for path in (trial_file, durable.previous(trial_file)):
        path.write_text('{"trial_id": ')  # both garbage: nothing to fall back on
    capsys.readouterr()
    pipeline.run(config)  # the same command, no advice to follow: it goes on
    out = capsys.readouterr().out
    assert f"Trial {other}: its trial.json was damaged with no good previous copy" in out
    trials = read_trials(config)
    assert trials[other]["status"] == "FAILED" and trials[other]["message"].startswith(
        "lost: its trial.json was damaged"
    )
    assert trials[best] == kept and trial_file.with_name("trial.json.damaged").exists()
    # The finished search's summary counts the trials as they are now, not as its export counted them.
    assert "This search is finished" in out and "Trials: 2 (1 completed, 1 failed" in out
    assert f"  trial {other} failed: lost" in out
    more = pipeline.run(_tiny(data, logs, "--tuner", "random", "--max-trials", "3", "--no-refit", "--extend-budget"))
    assert more.metrics["trials"] == {**more.metrics["trials"], "total": 3, "completed": 2, "failed": 1}
    assert sorted(read_trials(config)) == ["0000", "0001", "0002"]  # the new trial got a fresh id


def read_trials_of(finished):
    """The trials of the session's search, as it finished (not this test's copy)."""
    return read_trials(_tiny(finished.data, finished.original, "--tuner", "random"))


def test_run_stops_naming_a_damaged_file_without_a_good_copy(finished_text_search, tmp_path):
    data, logs = _damaged(finished_text_search, "search.json", 0.5)
    config = _tiny(data, logs, "--tuner", "random", "--max-trials", "2", "--no-refit")
    before = read_trials(config)
    with pytest.raises(SearchError, match=r"search.json is damaged.*Move it aside.*--overwrite"):
        pipeline.run(config)
    assert read_trials(config) == before  # nothing deleted
    (logs / "imdb" / "search.json").rename(tmp_path / "search.json.damaged")
    pipeline.run(config)  # rebuilt from this run's settings
    assert read_trials(config) == before


def test_run_refuses_a_changed_search_until_overwrite(finished_text_search):
    data, logs = _damaged(finished_text_search, "search.json", 1)
    changed = ("--tuner", "random", "--max-trials", "2", "--no-refit", "--fix", f"{sp.CELL}=lstm")
    with pytest.raises(UsageError, match=rf"(?s)space.{sp.CELL}: .* -> .*--overwrite"):
        pipeline.run(_tiny(data, logs, *changed))
    assert len(read_trials(_tiny(data, logs))) == 2
    pipeline.run(_tiny(data, logs, *changed, "--overwrite"))
    trials = read_trials(_tiny(data, logs))
    assert {t["hyperparameters"]["values"][sp.CELL] for t in trials.values()} == {"lstm"}


def test_run_export_only_with_a_corrupt_checkpoint_names_the_trial_and_the_fix(finished_text_search, tmp_path):
    data = finished_text_search.data
    config = _tiny(data, tmp_path / "logs", "--tuner", "random", "--max-trials", "2", "--no-refit", "--export-only")
    for checkpoint in (tmp_path / "logs" / "imdb" / "tuner").glob("trial_*/checkpoint.weights.h5"):
        checkpoint.write_bytes(b"not an HDF5 file")
    with pytest.raises(SearchError, match=r"checkpoint of trial \d+ .* cannot be read.*without --no-refit"):
        pipeline.run(config)
    result = pipeline.run(_tiny(data, tmp_path / "logs", "--tuner", "random", "--max-trials", "2", "--export-only"))
    assert result.metrics["refit"] is True  # the way out the message names works


def test_run_after_a_trial_directory_vanished_records_it_lost_and_never_reuses_an_id(finished_text_search, tmp_path):
    data = finished_text_search.data
    tuner_dir = tmp_path / "logs" / "imdb" / "tuner"
    kept = {p.name: (p / "trial.json").read_text() for p in tuner_dir.glob("trial_*") if p.name != "trial_0000"}
    shutil.rmtree(tuner_dir / "trial_0000")
    argv = searches.argv(
        "imdb", data, tmp_path / "logs", "--tuner", "random", "--max-trials", 3, "--no-refit", "--extend-budget"
    )
    result = subprocess.run(argv, capture_output=True, text=True, timeout=300)  # a loop would time out
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Trial 0000: its directory vanished" in result.stdout
    trials = read_trials(_tiny(data, tmp_path / "logs", "--tuner", "random"))
    assert sorted(trials) == ["0000", "0001", "0002"]
    assert trials["0000"]["status"] == "FAILED" and trials["0000"]["message"].startswith("lost")
    assert trials["0002"]["status"] == "COMPLETED"  # the new trial got a fresh id
    assert {name: (tuner_dir / name / "trial.json").read_text() for name in kept} == kept
    oracle = json.loads((tuner_dir / "oracle.json").read_text())
    assert len(oracle["end_order"]) == 3 == len(set(oracle["end_order"]))


@pytest.mark.parametrize("damage", ["delete", "garble"])
def test_run_rebuilds_the_oracle_from_the_trial_files(finished_text_search, tmp_path, damage, capsys):
    data = finished_text_search.data
    tuner_dir = tmp_path / "logs" / "imdb" / "tuner"
    for path in (tuner_dir / "oracle.json", tuner_dir / "oracle.json.prev"):
        if damage == "delete":
            path.unlink(missing_ok=True)
        elif path.exists():
            path.write_text('{"ongoing_trials": {')
    before = read_trials_of(finished_text_search)
    result = pipeline.run(
        _tiny(data, tmp_path / "logs", "--tuner", "random", "--max-trials", "3", "--no-refit", "--extend-budget")
    )
    assert "Rebuilding" in capsys.readouterr().out
    after = read_trials(_tiny(data, tmp_path / "logs", "--tuner", "random"))
    assert {k: after[k] for k in before} == before and len(after) == 3  # kept, and one new trial
    assert result.metrics["trials"]["completed"] == 3 and result.metrics["trials"]["rerun"] == 0
    assert (tuner_dir / "oracle.json.damaged").exists() == (damage == "garble")


def _seasonal_series(path, rows=120):
    """Monthly-like: a trend, a season of 12 steps and noise."""
    steps = np.arange(rows)
    values = 100 + 0.8 * steps + 15 * np.sin(2 * np.pi * steps / 12) + np.random.default_rng(0).normal(0, 2, rows)
    path.write_text("y\n" + "".join(f"{v:.3f}\n" for v in values))
    return path


@pytest.mark.e2e
def test_pipeline_short_seasonal_series_with_the_defaults_and_a_time_limit(tmp_path, capsys):
    data = _seasonal_series(tmp_path / "sales.csv")
    config = searches.config(
        "timeseries",
        "--data",
        data,
        "--target",
        "y",
        "--horizon",
        6,
        "--season",
        12,
        "--logdir",
        tmp_path / "logs",
        "--time-limit",
        "8s",
    )
    result = pipeline.run(config)
    out = capsys.readouterr().out
    assert "Plan: bayesian tuner (all 15 trials random: 3 random trials per tuned hyperparameter" in out
    assert "up to 15 trials of at most 24 epochs each, within 8s" in out
    assert "(planned for 55 training windows of 24 steps: batches of 8/16/32" in out
    assert "Time limit: " in out and "no further trial starts" in out
    metrics = result.metrics
    assert metrics["plan"].startswith("planned for 55 training windows") and metrics["tuner"] == "bayesian"
    assert 1 <= metrics["trials"]["completed"] < 15
    # A trend of 0.8 a step: the last season's change carried ahead forecasts the training part best.
    assert "predict=seasonal_trend: its base forecasts the training part with MAE" in metrics["plan"]
    assert result.hparams[sp.PREDICT] == "seasonal_trend" and result.hparams[sp.WINDOW] in (13, 24, 48)
    assert f"an export that averages the {plan.ENSEMBLE} best trials" in metrics["plan"]
    if "exported_base" in metrics:  # the few trials 8 s allow did not beat the base: nothing is refit
        assert "ensemble" not in metrics and "Refitting" not in out
    else:  # as many of the five as completed, one refit each
        members = metrics["ensemble"]["size"]
        assert 1 <= members <= plan.ENSEMBLE and out.count("Refitting trial") == members and "refits" not in metrics
    assert {"auto_ets", "auto_arima"} <= set(metrics["test"]["baselines"])
    last = out.strip().splitlines()
    assert any(line.startswith("test MAE ") and "| ETS " in line for line in last[-6:])


@pytest.mark.e2e
def test_pipeline_small_text_corpus_with_the_defaults_and_a_time_limit(tmp_path, capsys):
    from conftest import write_reviews

    data = write_reviews(tmp_path / "data", per_class=(60, 20))  # 96 training / 24 validation reviews
    config = searches.config("imdb", "--data", data, "--logdir", tmp_path / "logs", "--time-limit", "8s")
    result = pipeline.run(config)
    out = capsys.readouterr().out
    assert "(planned for 96 training examples: batches of 4 (an epoch of 24 steps at 4); options you give" in out
    assert result.hparams[sp.BATCH_SIZE] == 4 and result.metrics["plan"].startswith("planned for 96")
    assert 1 <= result.metrics["trials"]["completed"] < 30
    assert "tfidf_logreg" in result.metrics["test"]["baselines"]
    assert "TF-IDF + logistic regression: test accuracy" in out


@pytest.mark.e2e
def test_pipeline_folds_score_each_trial_on_every_rolling_origin(tmp_path):
    data = tmp_path / "wave.csv"
    data.write_text("y\n" + "".join(f"{50 + 10 * np.sin(i / 4):.3f}\n" for i in range(160)))
    config = searches.tiny(
        "timeseries",
        data,
        tmp_path / "logs",
        "--target",
        "y",
        "--horizon",
        4,
        "--tuner",
        "random",
        "--max-trials",
        1,
        "--folds",
        3,
    )
    result = pipeline.run(config)
    folds = result.metrics["folds"]
    assert folds["k"] == 3 and folds["objective"] == "val_loss" and len(folds["scores"]) == 3
    assert np.mean(folds["scores"]) == pytest.approx(result.metrics["best_validation_score"], rel=1e-6)
    trial_dir = next(config.layout.tuner.glob("trial_*"))
    assert sorted(p.name for p in trial_dir.glob("execution*")) == ["execution0", "execution1", "execution2"]
    assert len({round(s, 6) for s in folds["scores"]}) == 3  # three validation parts, three scores
