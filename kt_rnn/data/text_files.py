"""A user's labelled texts, from a folder per class or from a delimited table (CSV/TSV).

Two layouts, told apart by whether `--data PATH` is a directory or a file:

- `PATH/<class>/*.txt`: one subfolder per class, the layout
  `keras.utils.text_dataset_from_directory` reads.
- a delimited table (`.csv`, `.tsv`, `.txt`, any name): the delimiter
  (`,` tab `;` `|`), the header row and the text and label columns are
  detected, so files such as the SMS spam collection (`ham<TAB>Go until...`, no
  header) load as they are.

Everything a user may need to check (rows dropped, bytes replaced, what was
detected) is returned as `notes`; anything that would make the search
meaningless is a `DataError` saying what to change. Pure Python (csv, no
TensorFlow import), so bad data is reported before any heavy import.
"""

import codecs
import collections
import csv
import dataclasses
import os
import pathlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from kt_rnn.data import splits, tables
from kt_rnn.errors import DataError, UsageError

if TYPE_CHECKING:
    from kt_rnn.data import Dataset

TEXT_NAMES = ("text", "review", "message", "body", "content", "sentence", "document")
LABEL_NAMES = ("label", "class", "category", "target", "sentiment", "y")
DELIMITERS = ",\t;|"
DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe"}
SAMPLE_CHARS = tables.SAMPLE_CHARS
COLUMN_OPTIONS = "--text-column/--label-column"
_SHOWN = 5  # line numbers or values quoted in one message
_INT = re.compile(r"[+-]?\d+")
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes kept by errors="surrogateescape"


@dataclasses.dataclass
class Labelled:
    """Texts with their class names, as read from the user's data.

    Args:
        texts: one string per example.
        labels: the class name of each example (int labels as decimal text).
        class_names: the distinct labels, sorted; numerically ("2" < "10")
            when every label is an integer.
        source: absolute path the data was read from.
        notes: human-readable lines about what was detected, dropped or
            replaced, to show the user.
    """

    texts: list[str]
    labels: list[str]
    class_names: tuple[str, ...]
    source: str
    notes: list[str]


@dataclasses.dataclass
class _Table:
    path: pathlib.Path
    rows: list[tuple[int, list[str]]]  # [(line number, [field, ...])], blank lines left out
    header: list[str] | None = None  # the first row's cells, when it is a header
    delimiter: str = ","

    @property
    def width(self) -> int:
        return max(len(fields) for _, fields in self.rows)

    @property
    def body(self) -> list[tuple[int, list[str]]]:
        return self.rows[1:] if self.header is not None else self.rows

    def column(self, index: int) -> list[str]:
        """Stripped cells of column `index` in the data rows ("" where a row is short)."""
        return [fields[index].strip() if index < len(fields) else "" for _, fields in self.body]


def read(
    path: str | os.PathLike[str], text_column: str | int | None = None, label_column: str | int | None = None
) -> Labelled:
    """Reads labelled texts from a folder per class or from a delimited table.

    Args:
        path: a directory holding one subfolder of `.txt` files per class, or
            a delimited text file (comma, tab, semicolon or pipe separated;
            header row optional; UTF-8, with or without BOM).
        text_column: for a table, the text column: a header name or a 0-based
            index (int or digit string). Defaults to `None`: a column with a
            header like "text"/"review"/"message", else the string column
            with the longest mean length.
        label_column: for a table, the label column, given likewise. Defaults
            to `None`: a column with a header like "label"/"class"/"target",
            else the other column with the fewest distinct values.

    Rows with empty text (or an empty label) and empty `.txt` files are
    dropped and counted in `notes`; rows with too few fields for the chosen
    columns are an error naming their lines.

    Returns:
        A `Labelled`.

    Raises:
        DataError: the path is missing or holds no usable examples, a column
            does not exist, or fewer than 2 classes are present.
        UsageError: columns were given for a directory.

    Example:

    >>> data = read("SMSSpamCollection")  # doctest: +SKIP
    >>> data.class_names  # doctest: +SKIP
    ('ham', 'spam')
    """
    path = pathlib.Path(path).expanduser().resolve()
    if not path.exists():
        raise DataError(
            f"Text data not found at {str(path)!r}. Pass --data with a directory holding one "
            f"subfolder of .txt files per class, or a .csv/.tsv file with a text and a label column."
        )
    if path.is_dir():
        _refuse_columns(path, text_column, label_column)
        return _finish(path, *_read_directory(path), "the subfolder names")
    return _read_table(path, text_column, label_column)


def load(config: Any, labelled: Labelled | None = None, test_labelled: Labelled | None = None) -> "Dataset":
    """Loads the user's labelled texts for `config` as a `kt_rnn.data.Dataset`.

    Args:
        config: the search's `Config` (`data`, `test_data`, `text_column`,
            `label_column`, `test_split`, `seed`, ...).
        labelled: a `Labelled` already in memory (the Python API), read
            instead of `config.data.path`. Defaults to `None`.
        test_labelled: likewise instead of `config.test_data`.

    Without `config.test_data`, a seeded, stratified `config.data.test_split` of the
    data is held out for the test score before validation is split off.
    """
    from kt_rnn.data import text  # TensorFlow from here on

    data, test = read_inputs(config, labelled, test_labelled).values()
    labels = _indices(data.labels, data.class_names)
    if test is not None:
        parts = {"train": (data.texts, labels), "test": (test.texts, _test_indices(test, data))}
        notes = [*data.notes, *(f"test data: {note}" for note in test.notes)]
    else:
        held = splits.stratified_holdout(
            labels, config.data.test_split, config.budget.seed, "test split", data.class_names
        )
        texts = np.asarray(data.texts, dtype=object)
        parts = {"train": (texts[~held], labels[~held]), "test": (texts[held], labels[held])}
        notes = data.notes
    return text.build(parts, config, data.class_names, data.source, notes)


def read_inputs(config: Any, labelled: Labelled | None = None, test_labelled: Labelled | None = None) -> dict[str, Any]:
    """`load`'s keyword arguments: the texts of `config.data.path` (and `config.test_data`) read and
    checked without TensorFlow, or those given in memory."""
    if labelled is None and not config.data.path:
        raise DataError(
            "The text dataset needs --data PATH: a directory with one subfolder of .txt files "
            "per class, or a .csv/.tsv file with a text and a label column."
        )
    # --data is given where `labelled` is not (checked above).
    data = labelled or read(config.data.path, config.option("text_column"), config.option("label_column"))  # type: ignore[arg-type]
    test = test_labelled
    if test is None and config.option("test_data"):
        test = read(config.option("test_data"), config.option("text_column"), config.option("label_column"))
    if test is not None:
        _test_indices(test, data)  # its classes, checked now
    return {"labelled": data, "test_labelled": test}


def _indices(labels: Sequence[str], class_names: Sequence[str]) -> np.ndarray:
    index = {name: i for i, name in enumerate(class_names)}
    return np.asarray([index[label] for label in labels], dtype=np.int64)


def _test_indices(test: Labelled, data: Labelled) -> np.ndarray:
    unknown = sorted(set(test.class_names) - set(data.class_names))
    if unknown:
        raise DataError(
            f"--test-data {test.source!r} has classes the training data does not have: {unknown} "
            f"(training classes: {list(data.class_names)}). Use test data with the training data's classes."
        )
    return _indices(test.labels, data.class_names)


def _refuse_columns(path: pathlib.Path, text_column: str | int | None, label_column: str | int | None) -> None:
    if text_column is not None or label_column is not None:
        raise UsageError(
            f"{COLUMN_OPTIONS} name columns of a table file, but {str(path)!r} is a directory "
            f"(classes are its subfolders). Drop those options, or pass a .csv/.tsv file with --data."
        )


def _decode(data: bytes) -> tuple[str, int]:
    """`data` as text (UTF-8, BOM dropped), with each undecodable byte replaced by U+FFFD.

    Returns the text and the number of bytes replaced.
    """
    if data[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):  # Excel's "Unicode text"
        return data.decode("utf-16", errors="replace"), 0
    return _UNDECODABLE.subn("\ufffd", data.decode("utf-8-sig", errors="surrogateescape"))


def claims(path: pathlib.Path | None, pair: tuple[Any, Any] | None) -> bool:
    """True for any path (a folder or a table of texts) and for texts in memory (`kt_rnn.data.dataset_of`)."""
    return path is not None or (pair is not None and isinstance(next(iter(pair[0]), None), str))


def in_memory(pair: tuple[Any, Any] | None, test_pair: tuple[Any, Any] | None) -> dict[str, Labelled | None]:
    """The loader's keyword arguments for `(texts, labels)` given in memory, and the test part's."""
    train = labelled(*pair) if pair is not None else None
    test = labelled(*test_pair, source="test data in memory") if test_pair is not None else None
    return {"labelled": train, "test_labelled": test}


def labelled(texts: Iterable[Any], labels: Iterable[Any], source: str = "in memory") -> Labelled:
    """Labelled texts given in memory (the Python API): a `Labelled`, checked like a file.

    Args:
        texts: sequence of strings.
        labels: one label per text (strings or ints).
        source: what to call them in messages and in `search.json`.
    """
    texts, labels = [str(x) for x in texts], [str(y) for y in labels]
    if len(texts) != len(labels):
        raise DataError(f"Expected one label per text. Received: {len(texts)} texts and {len(labels)} labels.")
    kept = [(x, y) for x, y in zip(texts, labels) if x.strip()]
    notes = [f"{len(texts) - len(kept)} texts that are empty dropped"] if len(kept) < len(texts) else []
    return _finish(source, [x for x, _ in kept], [y for _, y in kept], notes, "the labels given")


def _finish(
    path: str | os.PathLike[str], texts: Sequence[str], labels: list[str], notes: list[str], label_source: str
) -> Labelled:
    """Checks there are examples of at least 2 classes; normalizes int labels; sorts classes."""
    if not texts:
        raise DataError(
            f"No examples with text in {str(path)!r}. Pass --data with texts in one subfolder of "
            f".txt files per class, or a .csv/.tsv file with a text and a label column."
        )
    if all(_INT.fullmatch(label) for label in labels):
        labels = [str(int(label)) for label in labels]  # "01" and "1" are one class
    class_names = _sorted_classes(set(labels))
    _refuse_control_characters(path, class_names, label_source)
    if len(class_names) < 2:
        raise DataError(
            f"Only one class in {str(path)!r}: {class_names[0]!r} (labels from {label_source}, "
            f"{len(labels)} examples). Text classification needs at least 2 classes: add examples "
            f"of another class{_column_hint(label_source)}."
        )
    return Labelled(list(texts), labels, class_names, str(path), notes)


def _refuse_control_characters(path: str | os.PathLike[str], class_names: Sequence[str], label_source: str) -> None:
    """A class name with a line break (a quoted CSV cell may hold one) or another control character
    would split `labels.txt`, one name a line, and shift every class after it."""
    broken = [
        name for name in class_names if any(unicodedata.category(c)[0] == "C" or c in "\u2028\u2029" for c in name)
    ]
    if broken:
        raise DataError(
            f"Label {broken[0]!r} in {str(path)!r} (labels from {label_source}) holds a line break or another "
            f"control character, which the export's class names (labels.txt, one a line) cannot hold. Edit "
            f"{'that label' if len(broken) == 1 else f'the {len(broken)} labels like it'} in the data."
        )


def _column_hint(label_source: str) -> str:
    return "" if "subfolder" in label_source else f", or pass the right column with {COLUMN_OPTIONS}"


def _sorted_classes(names: Iterable[str]) -> tuple[str, ...]:
    if all(_INT.fullmatch(name) for name in names):
        return tuple(sorted(names, key=int))
    return tuple(sorted(names))


# A folder per class.


def _read_directory(path: pathlib.Path) -> tuple[list[str], list[str], list[str]]:
    texts: list[str] = []
    labels: list[str] = []
    notes: list[str] = []
    counts: collections.Counter[str] = collections.Counter()
    try:
        for folder in sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith(".")):
            _read_class(folder, texts, labels, notes, counts)
        loose = [p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".txt"]
    except OSError as e:
        raise DataError(f"Cannot read the directory {str(path)!r}: {e}. Check its permissions.") from None
    if not counts["files"]:
        raise DataError(
            f"No .txt files in the subfolders of {str(path)!r}. Expected one subfolder per class "
            f"holding .txt files ({path.name}/<class>/*.txt), or pass a .csv/.tsv file with --data."
        )
    return texts, labels, notes + _directory_notes(path, counts, loose)


def _read_class(
    folder: pathlib.Path, texts: list[str], labels: list[str], notes: list[str], counts: collections.Counter[str]
) -> None:
    """Adds the texts of `folder`'s .txt files (nested folders included, sorted by path)."""
    files = sorted(f for f in folder.rglob("*") if f.suffix.lower() == ".txt" and f.is_file())
    if not files:
        notes.append(f"subfolder {folder.name!r} has no .txt files: not used as a class")
    for file in files:
        text, replaced = _decode(file.read_bytes())
        counts["files"] += 1
        counts["undecodable"] += bool(replaced)
        if text.strip():
            texts.append(text)
            labels.append(folder.name)
        else:
            counts["empty"] += 1


def _directory_notes(path: pathlib.Path, counts: collections.Counter[str], loose: list[pathlib.Path]) -> list[str]:
    notes: list[str] = []
    if counts["empty"]:
        notes.append(f"{counts['empty']} empty .txt files dropped")
    if counts["undecodable"]:
        notes.append(
            f"{counts['undecodable']} files had undecodable bytes (replaced with U+FFFD); "
            f"save them as UTF-8 to keep those characters"
        )
    if loose:
        notes.append(f"{len(loose)} .txt files directly in {path.name}/ ignored: not in a class subfolder")
    return notes


# A delimited table.


def _read_table(path: pathlib.Path, text_column: str | int | None, label_column: str | int | None) -> Labelled:
    try:
        text, replaced = _decode(path.read_bytes())
    except OSError as e:
        raise DataError(f"Cannot read {str(path)!r}: {e}. Check its permissions.") from None
    table = _parse(path, text)
    if not table.rows:
        raise DataError(f"{str(path)!r} is empty. Pass --data with a .csv/.tsv file of texts and labels.")
    if table.width < 2:
        raise DataError(
            f"{str(path)!r} has a single column (no comma, tab, semicolon or pipe between fields). "
            f"Expected a text column and a label column, e.g. 'spam<TAB>Win a prize!' on each line, "
            f"or pass a directory with one subfolder of .txt files per class."
        )
    names = [c for c in (text_column, label_column) if isinstance(c, str) and not c.strip().isdigit()]
    if _names_header(table, names):
        table.header = table.rows[0][1]
    text_index, label_index = _choose_columns(table, text_column, label_column)
    if table.header is None and _label_header(table, label_index, text):
        table.header = table.rows[0][1]
    notes = _undecodable_notes(text, replaced)
    if not table.body:
        raise DataError(f"{str(path)!r} has a header row but no data rows. Add rows of texts and labels.")
    texts, labels = _examples(table, text_index, label_index, notes)
    notes.insert(0, _layout_note(table, text_index, label_index))
    return _finish(path, texts, labels, notes, f"column {_describe(table, label_index)}")


def _undecodable_notes(text: str, replaced: int) -> list[str]:
    if not replaced:
        return []
    line = text[: text.index("\ufffd")].count("\n") + 1 if "\ufffd" in text else 1
    return [
        f"{replaced} bytes that are not UTF-8 (first on line {line}) replaced with U+FFFD; "
        f"save the file as UTF-8 to keep those characters"
    ]


def _parse(path, text):
    table = _Table(path, [], delimiter=_delimiter(text))
    try:
        table.rows = tables.rows(text, table.delimiter, csv.QUOTE_MINIMAL)
        if '"' in text:
            plain = tables.rows(text, table.delimiter, csv.QUOTE_NONE)
            # A stray quote mark (common in unquoted TSV) swallows the lines up to the next one;
            # reading without quoting then gives more rows, all of the same width.
            if len(plain) > len(table.rows) and len({len(fields) for _, fields in plain}) == 1:
                table.rows = plain
    except csv.Error as e:
        raise DataError(
            f"{str(path)!r} is not a readable delimited table ({e}). Save it as CSV or TSV in UTF-8."
        ) from None
    return table


def _delimiter(text: str) -> str:
    """The delimiter among `DELIMITERS`: csv.Sniffer's guess, else tab if any, else comma."""
    fallback = "\t" if "\t" in text[: tables.SAMPLE_CHARS] else ","
    return tables.sniff_delimiter(text, DELIMITERS, fallback)


def _names_header(table, names):
    """True if the first row holds a given column name, or a known one found on no other row."""
    first = [cell.strip().lower() for cell in table.rows[0][1]]
    if any(name.strip().lower() in first for name in names):
        return True
    known = [i for i, cell in enumerate(first) if cell in TEXT_NAMES + LABEL_NAMES]
    # A label column of "y"/"n" values is not a header named "y": that value comes back below.
    return any(first[i] not in _lower(_Table(table.path, table.rows[1:]).column(i)) for i in known)


def _lower(cells: Iterable[str]) -> set[str]:
    return {cell.lower() for cell in cells}


class _KnownDialectSniffer(csv.Sniffer):
    """`csv.Sniffer` whose `has_header` reads with the delimiter already found."""

    def __init__(self, delimiter):
        super().__init__()
        self.dialect = type("Dialect", (csv.excel,), {"delimiter": delimiter})

    def sniff(self, sample, delimiters=None):
        return self.dialect


def _sniffed_header(text, delimiter):
    try:
        return _KnownDialectSniffer(delimiter).has_header(text[:SAMPLE_CHARS])
    except (csv.Error, StopIteration):
        return False


def _choose_columns(table, text_column, label_column):
    """The text and label column indices: the given ones, else by header name, else by content."""
    text = _given(table, text_column, "text")
    label = _given(table, label_column, "label")
    if text is not None and text == label:
        raise UsageError(
            f"The text and label columns must differ. Received: text_column={text_column!r}, "
            f"label_column={label_column!r}. Pass two different columns with {COLUMN_OPTIONS}."
        )
    if text is None:
        text = _named(table, TEXT_NAMES, label)
    if text is None:
        text = _longest(table, label)
    if label is None:
        label = _named(table, LABEL_NAMES, text)
    if label is None:
        label = _fewest_values(table, text)
    return text, label


def _given(table, column, role):
    """The index of `column` (a header name or a 0-based index); `None` when not given."""
    if column is None:
        return None
    if isinstance(column, int) or str(column).strip().isdigit():
        if 0 <= int(column) < table.width:
            return int(column)
    elif table.header is not None:
        cells = [cell.strip() for cell in table.header]
        for wanted in (str(column).strip(), str(column).strip().lower()):
            matches = [i for i, cell in enumerate(cells) if cell == wanted or cell.lower() == wanted]
            if matches:
                return matches[0]
    raise DataError(
        f"No {role} column {column!r} in {str(table.path)!r}. Expected one of its columns: "
        f"{_all_columns(table)}. Give columns by header name or by 0-based index "
        f"({COLUMN_OPTIONS}), e.g. --{role}-column 1."
    )


def _all_columns(table):
    if table.header is not None:
        return ", ".join(_describe(table, i) for i in range(table.width))
    first = ", ".join(repr(_short(cell)) for cell in table.rows[0][1])
    return f"{', '.join(map(str, range(table.width)))} (no header row; first row: {first})"


def _describe(table, index):
    if table.header is not None and index < len(table.header) and table.header[index].strip():
        return f"{index} ({table.header[index].strip()!r})"
    return str(index)


def _short(cell: str, limit: int = 30) -> str:
    return cell if len(cell) <= limit else cell[: limit - 3] + "..."


def _named(table, names, other):
    if table.header is None:
        return None
    cells = [cell.strip().lower() for cell in table.header]
    return next((i for i, cell in enumerate(cells) if cell in names and i != other), None)


def _candidates(table, other):
    """Columns other than `other`, preferring those filled in at least half of the rows."""
    others = [i for i in range(table.width) if i != other]
    filled = [i for i in others if sum(map(bool, table.column(i))) * 2 >= len(table.body)]
    return filled or others


def _longest(table, other):
    """The column with the longest mean length, preferring columns that are not all numbers."""
    columns = _candidates(table, other)
    strings = [i for i in columns if not all(tables.is_number(cell) for cell in table.column(i))]
    return max(strings or columns, key=lambda i: sum(map(len, table.column(i))))


def _fewest_values(table, other):
    """The column with the fewest distinct values, preferring those with at least 2."""
    columns = _candidates(table, other)
    varied = [i for i in columns if len(set(table.column(i))) >= 2]
    return min(varied or columns, key=lambda i: len(set(table.column(i))))


def _label_header(table, label, text):
    """True if the first row, whose cells are no known column names, is a header all the same.

    A header's label cell ("v1", "rating") appears on no other row, while the
    labels below repeat; csv.Sniffer's guess decides only where they do not.
    """
    rest = _Table(table.path, table.rows[1:]).column(label)
    first = table.rows[0][1][label].strip() if label < len(table.rows[0][1]) else ""
    if not rest or first in rest:
        return False
    return len(set(rest)) < len(rest) or _sniffed_header(text, table.delimiter)


def _examples(table, text, label, notes):
    """Texts and labels of the data rows; rows with an empty text or label dropped (counted)."""
    short = [line for line, fields in table.body if len(fields) <= max(text, label)]
    if short:
        _raise_short_rows(table, short, text, label)
    rows = [(fields[text], fields[label].strip()) for _, fields in table.body]
    kept = [(t, y) for t, y in rows if t.strip() and y]
    empty_text = sum(1 for t, _ in rows if not t.strip())
    if empty_text:
        notes.append(f"{empty_text} rows with empty text dropped")
    if len(rows) - len(kept) - empty_text:
        notes.append(f"{len(rows) - len(kept) - empty_text} rows with an empty label dropped")
    return [t for t, _ in kept], [y for _, y in kept]


def _raise_short_rows(table, lines, text, label):
    shown = ", ".join(map(str, lines[:_SHOWN])) + (", ..." if len(lines) > _SHOWN else "")
    raise DataError(
        f"{len(lines)} rows of {str(table.path)!r} have too few fields for text column "
        f"{_describe(table, text)} and label column {_describe(table, label)} (lines {shown}). "
        f"Fix those lines (quote fields that contain a {DELIMITER_NAMES[table.delimiter]}), or pick "
        f"other columns with {COLUMN_OPTIONS}."
    )


def _layout_note(table, text, label):
    header = "header row" if table.header is not None else "no header row"
    return (
        f"{DELIMITER_NAMES[table.delimiter]}-separated, {header}; text: column "
        f"{_describe(table, text)}, label: column {_describe(table, label)}"
    )
