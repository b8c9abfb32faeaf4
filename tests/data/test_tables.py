"""The delimited-table pieces both readers (texts and series) use. Pure Python."""

import csv

from kt_rnn.data import tables


def test_rows_number_each_row_by_its_first_line_and_skip_blank_ones():
    text = 'a,b\n\n"two\nlines",2\n , \nlast,3\n'
    assert tables.rows(text, ",") == [(1, ["a", "b"]), (3, ["two\nlines", "2"]), (6, ["last", "3"])]


def test_rows_read_a_field_longer_than_csvs_default_limit_and_restore_it():
    limit = csv.field_size_limit()
    long = "x" * (limit + 10)
    assert tables.rows(f"text,label\n{long},a\n", ",")[1][1][0] == long
    assert csv.field_size_limit() == limit


def test_rows_without_quoting_keep_a_stray_quote_in_its_field():
    assert tables.rows('say "hi\tgreeting\n', "\t", csv.QUOTE_NONE) == [(1, ['say "hi', "greeting"])]
