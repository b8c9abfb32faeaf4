"""The report command on hand-written search directories (no TensorFlow)."""

import csv
import json
import subprocess
import sys

import pytest

from fake_search import UNITS_1, trial_state, values, write_search, write_trial
from hypermodels import space as sp
from kt_rnn.cli import report
from kt_rnn.errors import EXIT_SEARCH, EXIT_USAGE
from kt_rnn.report import trials as tt


def _search(tmp_path, **kwargs):
    return write_search(tmp_path / "logs" / "imdb", **kwargs)


def _by_id(search):
    return {t.trial_id: t for t in search.trials}


def _run(capsys, *argv):
    code = report.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_load_ranks_best_first_and_unscored_after_in_start_order(tmp_path):
    search = tt.load(_search(tmp_path))
    assert [t.trial_id for t in search.ranked()] == ["01", "06", "04", "00", "02", "03", "05"]


def test_load_marks_only_the_best_completed_trial(tmp_path):
    search = tt.load(_search(tmp_path))
    assert [t.trial_id for t in search.trials if t.best] == ["01"]
    assert search.best().score == 0.86


def test_load_reads_previous_copy_of_torn_trial_json(tmp_path):
    trial = _by_id(tt.load(_search(tmp_path)))["04"]
    assert (trial.status, trial.score, trial.values[sp.BIDIRECTIONAL]) == ("COMPLETED", 0.83, True)


def test_load_shows_damaged_trial_as_unreadable(tmp_path):
    trial = _by_id(tt.load(_search(tmp_path)))["05"]
    assert trial.status == tt.UNREADABLE and "damaged" in trial.message


def test_load_leaves_out_inactive_and_tuner_values(tmp_path):
    trials = _by_id(tt.load(_search(tmp_path)))
    assert trials["01"].values[UNITS_1] == 64 and UNITS_1 not in trials["00"].values
    assert not any(name.startswith("tuner/") for name in trials["00"].values)
    assert trials["06"].tuner_values["round"] == 1


def test_load_sums_epochs_and_seconds_over_executions(tmp_path):
    trials = _by_id(tt.load(_search(tmp_path)))
    assert (trials["01"].epochs, trials["01"].seconds) == (3, 7.0)
    assert trials["02"].epochs is None and trials["02"].seconds is None


def test_load_counts_best_epoch_from_hyperband_initial_epoch(tmp_path):
    trials = _by_id(tt.load(_search(tmp_path)))
    assert trials["00"].best_epoch == 2 and trials["06"].best_epoch == 5


def test_load_without_search_json_defaults_to_val_accuracy_max(tmp_path):
    search = tt.load(_search(tmp_path, search_json=False))
    assert (search.objective, search.direction) == ("val_accuracy", "max")
    assert search.hyperband()


def test_load_infers_min_direction_for_a_loss_objective(tmp_path):
    root = tmp_path / "p"
    (root / "tuner").mkdir(parents=True)
    (root / "search.json").write_text(json.dumps({"objective": "val_loss"}))
    for trial_id, score in (("0", 0.5), ("1", 0.3)):
        write_trial(root / "tuner", trial_state(trial_id, values(), score))
    search = tt.load(root)
    assert search.direction == "min" and [t.trial_id for t in search.ranked()] == ["1", "0"]


def test_load_accepts_the_tuner_subdirectory(tmp_path):
    root = _search(tmp_path)
    assert tt.load(root / "tuner").path == root


def test_columns_put_hyperparameters_after_trial_fields(tmp_path):
    columns = tt.columns(tt.load(_search(tmp_path)))
    assert columns[:4] == ["trial_id", "status", "message", "best"]
    assert {"val_accuracy", "bracket", "round", sp.LEARNING_RATE, UNITS_1, sp.RECURRENT_DROPOUT} <= set(columns)
    assert not any(c.startswith("tuner/") for c in columns)


def test_main_prints_table_sorted_by_objective(tmp_path, capsys):
    code, out, _ = _run(capsys, _search(tmp_path))
    assert code == 0
    table = out.split("\n\n")[1].splitlines()
    assert table[0].split()[:3] == ["trial", "status", "val_accuracy"]
    rows = [row for row in table[1:] if not row.startswith("(")]  # "(N more columns: see --csv or --json)"
    assert [row[1:].split()[0] for row in rows] == ["01", "06", "04", "00", "02", "03", "05"]
    assert "0.8600" in table[1] and "0.8000" in table[4]


def test_main_csv_has_one_row_per_trial_with_hyperparameter_columns(tmp_path, capsys):
    path = tmp_path / "trials.csv"
    code, out, err = _run(capsys, _search(tmp_path), "--csv", path)
    assert code == 0 and out == "" and err == f"Wrote {path}\n"  # the file, not the table too
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["trial_id"] for r in rows] == ["01", "06", "04", "00", "02", "03", "05"]
    assert rows[0]["best"] == "True" and rows[0]["val_accuracy"] == "0.86"
    assert rows[0][sp.CELL] == "lstm" and rows[0][UNITS_1] == "64" and rows[1][UNITS_1] == ""
    assert rows[4]["status"] == "FAILED" and "OOM" in rows[4]["message"]


def test_main_json_round_trips_as_records(tmp_path, capsys):
    root = _search(tmp_path)
    path = tmp_path / "trials.json"
    assert _run(capsys, root, "--json", path)[0] == 0
    records = json.loads(path.read_text())
    search = tt.load(root)
    assert records == [tt.record(search, t) for t in search.ranked()]
    assert records[0][sp.LEARNING_RATE] == 3e-3 and records[5]["val_accuracy"] is None


def test_main_table_prints_the_table_beside_the_files(tmp_path, capsys):
    code, out, _ = _run(capsys, _search(tmp_path), "--json", tmp_path / "trials.json", "--table")
    assert code == 0 and "* best: trial 01" in out and (tmp_path / "trials.json").exists()


def test_main_csv_to_stdout_prints_only_the_csv(tmp_path, capsys):
    code, out, _ = _run(capsys, _search(tmp_path), "--csv", "-")
    assert code == 0 and out.splitlines()[0].startswith("trial_id,status,message,best,")


def test_main_missing_directory_exits_with_search_error(tmp_path, capsys):
    code, _, err = _run(capsys, tmp_path / "nowhere")
    assert code == EXIT_SEARCH
    assert "nowhere is not a directory" in err and "python -m kt_rnn.search" in err


def test_main_logdir_instead_of_project_names_the_searches_below(tmp_path, capsys):
    _search(tmp_path)
    code, _, err = _run(capsys, tmp_path / "logs")
    assert code == EXIT_SEARCH
    assert "holds no search" in err and str(tmp_path / "logs" / "imdb") in err


def test_main_refuses_output_inside_the_search_directory(tmp_path, capsys):
    root = _search(tmp_path)
    code, _, err = _run(capsys, root, "--csv", root / "trials.csv")
    assert code == EXIT_USAGE and "outside the search directory" in err
    assert not (root / "trials.csv").exists()


def test_main_leaves_the_search_directory_untouched(tmp_path, capsys):
    root = _search(tmp_path)
    before = {p: p.stat().st_mtime_ns for p in root.rglob("*")}
    _run(capsys, root, "--csv", tmp_path / "t.csv", "--json", tmp_path / "t.json")
    assert {p: p.stat().st_mtime_ns for p in root.rglob("*")} == before


def test_main_plot_without_matplotlib_exits_with_usage_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    code, out, err = _run(capsys, _search(tmp_path), "--plot", tmp_path / "plots")
    assert code == EXIT_USAGE and out == ""
    assert "needs matplotlib" in err and "pip install -e '.[report]'" in err
    assert not (tmp_path / "plots").exists()


def test_main_empty_search_reports_no_trial(tmp_path, capsys):
    (tmp_path / "p" / "tuner").mkdir(parents=True)
    code, out, _ = _run(capsys, tmp_path / "p")
    assert code == 0 and "0 trials yet" in out and "No completed trial with a score yet." in out


def test_main_shows_the_lines_the_exports_task_wrote_of_its_test_scores(tmp_path, capsys):
    root = _search(tmp_path)
    (root / "best").mkdir()
    lines = ["Test accuracy 0.8540 | macro-F1 0.8539", "TF-IDF + logistic regression: test accuracy 0.8990"]
    (root / "best" / "metrics.json").write_text(json.dumps({"test": {"accuracy": 0.854}, "test_lines": lines}))
    code, out, _ = _run(capsys, root)
    assert code == 0
    assert out.splitlines()[-2:] == [f"Export: {lines[0]}", f"  {lines[1]}"]


def test_main_says_when_the_export_is_a_forecasters_base_alone(tmp_path, capsys):
    root = _search(tmp_path)
    (root / "best").mkdir()
    base = {"hparams": {"window": 16, "predict": "seasonal"}, "line": "Exported the base alone (window=16, ...)"}
    metrics = {"test": {"model": {"mae": 12.0}}, "test_lines": ["test MAE 12 | naive 14"], "exported_base": base}
    (root / "best" / "metrics.json").write_text(json.dumps(metrics))
    code, out, _ = _run(capsys, root)
    assert code == 0
    assert out.splitlines()[-2:] == ["Exported the base alone (window=16, ...)", "Export: test MAE 12 | naive 14"]


def test_main_says_what_the_export_serves_and_how_far_its_network_was_ahead_of_its_base(tmp_path, capsys):
    root = _search(tmp_path)
    (root / "best").mkdir()
    line = "Trial 03's validation MAE 1.2 against 1.35 for the best base alone (window=16, predict=seasonal): 11% lower"
    metrics = {
        "test": {"model": {"mae": 12.0}},
        "test_lines": ["test MAE 12 | naive 14"],
        "base_comparison": {"line": line},
        "exported_model": "the mean of 5 refits on train + validation",
    }
    (root / "best" / "metrics.json").write_text(json.dumps(metrics))
    code, out, _ = _run(capsys, root)
    assert code == 0
    assert out.splitlines()[-3:] == [
        line,
        "Exported: the mean of 5 refits on train + validation",
        "Export: test MAE 12 | naive 14",
    ]


def test_main_points_to_the_scores_of_an_export_written_without_its_lines(tmp_path, capsys):
    root = _search(tmp_path)
    (root / "best").mkdir()
    (root / "best" / "metrics.json").write_text(json.dumps({"test": {"accuracy": 0.854}}))
    code, out, _ = _run(capsys, root)
    assert code == 0 and out.splitlines()[-1].startswith("Export: test scores in best/metrics.json")


def test_main_without_an_export_shows_no_test_scores(tmp_path, capsys):
    code, out, _ = _run(capsys, _search(tmp_path))
    assert code == 0 and "Export:" not in out


def test_cli_subprocess_prints_the_table(tmp_path):
    root = _search(tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "kt_rnn.report", str(root)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "* best: trial 01" in result.stdout and "hyperband search on imdb" in result.stdout


def test_cli_help_and_report_do_not_import_tensorflow(tmp_path):
    root = _search(tmp_path)
    probe = (
        "import sys; from kt_rnn.cli import report; "
        "codes = [report.main(sys.argv[1:])]\n"
        "try:\n    report.main(['--help'])\nexcept SystemExit as e:\n    codes.append(e.code)\n"
        "print(codes, sorted(m for m in ('tensorflow', 'keras', 'keras_tuner', 'matplotlib') "
        "if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", probe, str(root)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "[0, 0] []"


@pytest.mark.e2e
@pytest.mark.parametrize(
    "task, project, objective",
    [
        ("text", "imdb", "val_accuracy"),
        ("sequence", "sequences", "val_accuracy"),  # projects are named after the data files
        ("timeseries", "wave", "val_loss"),
    ],
)
def test_main_reads_a_real_search_of_every_task(request, capsys, task, project, objective):
    finished = request.getfixturevalue(f"finished_{task}_search")
    capsys.readouterr()  # what the search printed, if this test made it
    trials = sorted(p.name[len("trial_") :] for p in (finished.logdir / project / "tuner").glob("trial_*"))
    code, out, _ = _run(capsys, finished.logdir / project, "--json", "-")
    assert code == 0
    rows = json.loads(out)
    assert sorted(row["trial_id"] for row in rows) == trials and all(row["status"] == "COMPLETED" for row in rows)
    code, out, _ = _run(capsys, finished.logdir / project)
    assert code == 0 and f"objective {objective}" in out
    assert ("TF-IDF + logistic regression: test accuracy" in out) == (task == "text")  # the text baseline


@pytest.mark.parametrize(
    "argv0, prog",
    [("/venv/bin/kt-rnn-report", "kt-rnn-report"), ("/repo/kt_rnn/report/__main__.py", "python -m kt_rnn.report")],
)
def test_build_parser_names_the_command_as_the_user_ran_it(monkeypatch, argv0, prog):
    monkeypatch.setattr(sys, "argv", [argv0])
    assert report.build_parser().prog == prog
    assert report.build_parser().format_usage().startswith(f"usage: {prog} ")
