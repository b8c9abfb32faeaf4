"""The report's forms of a search read by `kt_rnn.report.trials`: text lines (a headline, the table of
trials fitted to the terminal, the best trial, the export's test scores), CSV and JSON.

Pure Python, like the rest of the reading side: no TensorFlow.
"""

import collections
import csv
import json
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TextIO

from hypermodels import space as sp
from kt_rnn.report import trials as tt

REASON_WIDTH = 60
NAME_SHORT, REASON_SHORT = 10, 24  # what a column keeps when the table is too wide for the terminal
MIN_REASON = 8
REASON = "reason"  # the last column: why a trial failed, or how far a running one got
NO_TERMINAL_WIDTH = 120  # the table's width when no terminal says (a pipe, a file): `COLUMNS` overrides it


def render(search: tt.Search, width: int | None = None) -> list[str]:
    """The report as lines of text: a headline, the table of trials (fitted to `width`), the best trial."""
    lines = [_headline(search), _counts(search.trials), ""]
    if search.trials:
        lines += table(search, search.ranked(), width) + [""]
    fixed = {n: e["config"].get("value") for n, e in search.space.items() if search.is_fixed(n)}
    if fixed:
        lines.append("Fixed in every trial: " + ", ".join(f"{n}={_text(v)}" for n, v in fixed.items()))
    lines.append(_best_line(search))
    return lines + _export_lines(search)


def _export_lines(search):
    """What the export's task said of its test scores (`metrics.json` `test_lines`), and of its base (exported
    instead of the network, or beaten by it on validation)."""
    export = search.export or {}
    base = (export.get("exported_base") or export.get("base_comparison") or {}).get("line")
    lines = export.get("test_lines")
    if lines is None:  # no export, or one written before kt_rnn kept its lines
        return ["Export: test scores in best/metrics.json (by an earlier kt_rnn, which kept no summary)"] * bool(
            export.get("test")
        )
    # What the export serves (an export written before metrics.json said so has none).
    served = [f"Exported: {export['exported_model']}"] if export.get("exported_model") else []
    return [
        *([base] if base else []),
        *served,
        *(f"Export: {line}" if i == 0 else f"  {line}" for i, line in enumerate(lines)),
    ]


def table(search: tt.Search, trials: Sequence[tt.Trial], width: int | None = None) -> list[str]:
    """Lines of an aligned text table, one row per trial; numbers right-aligned.

    Columns blank in every row are left out, and the table fits `width` characters
    (default: the terminal's, else `COLUMNS`, else `NO_TERMINAL_WIDTH`): long texts and
    names are shortened, then the hyperparameter columns that matter least (`hypermodels.space.
    IMPORTANCE`) are left out, with a note (--csv and --json keep every column).
    """
    cols, first = _table_columns(search)
    raw = [[get(t) for _, get, _ in cols] for t in trials]
    kept = [i for i, (h, _, _) in enumerate(cols) if not h or any(row[i] not in (None, "") for row in raw)]
    first -= sum(i not in kept for i in range(first))
    cols, raw = [cols[i] for i in kept], [[row[i] for i in kept] for row in raw]
    header = [h for h, _, _ in cols]
    cells = [[_cell(v, fmt) for v, (_, _, fmt) in zip(row, cols)] for row in raw]
    right = [_is_numeric([row[i] for row in raw]) for i in range(len(cols))]
    header, cells, right, left_out = _fit([header, *cells], right, width or _terminal_width(), first)
    lines = [_line(row, _widths([header, *cells]), right) for row in [header, *cells]]
    if left_out:
        lines.append(f"({left_out} more column{'s' * (left_out > 1)}: see --csv or --json)")
    return lines


def _terminal_width() -> int:
    """`COLUMNS` if set, else the terminal's width (stdout's, or stderr's while stdout is piped), else 120."""
    if os.environ.get("COLUMNS", "").isdigit():
        return int(os.environ["COLUMNS"])
    for stream in (sys.stdout, sys.stderr):
        try:
            if stream.isatty():
                return os.get_terminal_size(stream.fileno()).columns
        except (AttributeError, OSError, ValueError):  # a stream without a descriptor (captured, closed)
            continue
    return NO_TERMINAL_WIDTH


def _widths(rows: Sequence[Sequence[str]]) -> list[int]:
    return [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]


def _total(rows: Sequence[Sequence[str]]) -> int:
    return sum(_widths(rows)) + 2 * (len(rows[0]) - 1)


def _fit(rows, right, width, first):
    """Shortens texts and names, then leaves out columns from the right (a reason column stays last); the
    `first` columns (best mark, trial, status, objective, epochs, time, ...) are never shortened or left out."""
    reason = rows[0][-1] == REASON  # blank in every row, it was left out: the last column is then a name's
    if _total(rows) > width:
        last = REASON_SHORT if reason else NAME_SHORT
        rows = [
            [c if i < first else _shorten(c, last if i == len(row) - 1 else NAME_SHORT) for i, c in enumerate(row)]
            for row in rows
        ]
    left_out, keep = 0, 1 if reason else 0
    while _total(rows) > width and len(rows[0]) > first + keep:
        rows = [row[: len(row) - 1 - keep] + row[len(row) - keep :] for row in rows]  # the last hyperparameter
        right = right[: len(right) - 1 - keep] + right[len(right) - keep :]
        left_out += 1
    room = width - (_total(rows) - _widths(rows)[-1])  # what the reason may still take
    if reason and _total(rows) > width and room >= MIN_REASON:
        rows = [row[:-1] + [_shorten(row[-1], room)] for row in rows]
    return rows[0], rows[1:], right, left_out


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def write_csv(search: tt.Search, file: TextIO) -> None:
    """Writes every trial as a CSV row, best first; blank cells for missing values."""
    writer = csv.DictWriter(file, fieldnames=tt.columns(search))
    writer.writeheader()
    writer.writerows(tt.record(search, t) for t in search.ranked())


def write_json(search: tt.Search, file: TextIO) -> None:
    """Writes every trial as a JSON list of flat objects, best first; `null` for missing values."""
    json.dump([tt.record(search, t) for t in search.ranked()], file, indent=2)
    file.write("\n")


def _table_columns(search):
    """`([(header, value of a trial, format)], how many lead and are never shortened or left out)`."""
    columns = [
        ("", lambda t: "*" if t.best else "", str),
        ("trial", lambda t: t.trial_id, str),
        ("status", lambda t: t.status, str),
        (search.objective, lambda t: t.score, "{:.4f}".format),
        ("best_epoch", lambda t: t.best_epoch, _text),
        ("epochs", lambda t: t.epochs, _text),
        ("time", lambda t: t.seconds, _duration),
    ]
    first = len(columns)
    if search.hyperband():  # a continuation's epochs and best epoch count from its parent's: name it (left out last)
        columns.append((tt.CONTINUES, lambda t: t.tuner_values.get(tt.PARENT), str))
    searched = [n for n in search.space if not search.is_fixed(n)]
    columns += [(n, lambda t, n=n: t.values.get(n), _text) for n in sorted(searched, key=_importance)]
    if any(tt.cudnn_eligible(t) is False for t in search.trials):  # a trial that would leave cuDNN on a GPU
        columns.append(("cuDNN", tt.cudnn_eligible, lambda eligible: "yes" if eligible else "no"))
    if search.hyperband():  # after the hyperparameters: the first to go in a narrow terminal
        columns += [(c, lambda t, c=c: t.tuner_values.get(c), _text) for c in tt.HYPERBAND_COLUMNS]
    return columns + [(REASON, _reason, str)], first


def _importance(name: str) -> int:
    """Where `name` comes in `IMPORTANCE` (what most often decides a score first); unknown names last."""
    return sp.IMPORTANCE.index(name) if name in sp.IMPORTANCE else len(sp.IMPORTANCE)


def _cell(value: Any, fmt: Callable[[Any], str]) -> str:
    return "" if value is None else fmt(value)


def _is_numeric(values: Iterable[object]) -> bool:
    present = [v for v in values if v is not None and v != ""]
    return bool(present) and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present)


def _line(cells: Sequence[str], widths: Sequence[int], right: Sequence[bool]) -> str:
    padded = [c.rjust(w) if r else c.ljust(w) for c, w, r in zip(cells, widths, right)]
    return "  ".join(padded).rstrip()


def _text(value: object) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f}s"
    minutes, rest = divmod(round(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{rest:02d}s"
    return "{}h{:02d}m".format(*divmod(minutes, 60))


def _reason(trial: tt.Trial) -> str:
    if trial.message:
        lines = [line.strip() for line in str(trial.message).splitlines() if line.strip()]
        last = lines[-1] if lines else ""  # a traceback's last line names the error
        return last if len(last) <= REASON_WIDTH else last[: REASON_WIDTH - 3] + "..."
    if trial.status == tt.RUNNING and trial.so_far:
        return "so far {:.4f} at epoch {}".format(*trial.so_far)
    return ""


def _headline(search: tt.Search) -> str:
    tuner = search.info.get("tuner") or ("hyperband" if search.hyperband() else "")
    dataset = search.info.get("dataset")
    what = " ".join(filter(None, [tuner, "search"])) + (f" on {dataset}" if dataset else "")
    better = "higher" if search.direction == "max" else "lower"
    return f"{search.path}: {what}; objective {search.objective} ({better} is better)"


def _counts(trials: Sequence[tt.Trial]) -> str:
    counts = collections.Counter(t.status.lower() for t in trials)
    detail = ", ".join(f"{n} {status}" for status, n in counts.most_common())
    return f"{len(trials)} trials" + (f": {detail}" if detail else " yet")


def _best_line(search: tt.Search) -> str:
    best = search.best()
    if best is None:
        return "No completed trial with a score yet."
    at = f" at epoch {best.best_epoch}" if best.best_epoch else ""
    return f"* best: trial {best.trial_id}, {search.objective} {best.score:.4f}{at}"
