"""The command line, run as a user runs it: in a subprocess."""

import os
import re
import subprocess
import sys

import numpy as np
import pytest

import searches
from kt_rnn import config as config_lib
from kt_rnn.cli import search

# Runs the CLI in-process in a fresh interpreter, then reports whether TensorFlow was imported.
PROBE = """
import sys, runpy
sys.argv = ["kt_rnn.search", *sys.argv[1:]]
code = 0
try:
    runpy.run_module("kt_rnn.search", run_name="__main__")
except SystemExit as e:
    code = e.code
print("TF_IMPORTED" if "tensorflow" in sys.modules else "TF_FREE")
sys.exit(code)
"""


def _cli(*argv, probe=False, cwd=None):
    command = [sys.executable, "-c", PROBE, *argv] if probe else [sys.executable, "-m", "kt_rnn.search", *argv]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, cwd=cwd)


def _main(capsys, *argv):
    """`(exit code, stderr)` of the command run in this process (argparse's usage errors included)."""
    try:
        code = search.main(list(argv))
    except SystemExit as e:
        code = e.code
    return code, capsys.readouterr().err


def test_main_help_is_tensorflow_free():
    result = _cli("--help", probe=True)
    assert result.returncode == 0
    assert "--max-trials" in result.stdout and "--fix NAME=VALUE" in result.stdout
    assert result.stdout.strip().endswith("TF_FREE")


def test_main_unknown_dataset_exits_with_usage_error(capsys):
    code, err = _main(capsys, "mnist")
    assert code == 2
    assert re.search(r"invalid choice: 'mnist' \(choose from '?imdb'?, '?text'?, '?sequence'?, '?timeseries'?\)", err)


def test_main_unknown_tuner_lists_the_tuners(capsys):
    code, err = _main(capsys, "imdb", "--tuner", "tpe")
    assert code == 2
    assert re.search(r"invalid choice: 'tpe' \(choose from '?hyperband'?, '?random'?, '?bayesian'?, '?grid'?\)", err)


def test_main_bad_fix_names_the_valid_hyperparameters_before_importing_tensorflow():
    result = _cli("imdb", "--fix", "cells=gru", probe=True)
    assert result.returncode == 2
    assert "Expected one of ['cell', 'bidirectional'" in result.stderr and "Received: 'cells'" in result.stderr
    assert "TF_FREE" in result.stdout


def test_main_bad_fix_value_states_the_rule(capsys):
    code, err = _main(capsys, "imdb", "--fix", "num_layers=7")
    assert code == 2
    assert "num_layers takes an integer one of [1, 2, 3]. Received: num_layers='7'" in err


def test_main_zero_budget_is_a_usage_error(capsys):
    code, err = _main(capsys, "imdb", "--max-trials", "0")
    assert code == 2 and "--max-trials must be an integer >= 1" in err


@pytest.mark.parametrize("user, expected", [(None, "1"), ("0", "0")])
def test_main_quiets_tensorflows_info_lines_unless_the_user_chose(monkeypatch, user, expected):
    if user is None:
        monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    else:
        monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", user)
    assert search.main(["imdb", "--max-trials", "0"]) == 2  # stops before TensorFlow loads
    assert os.environ["TF_CPP_MIN_LOG_LEVEL"] == expected


def test_main_missing_data_path_names_the_fix_and_writes_nothing_before_importing_tensorflow(tmp_path):
    result = _cli("imdb", "--data", str(tmp_path / "nowhere"), "--logdir", str(tmp_path / "logs"), probe=True)
    assert result.returncode == 3
    assert "IMDB data not found" in result.stderr and "Pass --data" in result.stderr
    assert "TF_FREE" in result.stdout and not (tmp_path / "logs").exists()


def _bad_files(root):
    """A shape, a column and a class that the data checks refuse, as a user might pass them."""
    import numpy as np

    np.savez(root / "short_y.npz", x=np.zeros((5, 3, 1)), y=np.zeros(4))
    (root / "series.csv").write_text("month,sales\n" + "".join(f"{i},{i * 2}\n" for i in range(40)))
    (root / "texts.csv").write_text("text,label\n" + "".join(f"words {i},a\n" for i in range(20)))
    return {
        "shape": (["sequence", "--data", str(root / "short_y.npz")], "Expected one y per example of x"),
        "column": (
            ["timeseries", "--data", str(root / "series.csv"), "--target", "revenue"],
            "No target column 'revenue'",
        ),
        "classes": (["text", "--data", str(root / "texts.csv")], "2 classes"),
    }


@pytest.mark.parametrize("case", ["shape", "column", "classes"])
def test_main_bad_data_exits_3_before_importing_tensorflow(tmp_path, case):
    argv, text = _bad_files(tmp_path)[case]
    result = _cli(*argv, "--logdir", str(tmp_path / "logs"), probe=True)
    assert result.returncode == 3 and text in result.stderr, result.stderr[-2000:]
    assert "TF_FREE" in result.stdout and not (tmp_path / "logs").exists()


def test_build_parser_defaults_match_the_readme():
    args = search.build_parser().parse_args(["imdb"])
    assert (args.tuner, args.objective, args.logdir, args.validation_split) == (None, None, "logs", 0.2)
    config = config_lib.Config.from_args(args)  # a preset, else the defaults, fill what was not given
    assert (config.budget.tuner, config.budget.patience, config.budget.objective) == ("hyperband", 3, "val_accuracy")


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    """A kt_rnn.search subprocess whose combined output goes to a file the test can watch."""

    def __init__(self, argv, log, **env):
        self.log = log
        with open(log, "w") as out:
            self.popen = subprocess.Popen(
                argv, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT, text=True
            )

    @property
    def output(self):
        return self.log.read_text()

    def wait_for(self, text, timeout=180):
        deadline = time.monotonic() + timeout
        while text not in self.output:
            assert self.popen.poll() is None and time.monotonic() < deadline, f"no {text!r} in:\n{self.output[-3000:]}"
            time.sleep(0.2)

    def finish(self, timeout=300):
        try:
            return self.popen.wait(timeout=timeout)
        finally:
            self.popen.kill()  # no-op once it has exited


def _distributed(tiny_imdb, logdir, *argv):
    return searches.argv("imdb", tiny_imdb, logdir, "--tuner", "random", *argv)


@pytest.mark.e2e
@pytest.mark.alone  # worker and chief timeouts of a few seconds
def test_main_chief_and_two_workers_finish_the_budget_when_a_worker_dies_mid_trial(tiny_imdb, tmp_path):
    import json

    port, logdir = _free_port(), tmp_path / "logs"
    command = _distributed(tiny_imdb, logdir, "--max-trials", "4", "--max-epochs", "2")
    chief = Process(
        [*command, "--role", "chief", "--oracle", f"127.0.0.1:{port}", "--worker-timeout", "6"], tmp_path / "chief.log"
    )
    worker = [*command, "--role", "worker", "--oracle", f"127.0.0.1:{port}", "--worker-id"]
    doomed = Process([*worker, "a"], tmp_path / "a.log", KT_RNN_FAULT="batch")  # SIGKILLed mid-epoch
    try:
        chief.wait_for("runs on worker a")
        survivor = Process([*worker, "b"], tmp_path / "b.log")
        assert doomed.finish() == -signal.SIGKILL
        assert survivor.finish() == 0, survivor.output[-3000:]
        assert chief.finish() == 0, chief.output[-3000:]
    finally:
        for process in (chief, doomed):
            process.popen.kill()
    assert "Worker a has been silent" in chief.output and "the chief exports" in survivor.output
    project = logdir / "imdb"
    metrics = json.loads((project / "best" / "metrics.json").read_text())
    assert metrics["trials"]["total"] == metrics["trials"]["completed"] == 4
    assert list(metrics["trials"]["reruns"].values()) == [1]  # worker a's trial, run again by b
    trials = sorted(p.name for p in (project / "tuner").glob("trial_*"))
    assert len(trials) == 4 == len(set(trials))
    assert sorted(p.name for p in (project / "tensorboard").iterdir() if p.is_dir()) == [t[6:] for t in trials]
    assert chief.output.count("Exported to") == 1 and (project / "best" / "saved_model").is_dir()
    report = subprocess.run(
        [sys.executable, "-m", "kt_rnn.report", str(project), "--json", "-"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert report.returncode == 0, report.stderr
    assert sorted(row["trial_id"] for row in json.loads(report.stdout)) == [t[6:] for t in trials]


@pytest.mark.e2e
@pytest.mark.alone  # worker and chief timeouts of a few seconds
def test_main_workers_exit_with_a_message_soon_after_the_chief_dies(tiny_imdb, tmp_path):
    """Also: a second live worker under an id in use is refused, exit 2 (a worker whose settings drifted from
    the chief's is refused the same way: `tests/state/test_identity.py`)."""
    port, logdir = _free_port(), tmp_path / "logs"
    command = _distributed(tiny_imdb, logdir, "--max-trials", "3", "--max-epochs", "300", "--patience", "300")
    chief = Process([*command, "--role", "chief", "--oracle", f"127.0.0.1:{port}"], tmp_path / "chief.log")
    worker = [*command, "--role", "worker", "--oracle", f"127.0.0.1:{port}", "--worker-id", "w"]
    worker = Process([*worker, "--chief-timeout", "5"], tmp_path / "w.log")
    try:
        chief.wait_for("runs on worker w")
        twin = Process(
            [*command, "--role", "worker", "--oracle", f"127.0.0.1:{port}", "--worker-id", "w"], tmp_path / "twin.log"
        )
        assert twin.finish(timeout=120) == EXIT_USAGE, twin.output[-3000:]
        assert "Worker w already runs in another live process" in twin.output, twin.output[-3000:]
        assert chief.output.count("runs on worker w") == 1 and worker.popen.poll() is None  # w's trial goes on
        chief.popen.kill()
        killed = time.monotonic()
        code = worker.finish(timeout=120)
    finally:
        worker.popen.kill()
    assert time.monotonic() - killed < 60
    assert code == EXIT_SEARCH and "has not answered for 5 s: this worker stops" in worker.output, worker.output[-3000:]


# Kills, clean stops and restarts: real processes, real signals, the same command each time.

import hashlib  # noqa: E402
import json  # noqa: E402
import signal  # noqa: E402
import time  # noqa: E402

from kt_rnn.errors import EXIT_SEARCH, EXIT_TERMINATED, EXIT_USAGE  # noqa: E402
from kt_rnn.state import faults  # noqa: E402

KILLED = -signal.SIGKILL


def _command(data, logdir, *argv):
    return searches.argv(
        "imdb",
        data,
        logdir,
        "--tuner",
        "random",
        "--max-trials",
        4,
        "--max-epochs",
        3,
        "--patience",
        5,
        "--fix",
        "batch_size=32",
        *argv,
    )


def _run(command, fault=None):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    env.pop(faults.ENV_VAR, None)
    if fault:
        env[faults.ENV_VAR] = fault
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def _terminate_when(command, marks):
    """Starts `command`, sends SIGTERM once its output shows one of `marks`; returns (code, stderr)."""
    env = {k: v for k, v in os.environ.items() if k != faults.ENV_VAR}
    process = subprocess.Popen(
        command, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 300
        for line in process.stdout:
            if any(mark in line for mark in marks) or time.monotonic() > deadline:
                process.send_signal(signal.SIGTERM)
                break
        _, err = process.communicate(timeout=120)
    finally:
        process.kill()  # only the process this test started; a no-op once it has exited
    return process.returncode, err


def _trial_files(project):
    files = sorted((project / "tuner").glob("trial_*/trial.json"))
    return {f.parent.name: json.loads(f.read_text()) for f in files}


def _record(project, trial):
    return json.loads((project / "tuner" / trial / "execution0" / "epochs.json").read_text())


def _digest(directory):
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


@pytest.mark.e2e
def test_main_survives_repeated_kills_and_completes_each_trial_once(tiny_imdb, tmp_path):
    """A Bayesian search (one hyperparameter tuned: 3 random trials, then its Gaussian process chooses
    the 4th) that exports a two-model ensemble, killed at every kind of point, its oracle's fit and the
    ensemble's refit included."""
    ensemble = ["--tuner", "bayesian", "--tune", "learning_rate", "--ensemble", "2"]
    command, project = _command(tiny_imdb, tmp_path / "logs", *ensemble), tmp_path / "logs" / "imdb"
    completed = {}  # trial -> its trial.json when first seen completed

    def check_completed_unchanged():
        for name, trial in _trial_files(project).items():
            if trial["status"] == "COMPLETED":
                assert completed.setdefault(name, trial) == trial

    assert _run(command, fault="batch@0001#3").returncode == KILLED  # mid-epoch: trial 0001, epoch 2
    check_completed_unchanged()
    first_epoch = _record(project, "trial_0001")["epochs"]
    assert [e["epoch"] for e in first_epoch] == [0]
    for fault in ("checkpoint", "trial-end", "oracle-fit", "state#2"):
        # a checkpoint's write, between trials, inside the fit that chooses trial 0003, oracle.json's write
        assert _run(command, fault=fault).returncode == KILLED, fault
        check_completed_unchanged()
    code, err = _terminate_when(command, (" starts", "Refitting"))  # a trial start, or the export
    assert code == EXIT_TERMINATED and "stopped by SIGTERM; state is saved" in err
    assert "run the same command" in err.lower()
    check_completed_unchanged()
    refit = _run(command, fault="refit#2")  # as the second model of the ensemble starts its refit
    assert refit.returncode == KILLED and "Refitting trial" in refit.stdout and not (project / "best").exists()
    while (result := _run(command, fault="export")).returncode == KILLED and not list(project.glob(".best.tmp-*")):
        pass  # trials left to finish before the export is reached
    assert result.returncode == KILLED and not (project / "best").exists()  # nothing half-written
    result = _run(command)
    assert result.returncode == 0, result.stderr[-3000:]
    check_completed_unchanged()
    trials = _trial_files(project)
    assert len(trials) == 4 and {t["status"] for t in trials.values()} == {"COMPLETED"}
    oracle = json.loads((project / "tuner" / "oracle.json").read_text())
    assert sorted(oracle["end_order"]) == sorted(t["trial_id"] for t in trials.values())  # each ended once
    for name in trials:
        assert [e["epoch"] for e in _record(project, name)["epochs"]] == [0, 1, 2]  # no epoch trained twice
    resumed = _record(project, "trial_0001")["epochs"]
    assert resumed[0] == first_epoch[0]  # killed in epoch 2: continued from there, epoch 1 kept
    scores = [e["logs"]["val_accuracy"] for e in resumed]
    assert trials["trial_0001"]["score"] == pytest.approx(max(scores))  # scored over all its epochs
    assert scores[trials["trial_0001"]["best_step"]] == pytest.approx(max(scores))
    metrics = json.loads((project / "best" / "metrics.json").read_text())
    assert metrics["trials"]["total"] == 4 and metrics["trials"]["rerun"] >= 2
    assert metrics["ensemble"]["size"] == 2 and result.stdout.count("Refitting trial") == 2  # both refit again
    assert not list(project.glob(".best*"))  # the stale export temporary was cleaned
    before = _digest(project / "best")
    assert _run([*command, "--export-only"], fault="export").returncode == KILLED
    assert _digest(project / "best") == before  # an interrupted export leaves the previous one intact


@pytest.mark.e2e
def test_main_fails_a_trial_whose_process_dies_every_time(tiny_imdb, tmp_path):
    command = _command(tiny_imdb, tmp_path / "logs", "--max-crashes", "2", "--max-trials", "2")
    project = tmp_path / "logs" / "imdb"
    for _ in range(2):
        assert _run(command, fault="batch@0000").returncode == KILLED
    result = _run(command, fault="batch@0000")
    assert result.returncode == 0, result.stderr[-3000:]
    trials = _trial_files(project)
    assert trials["trial_0000"]["status"] == "FAILED"
    assert trials["trial_0000"]["message"] == "process died during the trial, 2 times"
    assert trials["trial_0001"]["status"] == "COMPLETED"
    assert "trial 0000 failed: process died during the trial, 2 times" in result.stdout


def _bad_inputs(root, good_data):
    """name -> (extra argv, expected exit code, text the message must contain)."""
    (root / "empty").mkdir()
    (root / "corrupt.tar.gz").write_bytes(b"\x1f\x8b\x08\x00not really gzip")
    (root / "layout" / "aclImdb" / "train" / "pos").mkdir(parents=True)
    (root / "space.toml").write_text("[cells]\nvalues = ['gru']\n")
    (root / "broken.toml").write_text("[cell\nvalues = \n")
    (root / "a-file").write_text("not a directory")
    return {
        "missing data": (["--data", str(root / "nowhere")], 3, "--data"),
        "empty data": (["--data", str(root / "empty")], 3, "aclImdb"),
        "corrupt archive": (["--data", str(root / "corrupt.tar.gz")], 3, "corrupt.tar.gz"),
        "wrong layout": (["--data", str(root / "layout")], 3, "test"),
        "unknown --fix name": (["--data", good_data, "--fix", "cells=gru"], 2, "Expected one of"),
        "bad --fix value": (["--data", good_data, "--fix", "dropout=2"], 2, "dropout"),
        "unknown --space name": (["--data", good_data, "--space", str(root / "space.toml")], 2, "cells"),
        "invalid --space TOML": (["--data", good_data, "--space", str(root / "broken.toml")], 2, "broken.toml"),
        "zero budget": (["--data", good_data, "--max-trials", "0"], 2, "--max-trials must be an integer >= 1"),
        "negative epochs": (["--data", good_data, "--max-epochs", "-2"], 2, "--max-epochs must be an integer >= 1"),
        "unwritable --logdir": (
            ["--data", good_data, "--logdir", str(root / "a-file" / "logs")],
            2,
            "is not a writable directory",
        ),
    }


@pytest.mark.e2e
def test_main_rejects_bad_input_before_touching_the_project(tiny_imdb, tmp_path, capsys):
    logdir = tmp_path / "logs"
    for name, (argv, code, text) in _bad_inputs(tmp_path, str(tiny_imdb)).items():
        logdir_args = [] if "--logdir" in argv else ["--logdir", str(logdir)]
        assert search.main(["imdb", "--tuner", "random", *logdir_args, *argv]) == code, name
        assert text in capsys.readouterr().err, name
        assert not logdir.exists(), name
    assert (tmp_path / "a-file").read_text() == "not a directory"


def _signal_when(command, marks, signals, gap=0.05):
    """Starts `command`; once its output shows one of `marks`, sends `signals` `gap` seconds apart."""
    env = {k: v for k, v in os.environ.items() if k != faults.ENV_VAR}
    process = subprocess.Popen(
        command, env={**env, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        for line in process.stdout:
            if any(mark in line for mark in marks):
                for signum in signals:
                    process.send_signal(signum)
                    time.sleep(gap)
                break
        _, err = process.communicate(timeout=120)
    finally:
        process.kill()
    return process.returncode, err


@pytest.mark.e2e
@pytest.mark.parametrize(
    "signals, code, finish",
    [
        ((signal.SIGINT, signal.SIGINT), 130, True),
        ((signal.SIGTERM, signal.SIGINT, signal.SIGTERM), 143, False),  # three, of both kinds; its state as checked
    ],
)
def test_main_any_rhythm_of_signals_stops_with_state_saved(tiny_imdb, tmp_path, signals, code, finish):
    command, project = _command(tiny_imdb, tmp_path / "logs"), tmp_path / "logs" / "imdb"
    returncode, err = _signal_when(command, ("Epoch 1/",), signals)
    assert returncode == code, err[-3000:]
    assert "state is saved" in err and "Traceback" not in err
    for path in project.rglob("*.json"):
        json.loads(path.read_text())  # no half-written state file
    trials = _trial_files(project)
    assert trials and all(t["status"] in ("IDLE", "COMPLETED") for t in trials.values())  # requeued, not lost
    assert not finish or _run(command).returncode == 0  # and the same command finishes the search


# A storm per tuner whose oracle keeps state of its own: Hyperband (its brackets in oracle.json, and
# continuations that load their parent's checkpoint) and grid search (its order of tried combinations).
# Random and Bayesian search keep the base Oracle's state, under the same DurableOracle: the Bayesian
# search's kills above cover both.
STORMS = {
    "hyperband": (["--max-trials", "3"], ("batch#5", "state#3", "checkpoint#2")),
    "grid": (["--max-trials", "3"], ("batch#5", "state#3", "checkpoint#2")),
}


@pytest.mark.e2e
@pytest.mark.parametrize("tuner", list(STORMS))
def test_main_kill_storm_keeps_every_tuners_trials(tiny_imdb, tmp_path, tuner):
    argv, storm = STORMS[tuner]
    command = _command(tiny_imdb, tmp_path / "logs", "--tuner", tuner, *argv)
    project, completed, kills = tmp_path / "logs" / "imdb", {}, 0
    for fault in storm:
        code = _run(command, fault=fault).returncode
        if code == 0:
            break  # the search ended before this point was reached again
        assert code == KILLED, fault
        kills += 1
        for name, trial in _trial_files(project).items():
            if trial["status"] == "COMPLETED":
                assert completed.setdefault(name, trial) == trial  # a completed trial never changes
    result = _run(command)
    assert result.returncode == 0, result.stderr[-3000:]
    assert kills >= 2
    trials = _trial_files(project)
    assert {t["status"] for t in trials.values()} == {"COMPLETED"} and all(completed[n] == trials[n] for n in completed)
    oracle = json.loads((project / "tuner" / "oracle.json").read_text())
    assert sorted(oracle["end_order"]) == sorted(t["trial_id"] for t in trials.values())  # each ended once
    for name in trials:
        epochs = [e["epoch"] for e in _record(project, name)["epochs"]]
        assert epochs == sorted(set(epochs))  # no epoch trained twice


def test_main_options_are_matched_exactly_and_a_near_miss_is_named(capsys):
    code, err = _main(capsys, "imdb", "--tun", "random")  # a prefix of --tune and --tuner: neither
    assert code == 2 and "unrecognized arguments: --tun random" in err
    code, err = _main(capsys, "imdb", "--max-trial", "5")
    assert code == 2
    assert "unrecognized arguments: --max-trial 5" in err and "did you mean --max-trials?" in err


@pytest.mark.parametrize(
    "dataset, write, argv, text",
    [
        (
            "sequence",
            lambda p: np.savez(p, x=np.full((30, 4, 2), 1e20), y=np.arange(30) % 2),
            [],
            "x holds 240 value(s) too large",
        ),
        (
            "sequence",
            lambda p: np.savez(p, x=np.full((30, 4, 2), 1e39), y=np.arange(30) % 2),
            [],
            "the first x[0, 0, 0] = 1e+39",
        ),
        ("timeseries", lambda p: p.write_text("y\n" + "1\n" * 60 + "6e30\n"), ["--target", "y"], "values too large"),
    ],
)
def test_main_refuses_values_too_large_for_float32_before_writing_anything(
    tmp_path, capsys, dataset, write, argv, text
):
    data = tmp_path / ("data.npz" if dataset == "sequence" else "data.csv")
    write(data)
    logdir = tmp_path / "logs"
    assert search.main([dataset, "--data", str(data), "--logdir", str(logdir), *argv]) == 3
    err = capsys.readouterr().err
    assert text in err and "Rescale" in err and not logdir.exists()


@pytest.mark.e2e
def test_main_resumes_a_trial_whose_latest_epoch_weights_were_damaged_from_the_epoch_before(
    tiny_imdb, tmp_path, capsys
):
    command = _command(tiny_imdb, tmp_path / "logs", "--max-trials", "1", "--max-epochs", "4", "--patience", "4")
    project = tmp_path / "logs" / "imdb"
    assert _run(command, fault="epoch-saved#2").returncode == KILLED  # two epochs saved
    execution = project / "tuner" / "trial_0000" / "execution0"
    with open(execution / "epoch-2.weights.h5", "r+b") as weights:  # truncate -s 1000
        weights.truncate(1000)
    first_epoch = _record(project, "trial_0000")["epochs"][0]
    capsys.readouterr()
    assert search.main(command[3:]) == 0  # the same command, resumed in this process (TensorFlow loaded already)
    out = capsys.readouterr().out
    assert "epoch-2.weights.h5 is damaged: this trial goes on from the epoch before (epoch-1.weights.h5)" in out
    trial = _trial_files(project)["trial_0000"]
    assert trial["status"] == "COMPLETED"  # never FAILED for a damaged file it could do without
    epochs = _record(project, "trial_0000")["epochs"]
    assert [e["epoch"] for e in epochs] == [0, 1, 2, 3] and epochs[0] == first_epoch  # epoch 2 trained again
    assert not list(execution.glob("epoch-*.weights.h5"))  # a finished trial keeps no epoch weights
