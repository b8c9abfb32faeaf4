"""The text task end to end on the user's own data: a folder of texts and CSV tables made here."""

import json
import subprocess
import sys

import keras_tuner
import numpy as np
import pytest

import searches
from kt_rnn import data as data_lib
from kt_rnn.cli import search
from kt_rnn.errors import DataError, UsageError
from kt_rnn.search import pipeline
from kt_rnn.tasks import text as text_task

pytestmark = pytest.mark.e2e  # whole searches on the user's texts

WORDS = {
    "billing": "invoice charge refund payment card billed price".split(),
    "bug": "crash error broken freeze bug fails exception".split(),
    "praise": "love great thanks awesome helpful brilliant happy".split(),
}
FILLER = "the app my account it was and today please team".split()


def _texts(label, n, rng):
    return [" ".join(rng.choice(FILLER, 6).tolist() + rng.choice(WORDS[label], 3).tolist()) for _ in range(n)]


def _folder(root, per_class=16):
    rng = np.random.default_rng(0)
    for label in WORDS:
        (root / label).mkdir(parents=True)
        for i, text in enumerate(_texts(label, per_class, rng)):
            (root / label / f"{i:03d}.txt").write_text(text)
    return root


def _csv(path, counts, header="message,label"):
    rng = np.random.default_rng(1)
    rows = [f'"{text}, really",{label}' for label, n in counts.items() for text in _texts(label, n, rng)]
    rng.shuffle(rows)
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


# A small model that learns these keyword texts within a few epochs, so the tests can check its answers.
FIXED = (
    "embedding_dim=16",
    "units_0=16",
    "learning_rate=0.02",
    "num_layers=1",
    "optimizer=adam",
    "head=max_pool",
    "batch_size=16",
    "dropout=0.0",
    "l2=0.0",
    "cell=gru",
    "bidirectional=false",
)


def _config(data, logdir, *argv):
    fixes = [arg for fix in FIXED for arg in ("--fix", fix)]
    return searches.tiny("text", data, logdir, "--tuner", "random", "--max-trials", 1, *fixes, *argv)


SERVE = """
import json, sys
import tensorflow as tf
best, probes = sys.argv[1], json.loads(sys.argv[2])
saved_model = tf.saved_model.load(best + "/saved_model")  # keep a reference: it owns the variables
served = saved_model.serve(tf.constant(probes))
default = saved_model.signatures["serving_default"]  # what TF Serving and saved_model_cli read
names = [name.decode() for name in saved_model.class_names()["class_names"].numpy()]
print(json.dumps({
    "names": names,
    "file": open(best + "/saved_model/assets/labels.txt").read().splitlines(),
    "labels": [label.decode() for label in served["label"].numpy()],
    "argmax": [names[i] for i in served["probabilities"].numpy().argmax(axis=1)],
    "sums": served["probabilities"].numpy().sum(axis=1).tolist(),
    "inputs": sorted(default.structured_input_signature[1]),
    "outputs": sorted(default.structured_outputs),
}))
"""


def test_text_folder_of_three_classes_exports_class_names_read_back_in_a_fresh_process(tmp_path, capsys):
    # With a convolution before the GRU (as imdb-best has): its layer reaches the SavedModel read back below.
    config = _config(
        _folder(tmp_path / "tickets"),
        tmp_path / "logs",
        "--max-epochs",
        "8",
        "--patience",
        "8",
        "--fix",
        "conv_filters=8",
    )
    result = pipeline.run(config)
    metrics = result.metrics
    assert json.loads((config.layout.best / "hparams.json").read_text())["conv_filters"] == 8
    baseline = metrics["test"]["baselines"]["tfidf_logreg"]  # fitted beside the network, on the same texts
    assert baseline["accuracy"] == 1.0 and set(baseline) == {"accuracy", "macro_f1", "fit_seconds"}
    points = 100 * (metrics["test"]["accuracy"] - 1.0)
    verdict = "ties with it" if abs(points) < 0.05 else f"is {abs(points):.1f} points behind it"
    assert (
        f"TF-IDF + logistic regression: test accuracy 1.0000 | macro-F1 1.0000 | the network {verdict}"
        in capsys.readouterr().out
    )
    assert metrics["class_names"] == ["billing", "bug", "praise"] and metrics["problem"] == "classification"
    assert metrics["sizes"]["test"] == 10 and sum(metrics["class_counts"]["test"].values()) == 10
    assert set(metrics["test"]["per_class"]) == set(WORDS)
    assert {"precision", "recall", "f1", "support"} <= set(metrics["test"]["per_class"]["bug"])
    probes = ["refund my invoice charge", "crash error on start", "thanks great app love it"]
    fresh = subprocess.run(
        [sys.executable, "-c", SERVE, str(config.layout.best), json.dumps(probes)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert fresh.returncode == 0, fresh.stderr[-2000:]
    served = json.loads(fresh.stdout.strip().splitlines()[-1])
    assert served["sums"] == pytest.approx([1, 1, 1], abs=1e-5)  # softmax over the 3 classes
    assert served["names"] == served["file"] == ["billing", "bug", "praise"]  # the class names inside the model
    assert served["labels"] == served["argmax"] == ["billing", "bug", "praise"]
    assert served["inputs"] == ["text"] and served["outputs"] == ["label", "probabilities"]


def test_text_hypermodel_averages_the_weights_with_the_runs_ema(tmp_path):
    config = _config(_csv(tmp_path / "tickets.csv", {"bug": 20, "praise": 20}), tmp_path / "logs", "--ema", "0.9")
    model = text_task.hypermodel(config, data_lib.get_loader("text")(config)).build(keras_tuner.HyperParameters())
    assert model.optimizer.use_ema and model.optimizer.ema_momentum == 0.9


def test_text_imbalanced_binary_csv_ranks_trials_by_macro_f1(tmp_path):
    data = _csv(tmp_path / "tickets.csv", {"bug": 48, "praise": 12})
    config = _config(data, tmp_path / "logs", "--objective", "val_macro_f1")
    result = pipeline.run(config)
    assert result.metrics["objective"] == "val_macro_f1" and result.metrics["direction"] == "max"
    for split, counts in result.metrics["class_counts"].items():  # every split keeps the 4:1 imbalance
        assert sum(counts.values()) == result.metrics["sizes"][split]
        assert abs(counts["praise"] - result.metrics["sizes"][split] / 5) <= 1
    assert result.metrics["test"]["roc_auc"] is not None
    assert 0.5 <= result.metrics["test"]["baselines"]["tfidf_logreg"]["roc_auc"] <= 1
    trial = json.loads(next(config.layout.tuner.glob("trial_*/trial.json")).read_text())
    assert trial["metrics"]["metrics"]["val_macro_f1"]["direction"] == "max"
    identity = json.loads(config.layout.identity.read_text())
    assert identity["data"]["source"] == str(data.resolve()) and identity["direction"] == "max"


def test_text_resume_on_changed_data_is_refused_and_same_data_resumes(tmp_path):
    data = _csv(tmp_path / "tickets.csv", {"bug": 20, "praise": 20})
    first = pipeline.run(_config(data, tmp_path / "logs", "--no-refit", "--baselines", "none"))
    assert "baselines" not in first.metrics["test"]  # none fitted
    trials = sorted(p.name for p in (tmp_path / "logs" / "text" / "tuner").glob("trial_*"))
    pipeline.run(_config(data, tmp_path / "logs", "--no-refit", "--baselines", "none"))  # the same data: resumes
    assert sorted(p.name for p in (tmp_path / "logs" / "text" / "tuner").glob("trial_*")) == trials
    with data.open("a") as f:
        f.write("one more crash error report,bug\n")
    with pytest.raises(UsageError, match="(?s)started with other data.*data.fingerprint:.*--overwrite"):
        pipeline.run(_config(data, tmp_path / "logs", "--no-refit", "--baselines", "none"))


def test_text_objective_that_needs_two_classes_is_refused_before_anything_is_written(tmp_path):
    with pytest.raises(UsageError, match="val_auc.*3 classes"):
        pipeline.run(_config(_folder(tmp_path / "tickets"), tmp_path / "logs", "--objective", "val_auc"))
    assert not (tmp_path / "logs" / "text").exists()


@pytest.mark.parametrize(
    "content, argv, message",
    [
        ("", (), "No rows|empty"),
        ("message,label\nhello there,bug\nsomething else,bug\n", (), "Only one class"),
        (
            "message,label\nhello there,bug\nbye,praise\n",
            ("--label-column", "category"),
            "(?s)category.*message.*label",
        ),
        ("message,label\n   ,bug\n\t,praise\n", (), "No examples with text"),
        ("message,label\n" + "a b c,bug\n" * 6 + "d e f,praise\n", (), "(?s)'praise' has 1.*Add examples"),
    ],
)
def test_text_bad_input_is_a_data_error_before_anything_is_written(tmp_path, content, argv, message):
    data = tmp_path / "bad.csv"
    data.write_text(content)
    with pytest.raises((DataError, UsageError), match=message):
        pipeline.run(_config(data, tmp_path / "logs", *argv))
    assert not (tmp_path / "logs" / "text").exists()


def test_text_cli_bad_data_exits_3_naming_the_fix(tmp_path, capsys):
    data = tmp_path / "one.csv"
    data.write_text("text,label\nfirst,a\nsecond,a\n")
    assert search.main(["text", "--data", str(data), "--logdir", str(tmp_path / "logs")]) == 3
    err = capsys.readouterr().err
    assert "Only one class" in err and "at least 2 classes" in err
    assert not (tmp_path / "logs" / "text").exists()
