"""What every delimited-table reader needs: the delimiter sniffed on whole lines, and number cells.

Shared by the text tables (`text_files`) and the CSV series (`series`). Pure Python.
"""

import csv

SAMPLE_CHARS = 64 * 1024  # enough lines for csv.Sniffer, without reading a large file twice


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
