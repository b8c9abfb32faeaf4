"""The report's text table on hand-written search directories (no TensorFlow)."""

import pytest

from fake_search import write_search
from hypermodels import space as sp
from kt_rnn.report import trials as tt
from kt_rnn.report import views


def _search(tmp_path, **kwargs):
    return write_search(tmp_path / "logs" / "imdb", **kwargs)


def _by_id(search):
    return {t.trial_id: t for t in search.trials}


def test_render_marks_best_and_shows_failure_reason(tmp_path):
    lines = views.render(tt.load(_search(tmp_path)), width=1000)
    rows = {line.split()[1] if line.startswith("*") else line.split()[0]: line for line in lines[4:11]}
    assert rows["01"].startswith("*") and not rows["06"].startswith("*")
    assert rows["02"].rstrip().endswith("ResourceExhaustedError: OOM when allocating tensor")
    assert "Traceback" not in "\n".join(lines)
    assert lines[-1] == "* best: trial 01, val_accuracy 0.8600 at epoch 2"


def test_render_leaves_out_columns_blank_in_every_trial(tmp_path):
    search = tt.load(_search(tmp_path))
    search.space["units_2"] = {
        "class_name": "Int",
        "config": {"name": "units_2", "min_value": 16, "max_value": 128, "step": 16},
    }
    header = views.table(search, search.ranked(), width=1000)[0].split()
    assert sp.LEARNING_RATE in header and "units_2" in tt.columns(search)  # no trial has a third layer
    assert "units_2" not in header and sp.RECURRENT_DROPOUT not in header


@pytest.mark.parametrize("width", [80, 100, 120])
def test_render_fits_the_terminal_width_and_says_what_it_left_out(tmp_path, width):
    search = tt.load(_search(tmp_path))
    lines = views.table(search, search.ranked(), width=width)
    assert all(len(line) <= width for line in lines)
    assert lines[0].split()[:4] == ["trial", "status", "val_accuracy", "best_epoch"]
    full = views.table(search, search.ranked(), width=1000)
    assert len(full[0]) > width and "--csv or --json" in lines[-1]  # the way to every column is named
    assert len(lines) == len(full) + 1


def test_render_shows_running_trial_progress_and_fixed_values(tmp_path):
    text = "\n".join(views.render(tt.load(_search(tmp_path)), width=1000))
    assert "so far 0.7500 at epoch 2" in text
    assert f"Fixed in every trial: {sp.RECURRENT_DROPOUT}=0" in text
    assert "7 trials: 4 completed, 1 failed, 1 running, 1 unreadable" in text


def test_render_shows_which_trials_would_leave_cudnn_on_a_gpu(tmp_path):
    search = tt.load(_search(tmp_path))
    header, *rows = views.table(search, search.ranked(), width=1000)
    by_id = {t.trial_id: tt.cudnn_eligible(t) for t in search.trials}
    assert "cuDNN" in header.split() and False in by_id.values()  # the fake search has a simple_rnn trial
    simple = next(t.trial_id for t in search.trials if t.values.get(sp.CELL) == "simple_rnn")
    assert by_id[simple] is False
    assert tt.record(search, _by_id(search)[simple])[tt.CUDNN] is False


def test_render_has_no_cudnn_column_when_every_trial_would_run_on_it(tmp_path):
    search = tt.load(_search(tmp_path))
    search.trials = [t for t in search.trials if t.values.get(sp.CELL) != "simple_rnn"]
    assert "cuDNN" not in views.table(search, search.ranked(), width=1000)[0].split()


def test_table_names_the_trial_a_hyperband_continuation_goes_on_from(tmp_path):
    search = tt.load(_search(tmp_path))
    header, *rows = views.table(search, search.ranked(), width=1000)
    column = header.split().index(tt.CONTINUES)
    continuation = next(row for row in rows if row.split()[0] == "06")  # epochs 4, best epoch 5: after trial 00
    assert continuation.split()[column] == "00"
    assert tt.record(search, _by_id(search)["06"])[tt.CONTINUES] == "00"


def test_table_keeps_the_hyperparameters_that_matter_most_when_columns_are_left_out(tmp_path):
    search = tt.load(_search(tmp_path))
    header = views.table(search, search.ranked(), width=120)[0].split()
    assert header[6] == tt.CONTINUES and header[7].startswith("learning_")  # IMPORTANCE order, not the space's
    assert sp.CELL in views.table(search, search.ranked(), width=1000)[0].split()


def test_table_without_a_reason_column_leaves_out_the_hyperparameters_that_matter_least(tmp_path):
    search = tt.load(_search(tmp_path))
    search.trials = [t for t in search.trials if t.status == "COMPLETED"]  # no reason to show: no reason column
    full = views.table(search, search.ranked(), width=1000)[0].split()
    header = views.table(search, search.ranked(), width=90)[0].split()
    assert "reason" not in full and len(header) < len(full)
    assert all(f.startswith(h.rstrip("…")) for h, f in zip(header, full))  # the last ones went (names shortened)


def test_table_fits_columns_or_120_characters_without_a_terminal(tmp_path, monkeypatch):
    search = tt.load(_search(tmp_path))
    monkeypatch.delenv("COLUMNS", raising=False)
    assert max(map(len, views.table(search, search.ranked()))) <= views.NO_TERMINAL_WIDTH  # piped: not 160 wide
    monkeypatch.setenv("COLUMNS", "90")
    assert max(map(len, views.table(search, search.ranked()))) <= 90
