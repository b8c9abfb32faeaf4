"""A user's time series, read from a CSV file with a header row, for forecasting.

`python -m kt_rnn.search timeseries --data sales.csv --target Sales --date-column Month`
reads one target column, optional feature columns (numbers, or categories
one-hot encoded with `--categorical`) and an optional date column that orders
the rows and names the series' frequency. Forecasting needs equally spaced,
complete steps, so missing values are an error unless `--fill-missing` says
how to fill them, and the rows are put in date order when they are not.

Everything the user may need to check (rows sorted, values filled, columns
added) is returned as `notes`; anything that would make the forecast
meaningless is a `DataError` naming the column, the line of the file and the
fix. `split_sizes` and `check_length` size the chronological validation and
test parts. Pure Python + numpy (csv, no TensorFlow import), so bad data is
reported before any heavy import.
"""

import csv
import dataclasses
import math
import os
import pathlib
import re
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from kt_rnn import data
from kt_rnn.data import tables
from kt_rnn.errors import DataError, UsageError

DELIMITERS = ",;\t|"
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
SAMPLE_CHARS = tables.SAMPLE_CHARS
MISSING = frozenset({"", "na", "nan", "null"})  # compared lower-cased
FILL_MODES = ("ffill", "interpolate", "drop")
DATE_FORMS = "YYYY-MM-DD, YYYY-MM, YYYY, 'YYYY-MM-DD HH:MM[:SS]' or YYYY/MM/DD"
DEFAULT_SHARE = 0.15  # of the rows, for each of the validation and test parts
_SHOWN = 5  # lines, values or columns quoted in one message
_DATE = re.compile(r"\d{4}(-\d\d(-\d\d([T ]\d\d(:\d\d(:\d\d(\.\d+)?)?)?(Z|[+-]\d\d:?\d\d)?)?)?)?")
_UNPADDED = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?=$|[T ])")
_DECIMAL_COMMA = re.compile(r"[+-]?\d+(,\d+)+")
_DAY = 86400
_NAMED_DAYS = ((1, 1, "daily"), (7, 7, "weekly"), (28, 31, "monthly"), (89, 92, "quarterly"), (365, 366, "yearly"))
_CALENDAR = ("monthly", "quarterly", "yearly")  # steps of varying length in days


@dataclasses.dataclass
class Series:
    """A time series read from a CSV file: the target and input columns, in time order.

    Args:
        values: float64 array of shape `[T, n_inputs]`, rows in time order;
            column 0 is the target.
        columns: the input column names, target first; a one-hot encoded
            column `col` gives one column per value, named `"col=value"`.
        target: the target column's name.
        dates: numpy `datetime64` array of shape `[T]`, sorted, or `None`
            (no date column: row order is time order).
        frequency: inferred from the dates: `"daily"`, `"weekly"`,
            `"monthly"`, `"quarterly"`, `"yearly"`, `"hourly"`,
            `"every 3 days"`, ..., or `None` without dates.
        source: absolute path the series was read from.
        notes: human-readable lines about what was detected, sorted, filled
            or dropped, to show the user.
    """

    values: np.ndarray
    columns: tuple[str, ...]
    target: str
    dates: np.ndarray | None
    frequency: str | None
    source: str
    notes: list[str]


@dataclasses.dataclass
class _Table:
    path: pathlib.Path
    delimiter: str
    header: list[str]  # stripped column names
    lines: np.ndarray  # file line number of each data row
    cells: list[list[str]]  # [row][column] stripped strings, rows padded to the header's width

    def column(self, index: int) -> list[str]:
        return [row[index] for row in self.cells]

    def columns(self) -> str:
        return ", ".join(repr(name) for name in self.header)


def read(
    path: str | os.PathLike[str],
    target: str | int,
    features: str | Sequence[str | int] | None = None,
    date_column: str | int | None = None,
    fill_missing: str | None = None,
    categorical: Sequence[str | int] = (),
) -> Series:
    """Reads a time series from a CSV file with a header row.

    Args:
        path: a delimited text file (comma, semicolon, tab or pipe separated,
            values optionally quoted; UTF-8, with or without BOM) whose first
            row names the columns. Empty cells and `NA`, `NaN`, `null` are
            missing values.
        target: the column to forecast: a header name or a 0-based index
            (int or digit string).
        features: other input columns: `None` (the default: the target
            only), a list of names/indices, a comma-separated string, or
            `"all"` (every numeric column but the date column). The target
            is always the first input.
        date_column: the column of dates (ISO forms such as `1981-01-01`,
            `1949-01`, `2020-01-01 10:00`, or `1981/01/01`). Defaults to
            `None`: row order is time order. Rows out of order are sorted
            (noted); duplicate dates are an error.
        fill_missing: how to fill missing inputs: `None` (the default:
            missing values are an error), `"ffill"` (the last value before;
            a leading gap takes the first value), `"interpolate"` (linear in
            time order, ends held) or `"drop"` (rows with a missing input
            are dropped, which leaves unequal steps).
        categorical: columns whose values are categories, one-hot encoded
            into one 0/1 column per value (sorted), named `"col=value"`;
            they are inputs even when `features` leaves them out. Defaults
            to `()`.

    Returns:
        A `Series`.

    Raises:
        DataError: the file is missing, unreadable or has fewer than 2 rows;
            a column does not exist; a date does not parse or repeats; an
            input is not numeric, infinite, or missing without `fill_missing`.
        UsageError: an unknown `fill_missing` mode, a categorical target, or
            the date column used as an input.

    Example:

    >>> series = read("airline-passengers.csv", "Passengers", date_column="Month")  # doctest: +SKIP
    >>> series.values.shape, series.frequency  # doctest: +SKIP
    ((144, 1), 'monthly')
    """
    _check_fill_mode(fill_missing)
    notes: list[str]
    table, notes = _read_table(_resolve(path)), []
    target_index, date_index, inputs, categories = _choose(table, target, features, date_column, categorical, notes)
    notes.insert(0, _layout_note(table, target_index, date_index))
    order, dates = _dates(table, date_index, notes)
    table = _reordered(table, order)
    blocks = [_block(table, i, i in categories, notes) for i in inputs]
    values, columns = np.concatenate([b for b, _ in blocks], axis=1), sum((c for _, c in blocks), ())
    values, dates = _fill(table, inputs, values, dates, fill_missing, notes)
    return Series(
        values, columns, table.header[target_index], dates, _frequency(dates, table, notes), str(table.path), notes
    )


def latest_window(path: str | os.PathLike[str], settings: Mapping[str, Any]) -> np.ndarray:
    """The last `window` rows of a CSV laid out as a forecast search's data, as its export reads them.

    Read as the search read its file (`settings["reading"]`: rows sorted by date, gaps filled the
    same way, categorical columns one-hot encoded), then put in the export's column order
    (`settings["features"]`, target first): a category the training part never had is left out
    (all its columns 0), one the rows lack is 0.

    Args:
        path: the CSV (the search's file with new rows, or just the recent rows with its header).
        settings: the export's `hparams.json`: `features`, `target`, `window`, `reading`.

    Returns:
        float32 array `[window, len(features)]`, the raw values the export takes.

    Raises:
        DataError: what `read` refuses, or fewer than `window` rows.
    """
    reading = settings.get("reading") or {}
    columns, categorical = list(settings["features"]), list(reading.get("categorical") or ())
    encoded = {c for c in columns if c.split("=", 1)[0] in categorical and "=" in c}
    raw = [c for c in columns[1:] if c not in encoded]
    data = read(path, settings["target"], raw, reading.get("date_column"), reading.get("fill_missing"), categorical)
    index = {name: i for i, name in enumerate(data.columns)}
    values = np.stack([data.values[:, index[c]] if c in index else np.zeros(len(data.values)) for c in columns], axis=1)
    window = int(settings["window"])
    if len(values) < window:
        raise DataError(
            f"{str(data.source)!r} has {len(values)} rows to read; the export reads the last {window}. "
            f"Give at least {window} rows (the file's whole history works too)."
        )
    return values[-window:].astype("float32")


def _check_fill_mode(mode: str | None) -> None:
    if mode is not None and mode not in FILL_MODES:
        raise UsageError(
            f"Unknown --fill-missing mode. Expected one of {', '.join(FILL_MODES)}. Received: fill_missing={mode!r}."
        )


def _resolve(path: str | os.PathLike[str]) -> pathlib.Path:
    path = pathlib.Path(path).expanduser().resolve()
    if not path.is_file():
        raise DataError(
            f"Time series not found at {str(path)!r}. Pass --data with a CSV file whose header "
            f"row names the columns, e.g. 'Month,Sales' then one row per time step."
        )
    return path


# The table.


def _read_table(path):
    text = _decode(path)
    delimiter = _delimiter(text)
    try:
        rows = [(line, [field.strip() for field in fields]) for line, fields in tables.rows(text, delimiter)]
    except csv.Error as e:
        raise DataError(f"{str(path)!r} is not a readable CSV file ({e}). Save it as CSV in UTF-8.") from None
    if not rows:
        raise DataError(
            f"{str(path)!r} is empty. Pass --data with a CSV file: a header row, then one row per time step."
        )
    header = _header(path, rows[0][1])
    body = _body(path, header, rows[1:])
    lines = np.asarray([line for line, _ in rows[1:]], dtype=np.int64)
    return _Table(path, delimiter, header, lines, body)


def _decode(path: pathlib.Path) -> str:
    try:
        data = path.read_bytes()
    except OSError as e:
        raise DataError(f"Cannot read {str(path)!r}: {e}. Check its permissions.") from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise DataError(
            f"{str(path)!r} is not UTF-8 text (byte {data[e.start]:#04x} at position {e.start}). "
            f"Save it as CSV in UTF-8."
        ) from None


def _delimiter(text: str) -> str:
    """The delimiter among `DELIMITERS`: csv.Sniffer's guess on whole lines, else comma."""
    return tables.sniff_delimiter(text, DELIMITERS)


def _header(path, cells):
    """Column names from the first row, which must be a header: unnamed columns are named by index."""
    if all(tables.is_number(cell) or _parse_date(cell) is not None for cell in cells if cell):
        raise DataError(
            f"The first row of {str(path)!r} holds values ({', '.join(cells[:_SHOWN])}), not column "
            f"names. Add a header row naming the columns, e.g. 'Date,Sales'."
        )
    names = [cell or str(i) for i, cell in enumerate(cells)]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        raise DataError(
            f"The header row of {str(path)!r} names several columns {repeated}. Give each column its own name."
        )
    return names


def _body(path, header, rows):
    """The data rows padded to the header's width (a short row's last cells are missing)."""
    long = [line for line, fields in rows if any(fields[len(header) :])]
    if long:
        raise DataError(
            f"{len(long)} rows of {str(path)!r} have more fields than the {len(header)} columns of "
            f"the header row (lines {_listed(long)}). Fix those lines, or quote values that "
            f"contain a delimiter."
        )
    if len(rows) < 2:
        raise DataError(
            f"{str(path)!r} has {len(rows)} data row(s); a time series needs at least 2 "
            f"(forecasting needs many more). Add rows, one per time step."
        )
    return [fields[: len(header)] + [""] * (len(header) - len(fields)) for _, fields in rows]


def _reordered(table, order):
    if order is None:
        return table
    return dataclasses.replace(table, lines=table.lines[order], cells=[table.cells[i] for i in order])


def _layout_note(table, target, date):
    time = f"time from column {table.header[date]!r}" if date is not None else "row order is time order"
    return (
        f"{DELIMITER_NAMES[table.delimiter]}-separated, {len(table.cells)} rows; "
        f"target: column {table.header[target]!r}; {time}"
    )


# Choosing the columns.


def _choose(table, target, features, date_column, categorical, notes):
    """Column indices: target, date (or None), inputs (target first), and the categorical ones."""
    target_index = _index(table, target, "target", "--target")
    date_index = None if date_column is None else _index(table, date_column, "date", "--date-column")
    if date_index == target_index:
        raise UsageError(
            f"The date column cannot be the target. Received: target={target!r}, "
            f"date_column={date_column!r}. Pass the column to forecast with --target."
        )
    categories = [_index(table, c, "categorical", "--categorical") for c in _names(categorical)]
    _check_categorical(table, categories, target_index, date_index)
    inputs = [target_index, *_features(table, features, target_index, date_index, categories, notes)]
    inputs += [i for i in categories if i not in inputs]  # naming a category column makes it an input
    _check_inputs(table, inputs, set(categories))
    return target_index, date_index, inputs, set(categories)


def _names(columns):
    """A list of column names/indices from `None`, a comma-separated string, or a sequence."""
    if columns is None:
        return []
    if isinstance(columns, str):
        return [name.strip() for name in columns.split(",") if name.strip()]
    if isinstance(columns, int):
        return [columns]
    return list(columns)


def _index(table, column, role, option):
    """The index of `column`: a header name (case-insensitive as a fallback) or a 0-based index."""
    if isinstance(column, str) and column.strip() in table.header:
        return table.header.index(column.strip())
    if isinstance(column, int) and not isinstance(column, bool) or str(column).strip().isdigit():
        if 0 <= int(column) < len(table.header):
            return int(column)
    lower = [name.lower() for name in table.header]
    if isinstance(column, str) and column.strip().lower() in lower:
        return lower.index(column.strip().lower())
    raise DataError(
        f"No {role} column {column!r} in {str(table.path)!r}. Expected one of its columns: "
        f"{table.columns()} (or a 0-based index). Pass a column of the header row with {option}."
    )


def _features(table, features, target, date, categories, notes):
    if isinstance(features, str) and features.strip().lower() == "all":
        return _numeric_columns(
            table, [i for i in range(len(table.header)) if i not in (target, date, *categories)], notes
        )
    indices = [_index(table, name, "feature", "--features") for name in _names(features)]
    if date is not None and date in indices:
        raise UsageError(
            f"The date column {table.header[date]!r} cannot be a feature: it orders the rows. Drop it from --features."
        )
    return list(dict.fromkeys(i for i in indices if i != target))  # in order, each once


def _numeric_columns(table, others, notes):
    """The columns of `others` that hold numbers (and some value), but for those that only count rows
    or years; notes those left out."""
    numeric = [i for i in others if not _bad_numbers(table, i) and not all(map(_missing, table.column(i)))]
    left = [table.header[i] for i in others if i not in numeric]
    if left:
        notes.append(
            f"--features all left out columns that are not numeric: {_listed(left)} "
            f"(--categorical COL one-hot encodes one)"
        )
    counters = [i for i in numeric if _counts_rows_or_years(table, i)]
    if counters:
        notes.append(
            f"--features all left out columns that count rows or years: "
            f"{_listed([table.header[i] for i in counters])} (at test time they lie beyond every value "
            f"the model trained on; name one in --features to use it anyway)"
        )
    return [i for i in numeric if i not in counters]


def _counts_rows_or_years(table, index):
    """True for a column that only counts: steps of one size (a row number), or whole years in order."""
    values = np.array([float(cell) for cell in table.column(index) if not _missing(cell)])
    if len(values) < 3:
        return False
    steps = np.diff(values)
    if steps[0] != 0 and np.all(steps == steps[0]):
        return True
    monotone = np.all(steps >= 0) or np.all(steps <= 0)
    years = np.all(values == np.round(values)) and np.all((values >= 1000) & (values < 3000))
    return bool(monotone and years and len(np.unique(values)) > 1)


def _check_categorical(table, categories, target, date):
    for i, role, fix in (
        (target, "the target", "forecast a numeric column with --target"),
        (date, "the date column", "drop it from --categorical"),
    ):
        if i is not None and i in categories:
            raise UsageError(
                f"{role.capitalize()} {table.header[i]!r} cannot be categorical. "
                f"Received: categorical={table.header[i]!r}; {fix}."
            )


def _check_inputs(table, inputs, categories):
    """Every input but the categorical ones must hold numbers."""
    bad = {i: _bad_numbers(table, i) for i in inputs if i not in categories}
    bad = {i: cells for i, cells in bad.items() if cells}
    if not bad:
        return
    listed = "; ".join(f"{table.header[i]!r} (line {line}: {value!r})" for i, [(line, value), *_] in bad.items())
    hint = ""
    if any(_DECIMAL_COMMA.fullmatch(value) for cells in bad.values() for _, value in cells):
        hint = " Values like '1,5' use a decimal comma: save the file with '.' decimals and no thousands separator."
    raise DataError(
        f"Non-numeric values in input column(s) of {str(table.path)!r}: {listed}. Pass "
        f"--categorical COL to one-hot encode a feature of categories, or drop it from "
        f"--features (the target must hold numbers).{hint}"
    )


def _bad_numbers(table, index):
    """`(line, value)` of the cells of column `index` that are neither missing nor numbers."""
    return [
        (int(line), cell)
        for line, cell in zip(table.lines, table.column(index))
        if not _missing(cell) and not tables.is_number(cell)
    ]


def _missing(cell: str) -> bool:
    return cell.lower() in MISSING


# Dates.


def _dates(table, index, notes):
    """The row order (None: as read) and the sorted dates, or `(None, None)` without a date column."""
    if index is None:
        return None, None
    name = table.header[index]
    dates = np.array([_date(table, name, line, cell) for line, cell in zip(table.lines, table.column(index))])
    order = np.argsort(dates, kind="stable")
    if np.any(order != np.arange(len(order))):
        notes.append(f"warning: rows sorted by {name!r} (they were not in date order)")
    else:
        order = None
    sorted_dates = dates if order is None else dates[order]
    _check_unique(table, name, sorted_dates, table.lines if order is None else table.lines[order])
    return order, sorted_dates


def _date(table, name, line, cell):
    date = _parse_date(cell)
    if date is None:
        raise DataError(
            f"Cannot read the date {cell!r} in column {name!r} of {str(table.path)!r} (line {line}). "
            f"Expected dates as {DATE_FORMS}. Fix that value, or pass another --date-column."
        )
    return date


def _parse_date(cell):
    """`cell` as a numpy datetime64, or None when it is no accepted date form."""
    text = _UNPADDED.sub(_pad, cell.strip().replace("/", "-"))
    if not _DATE.fullmatch(text):
        return None
    try:
        with warnings.catch_warnings():  # numpy warns that it drops a timezone offset (after applying it)
            warnings.simplefilter("ignore")
            date = np.datetime64(text)
    except ValueError:
        return None
    return None if np.isnat(date) else date


def _pad(match: re.Match[str]) -> str:
    year, month, day = match.groups()
    return f"{year}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")


def _check_unique(table, name, dates, lines):
    repeated = np.flatnonzero(dates[1:] == dates[:-1])
    if len(repeated):
        shown = ", ".join(f"{dates[i]} (lines {lines[i]} and {lines[i + 1]})" for i in repeated[:_SHOWN])
        raise DataError(
            f"{len(repeated)} repeated dates in column {name!r} of {str(table.path)!r}: {shown}. "
            f"A time series needs one row per time step: merge or remove the repeated rows."
        )


# Values.


def _block(table, index, categorical, notes):
    """Column `index` as a `[T, k]` float block (NaN where missing) and its `k` column names."""
    name, cells = table.header[index], table.column(index)
    if not categorical:
        return _numbers(table, name, cells), (name,)
    values = _sorted_categories({c for c in cells if not _missing(c)})
    if not values:
        raise DataError(f"Column {name!r} of {str(table.path)!r} has no values. Drop it from --categorical.")
    block = np.array([[np.nan if _missing(c) else float(c == v) for v in values] for c in cells])
    notes.append(f"{name!r} one-hot encoded: {len(values)} columns ({_listed(values)})")
    return block, tuple(f"{name}={v}" for v in values)


def _numbers(table, name, cells):
    column = np.array([[np.nan if _missing(c) else float(c)] for c in cells])
    infinite = np.flatnonzero(np.isinf(column))
    if len(infinite):
        raise DataError(
            f"{len(infinite)} infinite values in column {name!r} of {str(table.path)!r} (lines "
            f"{_listed(table.lines[infinite].tolist())}). Replace them with numbers, or empty "
            f"those cells and pass --fill-missing."
        )
    large = np.flatnonzero(data.too_large(column))
    if len(large):
        raise DataError(
            f"{len(large)} values too large to train on in column {name!r} of {str(table.path)!r} (lines "
            f"{_listed(table.lines[large].tolist())}, e.g. {column[large[0], 0]:.3g}): {data.rescale_hint(repr(name))}."
        )
    return column


def _sorted_categories(values):
    if all(tables.is_number(v) for v in values):
        return sorted(values, key=float)  # "2" before "10"
    return sorted(values)


def _fill(table, inputs, values, dates, mode, notes):
    """`values` (and `dates`) with the missing values filled, or their rows dropped, by `mode`."""
    missing = {i: np.flatnonzero([_missing(c) for c in table.column(i)]) for i in inputs}
    missing = {i: rows for i, rows in missing.items() if len(rows)}
    if not missing:
        return values, dates
    if mode is None:
        _raise_missing(table, missing)
    for i, rows in missing.items():
        if len(rows) == len(table.cells):
            raise DataError(
                f"Column {table.header[i]!r} of {str(table.path)!r} has no values. Drop it from "
                f"--features, or pick another --target."
            )
    if mode == "drop":
        return _drop(values, dates, notes)
    filler = _ffill if mode == "ffill" else _interpolate
    for i, rows in missing.items():
        notes.append(f"{len(rows)} missing values in {table.header[i]!r} filled ({mode})")
    if mode == "ffill":
        _note_leading(table, missing, notes)
    return np.stack([filler(column) for column in values.T], axis=1), dates


def _raise_missing(table, missing):
    listed = "; ".join(
        f"{table.header[i]!r}: {len(rows)} (lines {_listed(table.lines[rows].tolist())})" for i, rows in missing.items()
    )
    raise DataError(
        f"Missing values in {str(table.path)!r}: {listed}. Fill them in the file, or pass "
        f"--fill-missing ffill|interpolate|drop (ffill: the last value before; interpolate: a "
        f"straight line between neighbours; drop: drop those rows)."
    )


def _drop(values, dates, notes):
    kept = ~np.isnan(values).any(axis=1)
    notes.append(
        f"warning: {int((~kept).sum())} rows with missing values dropped; the time steps around "
        f"them are no longer equally spaced (--fill-missing ffill or interpolate keeps them)"
    )
    if kept.sum() < 2:
        raise DataError(
            f"Only {int(kept.sum())} row(s) left after dropping rows with missing values; a time "
            f"series needs at least 2. Use --fill-missing ffill or interpolate instead."
        )
    return values[kept], None if dates is None else dates[kept]


def _ffill(column):
    """Each NaN replaced by the last value before it; a leading gap by the first value."""
    known = ~np.isnan(column)
    last = np.maximum.accumulate(np.where(known, np.arange(len(column)), -1))
    return column[np.where(last < 0, np.argmax(known), last)]


def _interpolate(column):
    """NaNs replaced linearly between their neighbours in row order; the ends held."""
    known = ~np.isnan(column)
    steps = np.arange(len(column))
    return np.interp(steps, steps[known], column[known])


def _note_leading(table, missing, notes):
    for i, rows in missing.items():
        if rows[0] == 0:
            lead = next((k for k, row in enumerate(rows) if row != k), len(rows))  # first value's row
            notes.append(
                f"{lead} leading missing values in {table.header[i]!r} back-filled with the first "
                f"value (line {table.lines[lead]})"
            )


# Frequency.


def _frequency(dates, table, notes):
    """The usual step between dates, in words; notes steps that differ for fixed-length steps."""
    if dates is None:
        return None
    seconds = np.diff(dates.astype("datetime64[s]").astype(np.int64))
    step = int(np.sort(seconds)[len(seconds) // 2])  # a median that is one of the steps
    frequency = _step_name(step)
    odd = np.flatnonzero(seconds != step)
    if frequency not in _CALENDAR and len(odd):
        notes.append(
            f"warning: {len(odd)} of {len(seconds)} steps between dates are not {frequency} "
            f"(first after {dates[odd[0]]}): the steps are not equally spaced"
        )
    return frequency


def _step_name(seconds: int) -> str:
    if seconds % _DAY == 0:
        days = seconds // _DAY
        return next((name for low, high, name in _NAMED_DAYS if low <= days <= high), f"every {days} days")
    for unit, size in (("hour", 3600), ("minute", 60), ("second", 1)):
        if seconds % size == 0:
            count = seconds // size
            if count == 1:
                return "hourly" if unit == "hour" else f"every {unit}"
            return f"every {count} {unit}s"
    return f"every {seconds} seconds"


def _listed(items: Sequence[Any]) -> str:
    return ", ".join(map(str, items[:_SHOWN])) + (", ..." if len(items) > _SHOWN else "")


# Chronological splits.


def split_sizes(
    n: int, horizon: int, test_size: int | float | None = None, validation_size: int | float | None = None
) -> tuple[int, int]:
    """Steps held out at the end of `n` steps for validation and test, in that order.

    Args:
        n: number of time steps.
        horizon: steps forecast at once; each part holds at least one full
            forecast.
        test_size: the test part: `None` (the default: the multiple of
            `horizon` closest to 15% of `n`, at least `horizon`), an int
            number of steps, or a float fraction of `n` in (0, 1), rounded
            to whole steps.
        validation_size: the validation part, given likewise.

    Returns:
        `(validation steps, test steps)`.

    Raises:
        UsageError: a size is not a step count or fraction, or is shorter
            than `horizon`.
        DataError: nothing is left to train on.

    Example:

    >>> split_sizes(144, horizon=12)
    (24, 24)
    """
    if isinstance(horizon, bool) or not isinstance(horizon, (int, np.integer)) or horizon < 1:
        raise UsageError(f"--horizon must be a whole number of steps, at least 1. Received: horizon={horizon!r}.")
    test = _part_size(n, horizon, test_size, "test")
    validation = _part_size(n, horizon, validation_size, "validation")
    if n - test - validation < 1:
        raise DataError(
            f"Too few rows: {n} steps leave none to train on after {validation} validation and "
            f"{test} test steps. Use fewer --validation-size/--test-size steps, a shorter "
            f"--horizon, or a longer series."
        )
    return validation, test


def _part_size(n: int, horizon: int, size: int | float | None, part: str) -> int:
    option = f"--{part}-size"
    if size is None:
        return max(1, math.floor(n * DEFAULT_SHARE / horizon + 0.5)) * horizon
    if isinstance(size, (float, np.floating)) and 0 < size < 1:
        steps = math.floor(n * size + 0.5)
    elif isinstance(size, (int, np.integer)) and not isinstance(size, bool) and size >= 1:
        steps = int(size)
    else:
        raise UsageError(
            f"{option} must be a number of steps (an int, at least 1) or a fraction of the rows "
            f"between 0 and 1. Received: {part}_size={size!r}."
        )
    if steps < horizon:
        raise UsageError(
            f"The {part} part ({option}={size!r}: {steps} steps) is shorter than the horizon "
            f"({horizon} steps), so it holds no full forecast. Use at least {horizon} steps, "
            f"or a shorter --horizon."
        )
    return steps


def check_length(n_train: int, window: int, horizon: int, what: str = "training part") -> None:
    """Raises a `DataError` unless `n_train` steps hold one window of inputs plus a horizon.

    Args:
        n_train: steps in the part.
        window: input steps the model reads.
        horizon: steps it forecasts.
        what: the part's name in the message. Defaults to `"training part"`.

    Example:

    >>> check_length(100, window=24, horizon=12)
    """
    if n_train < window + horizon:
        raise DataError(
            f"Too few rows: the {what} has {n_train} steps, but a window of {window} steps plus a "
            f"horizon of {horizon} needs at least {window + horizon}. Use a shorter --horizon, "
            f"fewer --test-size/--validation-size steps, or a smaller window (--fix window=...)."
        )
