"""PNG figures of a search: the objective per trial, and against each hyperparameter.

Imported only for `python -m kt_rnn.report --plot`: needs matplotlib
(`pip install -e '.[report]'`). Draws on matplotlib's Agg canvas directly: no
pyplot, no display, no global backend switch.
"""

import pathlib
import random
import re
from collections.abc import Iterable, Sequence
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from kt_rnn.report import trials as tt

TRIALS_FILE = "objective_by_trial.png"
HYPERPARAMETER_FILE = "objective_vs_{}.png"
FAILED = ("FAILED", "INVALID", tt.UNREADABLE)
MAX_STRIP_INTS = 10  # an Int range with at most this many values is drawn as categories
MAX_TICK_LABELS = 30
JITTER = 0.15
DPI = 120


def write_all(search: tt.Search, directory: pathlib.Path) -> list[pathlib.Path]:
    """Writes the figures of `search` into `directory` (created); returns their paths.

    `objective_by_trial.png`: every scored trial in start order with the best so
    far; `objective_vs_<name>.png` for each hyperparameter that is not fixed.
    Nothing is written while no trial has a score.
    """
    scored = [t for t in search.trials if t.score is not None]
    if not scored:
        return []
    directory.mkdir(parents=True, exist_ok=True)
    paths = [_save(trials_figure(search), directory / TRIALS_FILE)]
    for name in search.space:
        points = [t for t in scored if name in t.values]
        if points and not search.is_fixed(name):
            path = directory / HYPERPARAMETER_FILE.format(re.sub(r"[^\w.-]", "_", name))
            paths.append(_save(hyperparameter_figure(search, name, points), path))
    return paths


def trials_figure(search: tt.Search) -> Figure:
    """The objective of each scored trial in start order, the best so far, failed trials as x."""
    fig, ax = _figure()
    position = {t.trial_id: i for i, t in enumerate(search.trials, 1)}
    scored = [t for t in search.trials if t.score is not None]
    xs, ys = [position[t.trial_id] for t in scored], [t.score for t in scored]
    _scatter(fig, ax, xs, scored)
    ax.step(xs, _running_best(ys, search.direction), where="post", color="C1", label="best so far")
    failed = [position[t.trial_id] for t in search.trials if t.status in FAILED]
    if failed:
        ax.scatter(
            failed, [0.03] * len(failed), marker="x", color="C3", label="failed", transform=ax.get_xaxis_transform()
        )
    _star_best(ax, search, position.get)
    if len(search.trials) <= MAX_TICK_LABELS:
        ax.set_xticks(list(position.values()), list(position), rotation=90)
    ax.set(xlabel="trial, in start order", ylabel=search.objective, title=_title(search, "per trial"))
    _legend(fig, ax)
    return fig


def hyperparameter_figure(search: tt.Search, name: str, trials: Sequence[tt.Trial]) -> Figure:
    """The objective against one hyperparameter: a strip plot for categories, else a scatter."""
    fig, ax = _figure()
    entry = search.space[name]
    values = [t.values[name] for t in trials]
    categories = _categories(entry, values)
    if categories is None:
        xs = values
        if entry["config"].get("sampling") == "log" and min(values) > 0:
            ax.set_xscale("log")
    else:
        xs = _jittered([categories.index(v) for v in values])
        ax.set_xticks(range(len(categories)), [_label(c) for c in categories])
        ax.set_xlim(-0.5, len(categories) - 0.5)
        _category_best(ax, search.direction, [categories.index(v) for v in values], trials)
    _scatter(fig, ax, xs, trials)
    x_of = dict(zip((t.trial_id for t in trials), xs)).get
    _star_best(ax, search, x_of)
    ax.set(xlabel=name, ylabel=search.objective, title=_title(search, f"against {name}"))
    _legend(fig, ax)
    return fig


def _legend(fig: Figure, ax: Any) -> None:
    """The legend below the plot, where it can hide no point (inside, "best" still covers some)."""
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels), frameon=False)


def _figure():
    fig = Figure(figsize=(7, 4.5), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.grid(alpha=0.3)
    return fig, ax


def _save(fig: Figure, path: pathlib.Path) -> pathlib.Path:
    fig.savefig(path, dpi=DPI)
    return path


def _title(search: tt.Search, against: str) -> str:
    better = "higher" if search.direction == "max" else "lower"
    return f"{search.objective} {against} ({better} is better)"


def _scatter(fig, ax, xs, trials):
    """Plots the trials' scores; coloured by epochs of training when those differ (Hyperband)."""
    epochs = [t.tuner_values.get("epochs", t.epochs) for t in trials]
    ys = [t.score for t in trials]
    if None in epochs or len(set(epochs)) < 2:
        ax.scatter(xs, ys, color="C0", alpha=0.8, zorder=2, label="trial")
        return
    points = ax.scatter(xs, ys, c=epochs, cmap="viridis", alpha=0.8, zorder=2, label="trial")
    fig.colorbar(points, ax=ax, label="epochs of training", ticks=MaxNLocator(integer=True))


def _star_best(ax, search, x_of):
    best = search.best()
    if best is not None and x_of(best.trial_id) is not None:
        ax.scatter(
            [x_of(best.trial_id)],
            [best.score],
            marker="*",
            s=250,
            color="gold",
            edgecolors="black",
            zorder=3,
            label=f"best: trial {best.trial_id}",
        )


def _running_best(ys, direction):
    pick = max if direction == "max" else min
    best, out = None, []
    for y in ys:
        best = y if best is None else pick(best, y)
        out.append(best)
    return out


def _categories(entry, values):
    """The ordered categories of a Choice, Boolean or short Int range; `None` for a numeric axis."""
    kind, config = entry.get("class_name"), entry.get("config", {})
    if kind == "Choice":
        known = list(config.get("values") or [])
    elif kind == "Boolean":
        known = [False, True]
    elif kind == "Int" and config.get("sampling", "linear") == "linear" and _short_range(config):
        known = list(range(config["min_value"], config["max_value"] + 1, config.get("step") or 1))
    elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return None
    else:
        known = []
    return known + sorted({v for v in values if v not in known}, key=str)


def _short_range(config: dict[str, Any]) -> bool:
    low, high, step = config.get("min_value"), config.get("max_value"), config.get("step") or 1
    return isinstance(low, int) and isinstance(high, int) and (high - low) // step + 1 <= MAX_STRIP_INTS


def _jittered(indices: Iterable[int]) -> list[float]:
    rng = random.Random(0)
    return [i + rng.uniform(-JITTER, JITTER) for i in indices]


def _category_best(ax, direction, indices, trials):
    pick = max if direction == "max" else min
    best = {}
    for i, t in zip(indices, trials):
        best[i] = t.score if i not in best else pick(best[i], t.score)
    ax.hlines(list(best.values()), [i - 0.3 for i in best], [i + 0.3 for i in best], color="C1", label="best per value")


def _label(value: object) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)
