"""A task added from outside kt_rnn: `kt_rnn.tasks.register` and the `kt_rnn.tasks` entry point.

This module is the outside: it defines a small task, `tally` (count one digit in a sequence of
digits), with its own loader, HyperModel, scorer and option (`--digit`), and nothing in kt_rnn
names it. The tests register it and run it as a user would: the command line, `kt_rnn.tune`, a
kill and resume in real processes (which find it through an entry point), TensorBoard, the
report and the export.
"""

import json
import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

from hypermodels import space as sp
from kt_rnn import data, options, tasks
from kt_rnn.errors import DataError
from kt_rnn.option import Option
from kt_rnn.runtime import native_logs

TIMESTEPS = 8
TINY = ("--tuner", "random", "--max-trials", "2", "--max-epochs", "2", "--quiet", "--baselines", "none")  # seconds
PARAMS = (
    sp.Param("units", int, sp.choice((4, 8), 4), lambda v: v in (4, 8), "4 or 8"),
    sp.Param(sp.BATCH_SIZE, int, sp.fixed(16), lambda v: isinstance(v, int) and v > 0, "a positive integer"),
)
DIGIT = Option(
    "digit",
    "the digit counted in each sequence",
    "tally (digits: --data FILE.npy)",
    int,
    metavar="D",
    tasks=("tally",),
    identity=True,
    required=True,
    minimum=0,
)
TALLY = tasks.Task("tally", PARAMS, (tasks.REGRESSION,), __name__, ("tally",), (DIGIT,))


def register_tally() -> None:
    """What a package's entry point calls: `[project.entry-points."kt_rnn.tasks"] tally = "...:register_tally"`."""
    tasks.register(TALLY, {"tally": f"{__name__}:load"})


# The loader: `read_inputs` checks the data before TensorFlow loads; `load` builds the splits.
def read_inputs(config, values=None):
    if values is None:
        path = pathlib.Path(config.data.path or "")
        if not path.is_file():
            raise DataError(f"--data {config.data.path!r} is not a file: give an .npy of digit sequences.")
        values = np.load(path)
    return {"values": values}


def load(config, values):
    import tensorflow as tf

    x = values[..., None].astype("float32")
    y = (values == config.option("digit")).sum(axis=1).astype("float32")
    a, b = int(len(x) * 0.6), int(len(x) * 0.8)

    def part(lo, hi):
        return tf.data.Dataset.from_tensor_slices((x[lo:hi], y[lo:hi]))

    return data.Dataset(
        part(0, a),
        part(a, b),
        part(b, len(x)),
        tasks.REGRESSION,
        {"timesteps": TIMESTEPS},
        None,
        {"train": a, "validation": b - a, "test": len(x) - b},
        fingerprint=data.fingerprint(values),
        source=os.path.abspath(config.data.path),
    )


# The task's implementation (kt_rnn.tasks' module docstring lists what a task provides).
def hypermodel(config, dataset):
    import keras
    import keras_tuner

    class Tally(keras_tuner.HyperModel):
        metrics = ("mae",)

        def build(self, hp):
            v = config.space.register_all(hp)
            inputs = keras.Input((TIMESTEPS, 1), name="digits")
            outputs = keras.layers.Dense(1)(keras.layers.SimpleRNN(v["units"])(inputs))
            model = keras.Model(inputs, outputs)
            model.compile(keras.optimizers.Adam(0.05), "mse", metrics=["mae"])
            return model

        def fit(self, hp, model, x, validation_data=None, **kwargs):
            batch = config.space.register(hp, sp.BATCH_SIZE)
            validation = None if validation_data is None else validation_data.batch(batch)  # the refit has none
            return model.fit(
                x.shuffle(len(x), seed=0).batch(batch), validation_data=validation, **{**kwargs, "shuffle": False}
            )

    return Tally()


def serving_model(model, dataset, hparams=None):
    return model  # it reads raw digits already


def scores(model, dataset):
    from sklearn import metrics

    x, y = (np.stack(part) for part in zip(*dataset.test.as_numpy_iterator()))
    return {"mae": float(metrics.mean_absolute_error(y, model.predict(x, verbose=0).ravel()))}


def summary_lines(scores):
    return [f"tally test MAE {scores['mae']:.3f}"]


def settings(dataset, served_model=None):
    return {"timesteps": TIMESTEPS}


def assets(dataset):
    return {}


def export_files(model, dataset):
    return {}


def folds(dataset, k):
    return None


# The tests.
@pytest.fixture
def registries(monkeypatch):
    """kt_rnn's task and loader registries, restored after the test."""
    monkeypatch.setattr(tasks, "TASKS", dict(tasks.TASKS))
    monkeypatch.setattr(data, "LOADERS", dict(data.LOADERS))


@pytest.fixture
def tally(registries):
    register_tally()
    return TALLY


def _digits(path, n=100, seed=0):
    np.save(path, np.random.default_rng(seed).integers(0, 10, size=(n, TIMESTEPS)))
    return str(path)


def _site(root):
    """A directory that makes this module an installed package's `kt_rnn.tasks` entry point."""
    info = root / "kt_rnn_tally-0.1.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: kt-rnn-tally\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{tasks.ENTRY_POINTS}]\ntally = {__name__}:register_tally\n")
    return root


def test_register_puts_the_task_its_dataset_and_its_option_in_the_parser_and_the_config(tally, tmp_path):
    from kt_rnn import config as config_lib
    from kt_rnn.state import identity

    parsed = options.build_parser().parse_args(["tally", "--digit", "7", "--data", "d.npy"])
    config = config_lib.Config.from_args(parsed)
    assert config.task is tally and config.task_options == {"digit": 7} and config.option("digit") == 7
    assert identity.fingerprint(config)["digit"] == 7  # the option marked identity: resuming with another is refused
    assert "--digit D" in options.build_parser().format_help()
    with pytest.raises(Exception, match="The tally dataset needs --digit D"):
        config_lib.Config.from_options({"dataset": "tally", "logdir": str(tmp_path)})
    with pytest.raises(Exception, match="--digit is an option of the tally data, not of imdb"):
        config_lib.Config.from_options({"dataset": "imdb", "digit": 3, "logdir": str(tmp_path)})


def test_register_refuses_a_name_taken_and_a_dataset_without_its_loader(registries):
    with pytest.raises(ValueError, match=r"\['text'\] taken"):
        tasks.register(tasks.Task("text", PARAMS, (tasks.REGRESSION,), __name__, ("tally",)), {"tally": "m:f"})
    with pytest.raises(ValueError, match="one loader per dataset"):
        tasks.register(TALLY, {"other": f"{__name__}:load"})
    assert "tally" not in tasks.TASKS and "tally" not in data.LOADERS


def test_load_entry_points_registers_an_installed_packages_task(registries, tmp_path, monkeypatch):
    monkeypatch.syspath_prepend(str(_site(tmp_path)))
    assert tasks.load_entry_points() == ["tally"]
    assert tasks.for_dataset("tally") == TALLY and "digit" in options.by_name()


def test_load_entry_points_leaves_a_broken_one_out_with_a_warning(registries, tmp_path, monkeypatch):
    site = _site(tmp_path)
    (site / "kt_rnn_tally-0.1.dist-info" / "entry_points.txt").write_text(f"[{tasks.ENTRY_POINTS}]\nbad = nowhere:f\n")
    monkeypatch.syspath_prepend(str(site))
    with pytest.warns(UserWarning, match="entry point bad .* failed and is left out: ModuleNotFoundError"):
        assert tasks.load_entry_points() == []
    assert "tally" not in tasks.TASKS


@pytest.mark.e2e
def test_registered_task_runs_from_the_command_line_and_tune_resumes_and_reports(tally, tmp_path, capsys):
    import kt_rnn
    from kt_rnn.cli import report, search

    digits, logs = _digits(tmp_path / "digits.npy"), tmp_path / "logs"
    argv = ["tally", "--data", digits, "--digit", "7", "--logdir", str(logs), *TINY]
    assert search.main(argv) == 0
    best = logs / "digits" / "best"
    metrics = json.loads((best / "metrics.json").read_text())
    assert metrics["task"] == "tally" and metrics["trials"]["completed"] == 2 and "mae" in metrics["test"]
    assert (best / "saved_model" / "saved_model.pb").exists()
    runs = {
        p.parent.relative_to(logs / "digits" / "tensorboard")
        for p in (logs / "digits" / "tensorboard").rglob("events.out.tfevents.*")
    }
    assert any(str(run).startswith(metrics["best_trial"]) for run in runs)  # every trial in TensorBoard
    assert search.main(argv) == 0  # the same command again: the finished search, nothing retrained
    assert json.loads((best / "metrics.json").read_text())["trials"] == metrics["trials"]
    capsys.readouterr()
    assert report.main([str(logs / "digits")]) == 0
    shown = capsys.readouterr().out
    assert "Export: tally test MAE" in shown and "units" in shown
    result = kt_rnn.tune(
        digits,
        dataset="tally",
        digit=7,
        logdir=str(logs),
        project="api",
        tuner="random",
        max_trials=1,
        max_epochs=2,
        quiet=True,
        baselines="none",
    )
    assert result.metrics["task"] == "tally" and result.export_path == logs / "api" / "best"


@pytest.mark.e2e
def test_registered_task_found_through_its_entry_point_resumes_after_a_kill_and_prints_no_tf_log(tmp_path):
    site = _site(tmp_path / "site")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            [str(site), str(pathlib.Path(__file__).parent), os.environ.get("PYTHONPATH", "")]
        ),
    }
    data = _digits(tmp_path / "d.npy")
    argv = [
        sys.executable,
        "-m",
        "kt_rnn.search",
        "tally",
        "--data",
        data,
        "--digit",
        "3",
        "--logdir",
        str(tmp_path / "logs"),
        *TINY,
    ]
    killed = subprocess.run(argv, env={**env, "KT_RNN_FAULT": "trial-end"}, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr[-2000:]
    trials = tmp_path / "logs" / "d" / "tuner"
    assert len(list(trials.glob("trial_*/trial.json"))) == 1
    env.pop(native_logs.USER_SETTING, None)
    resumed = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    noise = [line for line in resumed.stderr.splitlines() if not native_logs.keep(line.encode())]
    assert noise == [] and "I0000" not in resumed.stderr  # a healthy run prints no TensorFlow log line
    metrics = json.loads((tmp_path / "logs" / "d" / "best" / "metrics.json").read_text())
    assert metrics["trials"]["completed"] == 2 and metrics["task"] == "tally"
