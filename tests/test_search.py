"""The command line, run as a user runs it: in a subprocess."""

import re
import subprocess
import sys

import pytest

from kt_rnn import search

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


def test_main_help_is_tensorflow_free():
    result = _cli("--help", probe=True)
    assert result.returncode == 0
    assert "--max-trials" in result.stdout and "--fix NAME=VALUE" in result.stdout
    assert result.stdout.strip().endswith("TF_FREE")


def test_main_unknown_dataset_exits_with_usage_error():
    result = _cli("mnist")
    assert result.returncode == 2
    assert re.search(r"invalid choice: 'mnist' \(choose from '?imdb'?\)", result.stderr)


def test_main_unknown_tuner_lists_the_tuners():
    result = _cli("imdb", "--tuner", "tpe")
    assert result.returncode == 2
    assert re.search(r"invalid choice: 'tpe' \(choose from '?hyperband'?, '?random'?, '?bayesian'?, '?grid'?\)",
                     result.stderr)


def test_main_bad_fix_names_the_valid_hyperparameters_before_importing_tensorflow():
    result = _cli("imdb", "--fix", "cells=gru", probe=True)
    assert result.returncode == 2
    assert "Expected one of ['cell', 'bidirectional'" in result.stderr and "Received: 'cells'" in result.stderr
    assert "TF_FREE" in result.stdout


def test_main_bad_fix_value_states_the_rule():
    result = _cli("imdb", "--fix", "num_layers=7", probe=True)
    assert result.returncode == 2
    assert "num_layers takes a int one of [1, 2, 3]. Received: num_layers='7'" in result.stderr


def test_main_zero_budget_is_a_usage_error():
    result = _cli("imdb", "--max-trials", "0", probe=True)
    assert result.returncode == 2 and "--max-trials must be an integer >= 1" in result.stderr


def test_main_missing_data_path_names_the_fix_and_writes_nothing(tmp_path):
    result = _cli("imdb", "--data", str(tmp_path / "nowhere"), "--logdir", str(tmp_path / "logs"))
    assert result.returncode == 3
    assert "IMDB data not found" in result.stderr and "Pass --data" in result.stderr
    assert not (tmp_path / "logs").exists()


def test_build_parser_defaults_match_the_readme():
    args = search.build_parser().parse_args(["imdb"])
    assert (args.tuner, args.objective, args.logdir, args.validation_split) == ("hyperband", "val_accuracy", "logs", 0.2)


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_main_distributed_chief_and_worker_tune_then_the_chief_exports(tiny_imdb, tmp_path):
    import json
    import os

    argv = [sys.executable, "-m", "kt_rnn.search", "imdb", "--data", str(tiny_imdb), "--tuner", "random",
            "--max-trials", "2", "--max-epochs", "1", "--sequence-length", "16", "--fix", "embedding_dim=8",
            "--logdir", str(tmp_path / "logs")]
    env = {**os.environ, "KERASTUNER_ORACLE_IP": "127.0.0.1", "KERASTUNER_ORACLE_PORT": str(_free_port())}
    chief = subprocess.Popen(argv, env={**env, "KERASTUNER_TUNER_ID": "chief"},
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        worker = subprocess.run(argv, env={**env, "KERASTUNER_TUNER_ID": "tuner0"},
                                capture_output=True, text=True, timeout=300)
        chief_out, _ = chief.communicate(timeout=300)
    finally:
        chief.kill()  # no-op once it has exited
    assert worker.returncode == 0, worker.stderr[-2000:]
    assert "the chief exports" in worker.stdout
    assert chief.returncode == 0, chief_out[-2000:]
    metrics = json.loads((tmp_path / "logs" / "imdb" / "best" / "metrics.json").read_text())
    assert metrics["trials"]["total"] == metrics["trials"]["completed"] == 2
