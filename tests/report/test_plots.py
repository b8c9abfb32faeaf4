"""The report's PNG figures, drawn from hand-written search directories."""

import pytest

pytest.importorskip("matplotlib")

from fake_search import UNITS_1, trial_state, values, write_search, write_trial  # noqa: E402
from hypermodels import space as sp  # noqa: E402
from kt_rnn.cli import report  # noqa: E402
from kt_rnn.report import plots
from kt_rnn.report import trials as tt  # noqa: E402

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PLOTTED = (sp.CELL, sp.BIDIRECTIONAL, sp.NUM_LAYERS, UNITS_1, sp.DROPOUT, sp.LEARNING_RATE)


def _assert_png(path):
    data = path.read_bytes()
    assert data[:8] == PNG_SIGNATURE and len(data) > 10_000, path


def test_write_all_writes_valid_pngs_with_expected_names(tmp_path):
    search = tt.load(write_search(tmp_path / "logs" / "imdb"))
    written = plots.write_all(search, tmp_path / "plots" / "new")
    expected = [plots.TRIALS_FILE] + [f"objective_vs_{name}.png" for name in PLOTTED]
    assert [p.name for p in written] == expected
    for path in written:
        _assert_png(path)


def test_write_all_skips_fixed_hyperparameters(tmp_path):
    search = tt.load(write_search(tmp_path / "p"))
    names = {p.name for p in plots.write_all(search, tmp_path / "plots")}
    assert f"objective_vs_{sp.RECURRENT_DROPOUT}.png" not in names


def test_write_all_writes_nothing_before_a_trial_has_a_score(tmp_path):
    root = tmp_path / "p"
    write_trial(root / "tuner", trial_state("0", values(), None, status="RUNNING"), [(1.0, 0.6)])
    assert plots.write_all(tt.load(root), tmp_path / "plots") == []
    assert not (tmp_path / "plots").exists()


def test_hyperparameter_figure_uses_log_axis_for_log_sampling(tmp_path):
    search = tt.load(write_search(tmp_path / "p"))
    scored = [t for t in search.trials if t.score is not None]
    assert plots.hyperparameter_figure(search, sp.LEARNING_RATE, scored).axes[0].get_xscale() == "log"
    assert plots.hyperparameter_figure(search, sp.DROPOUT, scored).axes[0].get_xscale() == "linear"


def test_hyperparameter_figure_strips_choices_in_declared_order(tmp_path):
    search = tt.load(write_search(tmp_path / "p"))
    scored = [t for t in search.trials if t.score is not None]
    ax = plots.hyperparameter_figure(search, sp.CELL, scored).axes[0]
    assert [label.get_text() for label in ax.get_xticklabels()] == ["simple_rnn", "gru", "lstm"]
    gru = [x for x, t in zip(ax.collections[1].get_offsets()[:, 0], scored) if t.values[sp.CELL] == "gru"]
    assert len(set(gru)) == len(gru) and all(0.8 < x < 1.2 for x in gru)  # jittered around "gru"


def test_trials_figure_draws_best_so_far(tmp_path):
    search = tt.load(write_search(tmp_path / "p"))
    line = plots.trials_figure(search).axes[0].get_lines()[0]
    assert list(line.get_ydata()) == [0.80, 0.86, 0.86, 0.86]


@pytest.mark.parametrize("figure", ["trials", sp.LEARNING_RATE, sp.CELL])
def test_figures_legend_sits_outside_the_plot_where_it_hides_no_point(tmp_path, figure):
    search = tt.load(write_search(tmp_path / "p"))
    scored = [t for t in search.trials if t.score is not None]
    fig = plots.trials_figure(search) if figure == "trials" else plots.hyperparameter_figure(search, figure, scored)
    fig.canvas.draw()
    (legend,) = fig.legends
    box, plot = legend.get_window_extent(), fig.axes[0].get_window_extent()
    assert not box.overlaps(plot) and box.y1 <= plot.y0  # below the axes
    assert "best: trial 01" in [text.get_text() for text in legend.get_texts()]


def test_main_plot_writes_figures(tmp_path, capsys):
    code = report.main([str(write_search(tmp_path / "p")), "--plot", str(tmp_path / "plots")])
    assert code == 0
    _assert_png(tmp_path / "plots" / plots.TRIALS_FILE)
    assert "Wrote" in capsys.readouterr().err
