"""What every delimited-table reader needs: the delimiter sniffed on whole lines, rows with their line
numbers, and number cells.

Shared by the text tables (`text_files`) and the CSV series (`series`). Pure Python.
"""

import csv
import io
from typing import Literal

SAMPLE_CHARS = 64 * 1024  # enough lines for csv.Sniffer, without reading a large file twice
MAX_FIELD = 2**31 - 1  # csv's default limit (128 KiB) is shorter than some documents


def sniff_delimiter(text: str, delimiters: str, fallback: str = ",") -> str:
    """The delimiter among `delimiters` that `csv.Sniffer` finds in `text`'s first whole lines, else `fallback`."""
    sample = text[:SAMPLE_CHARS]
    if len(text) > SAMPLE_CHARS and "\n" in sample:
        sample = sample[: sample.rindex("\n")]  # whole lines only
    try:
        return csv.Sniffer().sniff(sample, delimiters=delimiters).delimiter
    except csv.Error:
        return fallback


def is_number(cell: str) -> bool:
    """True if the text `cell` reads as a float."""
    try:
        float(cell)
        return True
    except ValueError:
        return False


def rows(text: str, delimiter: str, quoting: Literal[0, 1, 2, 3] = csv.QUOTE_MINIMAL) -> list[tuple[int, list[str]]]:
    """The non-blank rows of `text` as `(first line number, fields)`: errors can name the file's lines."""
    previous = csv.field_size_limit(MAX_FIELD)
    try:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quoting=quoting)
        found, line = [], 1
        for fields in reader:
            if any(field.strip() for field in fields):
                found.append((line, fields))
            line = reader.line_num + 1
        return found
    finally:
        csv.field_size_limit(previous)
