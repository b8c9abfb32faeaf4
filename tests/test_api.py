"""kt_rnn.tune: the command line's search from Python, on paths or data in memory."""

import json
import subprocess
import sys

import numpy as np
import pytest

import kt_rnn
from kt_rnn.cli import report
from kt_rnn.errors import UsageError

pytestmark = pytest.mark.e2e  # whole searches through kt_rnn.tune

SMALL = dict(
    tuner="random",
    max_trials=1,
    max_epochs=3,
    patience=3,
    fix=[
        "num_layers=1",
        "units_0=16",
        "optimizer=adam",
        "learning_rate=0.02",
        "batch_size=16",
        "dropout=0.0",
        "l2=0.0",
        "head=last",
        "bidirectional=false",
        "cell=gru",
    ],
)


def _sequences(n=120, seed=0, regression=False):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8, 2)).astype("float32") + 5.0  # raw values far from 0: normalization matters
    signal = x[:, :, 0].mean(axis=1) - 5.0
    y = 1000.0 + 400.0 * signal if regression else (signal > 0).astype("int64")
    return x, y


def _trial_files(logdir, project):
    return {p.parent.name: p.read_text() for p in (logdir / project / "tuner").glob("trial_*/trial.json")}


def test_tune_in_memory_sequences_returns_the_result_and_resumes(tmp_path, monkeypatch):
    x, y = _sequences()
    monkeypatch.chdir(tmp_path.parent)
    result = kt_rnn.tune((x, y), logdir=tmp_path.name, project="api", **SMALL)  # a relative --logdir
    assert result.export_path.is_absolute()
    assert isinstance(result, kt_rnn.Result)
    assert result.objective == "val_accuracy" and 0 <= result.validation_score <= 1
    assert result.best_hyperparameters["units_0"] == 16 and "batch_size" in result.best_hyperparameters
    assert result.export_path == tmp_path / "api" / "best" and (result.export_path / "saved_model").is_dir()
    assert set(result.test_scores) >= {"accuracy", "macro_f1", "per_class", "roc_auc"}
    assert result.metrics["sizes"] == {"train": 77, "validation": 19, "test": 24}
    assert result.tuner.oracle.get_best_trials(1)[0].trial_id == result.metrics["best_trial"]
    assert result.model.predict(x[:3], verbose=0).shape == (3, 1)
    trials = _trial_files(tmp_path, "api")
    assert {p.name for p in (tmp_path / "api" / "tensorboard").iterdir() if p.is_dir()} == {"0000"}  # every trial
    assert report.main([str(tmp_path / "api")]) == 0  # the report reads a sequence search as any other
    again = kt_rnn.tune((x, y), logdir=str(tmp_path), project="api", **SMALL)  # resumes: no trial re-run
    assert _trial_files(tmp_path, "api") == trials and again.metrics["best_trial"] == result.metrics["best_trial"]
    with pytest.raises(UsageError, match="(?s)other data.*data.fingerprint"):
        kt_rnn.tune((x[::-1], y[::-1]), logdir=str(tmp_path), project="api", **SMALL)


def test_tune_in_memory_texts_quiet_prints_nothing_and_the_result_predicts_raw_texts(tmp_path, capfd):
    words = {"spam": "win prize free cash claim".split(), "ham": "lunch meeting tomorrow see you".split()}
    rng = np.random.default_rng(0)

    def texts(n):
        labels = rng.choice(["spam", "ham"], n).tolist()
        return [" ".join(rng.choice(words[label], 4)) for label in labels], labels

    test = texts(20)
    result = kt_rnn.tune(
        texts(60),
        test_data=test,
        logdir=str(tmp_path),
        sequence_length=8,
        quiet=True,
        **{**SMALL, "fix": SMALL["fix"] + ["embedding_dim=8"]},
    )
    printed = capfd.readouterr()
    assert printed.out == "" and printed.err == ""
    assert result.metrics["class_names"] == ["ham", "spam"] and result.metrics["dataset"] == "text"
    assert result.metrics["sizes"]["test"] == 20 and result.metrics["data"] == "in memory"
    assert (result.export_path / "labels.txt").read_text() == "ham\nspam\n"
    predicted = result.predict(test[0])  # class names, from raw texts
    assert set(predicted) <= {"ham", "spam"} and (predicted == test[1]).mean() == result.test_scores["accuracy"]
    scores, expected = result.evaluate(*test), dict(result.test_scores)
    assert scores.pop("loss") == pytest.approx(expected.pop("loss"), rel=1e-5)
    assert scores == {name: value for name, value in expected.items() if name != "baselines"}
    import tensorflow as tf

    loaded = kt_rnn.load_model(result.export_path)  # registered layers: nothing else to import
    texts = tf.constant(test[0])
    np.testing.assert_allclose(loaded.predict(texts, verbose=0), result.model.predict(texts, verbose=0), atol=1e-6)
    with pytest.raises(UsageError, match=r"among the classes \['ham', 'spam'\]. Received: \['eggs'\]"):
        result.evaluate(test[0][:1], ["eggs"])
    with pytest.raises(UsageError, match="No exported model"):
        kt_rnn.load_model(tmp_path / "nowhere")


SERVE = """
import json, sys
import numpy as np
import tensorflow as tf
saved_model = tf.saved_model.load(sys.argv[1])
print(json.dumps(saved_model.serve(tf.constant(np.load(sys.argv[2])))["value"].numpy().ravel().tolist()))
"""


def test_tune_npz_regression_serves_values_in_the_original_units(tmp_path):
    x, y = _sequences(n=160, regression=True)
    np.savez(tmp_path / "series.npz", x=x, y=y)
    result = kt_rnn.tune(tmp_path / "series.npz", logdir=str(tmp_path / "logs"), **{**SMALL, "max_epochs": 8})
    assert result.metrics["problem"] == "regression" and result.objective == "val_loss"
    assert result.metrics["direction"] == "min" and result.metrics["class_names"] is None
    spread = float(np.mean(np.abs(y - y.mean())))
    assert result.test_scores["mae"] < 0.8 * spread  # better than predicting the mean, in the data's units
    np.save(tmp_path / "probe.npy", x[:5])
    fresh = subprocess.run(
        [sys.executable, "-c", SERVE, str(result.export_path / "saved_model"), str(tmp_path / "probe.npy")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    served = np.array(json.loads(fresh.stdout.strip().splitlines()[-1]))
    np.testing.assert_allclose(served, result.model.predict(x[:5], verbose=0).ravel(), rtol=1e-4)
    assert np.all(np.abs(served - y[:5]) < 3 * spread)  # thousands, not standardized values


def test_tune_unknown_option_names_the_close_one(tmp_path):
    with pytest.raises(UsageError, match="Did you mean 'max_trials'"):
        kt_rnn.tune((np.zeros((4, 3, 1)), np.arange(4)), max_trial=3, logdir=str(tmp_path))


def test_tune_objective_that_does_not_fit_the_data_is_refused_before_writing(tmp_path):
    x, y = _sequences(regression=True)
    with pytest.raises(UsageError, match="val_accuracy.*regression"):
        kt_rnn.tune((x, y), objective="val_accuracy", logdir=str(tmp_path), **SMALL)
    assert not (tmp_path / "sequence").exists()


def test_import_kt_rnn_stays_light():
    probe = "import sys, kt_rnn; kt_rnn.tune; print('tensorflow' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "False", result.stderr


def test_tune_takes_a_tf_data_dataset_of_pairs_as_arrays_or_texts():
    import tensorflow as tf

    from kt_rnn import api, data

    x, y = _sequences(n=6)
    pair = api._pair(tf.data.Dataset.from_tensor_slices((x, y)))
    np.testing.assert_array_equal(pair[0], x) and np.testing.assert_array_equal(pair[1], y)
    assert data.dataset_of(pair=pair) == "sequence"
    texts = api._pair(tf.data.Dataset.from_tensor_slices((["caf\u00e9 ok", "bad"], ["pos", "neg"])))
    assert texts == (["caf\u00e9 ok", "bad"], ["pos", "neg"]) and data.dataset_of(pair=texts) == "text"


def test_result_repr_is_one_short_line_with_the_headline_scores(tmp_path):
    from kt_rnn import api

    per_class = {f"class_{i}": {"precision": 0.9, "recall": 0.8, "f1": 0.85, "support": 100} for i in range(20)}
    test = {"accuracy": 0.83641, "macro_f1": 0.8362, "per_class": per_class}
    result = api.Result({"units_0": 32}, "val_accuracy", 0.88499, test, tmp_path / "best", {"test": test}, None, None)
    shown = repr(result)
    assert shown == (
        "Result(objective='val_accuracy', validation_score=0.8850, test_scores={'accuracy': 0.8364, "
        f"'macro_f1': 0.8362}}, export_path='{tmp_path / 'best'}')"
    )
    forecast = {"model": {"mae": 9.01234, "rmse": 11.0}, "naive": {"mae": 10.0}}
    assert "test_scores={'mae': 9.0123, 'rmse': 11.0}" in repr(
        api.Result({}, "val_loss", 0.1, forecast, tmp_path, {}, None, None)
    )
