import numpy as np
import pytest

from conftest import shared_file
from kt_rnn.data import series
from kt_rnn.errors import DataError, UsageError

# Lines 2-7 of the file; Sales is missing on lines 3 and 6, Price on line 4.
SALES = """Date,Sales,Price,Region,Comment
2020-01-01,10,1.5,North,ok
2020-01-02,,1.5,South,ok
2020-01-03,14,,North,late
2020-01-04,16,2.0,East,ok
2020-01-05,NA,2.5,South,ok
2020-01-06,20,3.0,North,ok
"""


def _csv(tmp_path, text, name="data.csv", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _daily(values, start="2020-01-01"):
    """A Date,Sales CSV of consecutive days."""
    dates = np.arange(np.datetime64(start), np.datetime64(start) + len(values))
    return "Date,Sales\n" + "".join(f"{d},{v}\n" for d, v in zip(dates, values))


def _error(error, *args, **kwargs):
    with pytest.raises(error) as info:
        series.read(*args, **kwargs)
    return str(info.value)


def test_read_real_daily_temperatures():
    data = series.read(shared_file("timeseries/daily-min-temperatures.csv"), "Temp", date_column="Date")
    assert data.values.shape == (3650, 1) and data.values.dtype == np.float64
    assert data.columns == ("Temp",) and data.target == "Temp"
    assert data.frequency == "daily" and data.values[0, 0] == 20.7
    assert data.dates[0] == np.datetime64("1981-01-01") and np.all(np.diff(data.dates) > np.timedelta64(0))
    assert any("not daily" in note for note in data.notes)  # two leap-year Dec 31 are absent


def test_read_real_airline_passengers_is_monthly():
    path = shared_file("timeseries/airline-passengers.csv")
    data = series.read(path, "Passengers", date_column="Month")
    assert data.values.shape == (144, 1) and data.values[:3, 0].tolist() == [112, 118, 132]
    assert data.frequency == "monthly" and data.source == str(path.resolve())
    assert not any(note.startswith("warning") for note in data.notes)  # months of 28-31 days are regular


@pytest.mark.parametrize("delimiter", [";", "\t", "|"])
def test_read_sniffs_delimiter_with_quotes_and_bom(tmp_path, delimiter):
    text = "".join(
        f'"{a}"{delimiter}"{b}"{delimiter}{c}\n'
        for a, b, c in [
            ("Month", "Sales", "Price"),
            ("2020-01", "1", "5"),
            ("2020-02", "2", "6"),
            ("2020-03", "3", "7"),
        ]
    )
    data = series.read(_csv(tmp_path, "\ufeff" + text), "Sales", features="Price", date_column="Month")
    assert data.columns == ("Sales", "Price") and data.values.tolist() == [[1, 5], [2, 6], [3, 7]]


def test_read_without_date_column_keeps_row_order(tmp_path):
    data = series.read(_csv(tmp_path, "y,x\n3,1\n1,2\n2,3\n"), "y")
    assert data.values[:, 0].tolist() == [3, 1, 2]
    assert data.dates is None and data.frequency is None


def test_read_target_by_index_and_case_insensitive_name(tmp_path):
    path = _csv(tmp_path, SALES)
    for target in (1, "1", "sales"):
        assert series.read(path, target, date_column="Date", fill_missing="ffill").target == "Sales"


def test_read_first_row_of_values_asks_for_a_header(tmp_path):
    message = _error(DataError, _csv(tmp_path, "2020-01-01,1\n2020-01-02,2\n2020-01-03,3\n"), 1)
    assert "not column names" in message and "Add a header row" in message


def test_read_unknown_target_lists_the_columns(tmp_path):
    message = _error(DataError, _csv(tmp_path, SALES), "Revenue")
    assert "No target column 'Revenue'" in message
    assert "'Date', 'Sales', 'Price', 'Region', 'Comment'" in message and "--target" in message


def test_read_unknown_feature_lists_the_columns(tmp_path):
    message = _error(DataError, _csv(tmp_path, SALES), "Sales", features="Price,Cost")
    assert "No feature column 'Cost'" in message and "'Region'" in message and "--features" in message


def test_read_features_as_string_or_list_put_the_target_first(tmp_path):
    path = _csv(tmp_path, SALES)
    as_string = series.read(path, "Price", features="Sales, Price", date_column="Date", fill_missing="ffill")
    as_list = series.read(path, "Price", features=["Sales"], date_column="Date", fill_missing="ffill")
    assert as_string.columns == as_list.columns == ("Price", "Sales")
    assert np.array_equal(as_string.values, as_list.values)


def test_read_all_features_takes_numeric_columns_except_the_date(tmp_path):
    data = series.read(_csv(tmp_path, SALES), "Price", features="all", date_column="Date", fill_missing="ffill")
    assert data.columns == ("Price", "Sales")
    assert any("left out" in note and "Region" in note and "Comment" in note for note in data.notes)
    encoded = series.read(
        _csv(tmp_path, SALES), "Price", features="all", date_column="Date", fill_missing="ffill", categorical="Region"
    )
    assert encoded.columns == ("Price", "Sales", "Region=East", "Region=North", "Region=South")


def test_read_all_features_leaves_out_row_counters_and_years_with_a_note(tmp_path):
    rows = "".join(
        f"{2000 + i // 12}-{i % 12 + 1:02d},{i},{2000 + i // 12},{100 + i % 12 * 3 + (i % 5)},{i % 7}\n"
        for i in range(36)
    )
    path = _csv(tmp_path, "Month,row,year,sales,promo\n" + rows)
    data = series.read(path, "sales", features="all", date_column="Month")
    assert data.columns == ("sales", "promo")
    assert any("count rows or years: row, year" in note for note in data.notes), data.notes
    named = series.read(path, "sales", features="year,promo", date_column="Month")  # asked for by name: kept
    assert named.columns == ("sales", "year", "promo")


def test_read_non_numeric_feature_says_to_use_categorical(tmp_path):
    message = _error(
        DataError,
        _csv(tmp_path, SALES),
        "Sales",
        features="Price,Region,Comment",
        date_column="Date",
        fill_missing="ffill",
    )
    assert "'Region' (line 2: 'North')" in message and "'Comment' (line 2: 'ok')" in message
    assert "--categorical COL" in message and "--features" in message


def test_read_decimal_commas_get_a_hint(tmp_path):
    path = _csv(tmp_path, "Day;Sales\n2020-01-01;1,5\n2020-01-02;2,5\n2020-01-03;3,0\n")
    message = _error(DataError, path, "Sales", date_column="Day")
    assert "'Sales' (line 2: '1,5')" in message and "decimal comma" in message


def test_read_categorical_one_hot_encodes_sorted_values(tmp_path):
    data = series.read(
        _csv(tmp_path, SALES),
        "Sales",
        features="Price",
        date_column="Date",
        fill_missing="interpolate",
        categorical=("Region",),
    )  # an input without --features
    assert data.columns == ("Sales", "Price", "Region=East", "Region=North", "Region=South")
    assert data.values[:, 2:].tolist() == [[0, 1, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0], [0, 0, 1], [0, 1, 0]]
    assert any("'Region' one-hot encoded: 3 columns" in note for note in data.notes)


def test_read_categorical_target_is_a_usage_error(tmp_path):
    message = _error(UsageError, _csv(tmp_path, SALES), "Sales", categorical=["Sales"])
    assert "cannot be categorical" in message


def test_read_missing_values_error_names_columns_lines_and_fix(tmp_path):
    message = _error(DataError, _csv(tmp_path, SALES), "Sales", features="Price", date_column="Date")
    assert "'Sales': 2 (lines 3, 6)" in message and "'Price': 1 (lines 4)" in message
    assert "--fill-missing ffill|interpolate|drop" in message


def test_read_missing_values_error_shows_at_most_five_lines(tmp_path):
    message = _error(DataError, _csv(tmp_path, _daily([1, "", "", "", "", "", "", 8])), "Sales")
    assert "'Sales': 6 (lines 3, 4, 5, 6, 7, ...)" in message


def test_read_ffill_repeats_the_last_value(tmp_path):
    data = series.read(_csv(tmp_path, SALES), "Sales", features="Price", date_column="Date", fill_missing="ffill")
    assert data.values.tolist() == [[10, 1.5], [10, 1.5], [14, 1.5], [16, 2.0], [16, 2.5], [20, 3.0]]
    assert "2 missing values in 'Sales' filled (ffill)" in data.notes


def test_read_ffill_back_fills_a_leading_gap_with_a_note(tmp_path):
    data = series.read(_csv(tmp_path, _daily(["", "null", 5, 6])), "Sales", fill_missing="ffill")
    assert data.values[:, 0].tolist() == [5, 5, 5, 6]
    assert any("2 leading missing values in 'Sales' back-filled" in note and "line 4" in note for note in data.notes)


def test_read_interpolate_is_linear_with_ends_held(tmp_path):
    data = series.read(_csv(tmp_path, SALES), "Sales", features="Price", date_column="Date", fill_missing="interpolate")
    assert np.allclose(data.values[:, 0], [10, 12, 14, 16, 18, 20])
    assert np.allclose(data.values[:, 1], [1.5, 1.5, 1.75, 2.0, 2.5, 3.0])
    ends = series.read(_csv(tmp_path, _daily(["NaN", 2, 4, ""]), "ends.csv"), "Sales", fill_missing="interpolate")
    assert ends.values[:, 0].tolist() == [2, 2, 4, 4]


def test_read_interpolate_follows_time_order_after_sorting(tmp_path):
    path = _csv(tmp_path, "Date,Sales\n2020-01-03,30\n2020-01-01,10\n2020-01-02,\n")
    data = series.read(path, "Sales", date_column="Date", fill_missing="interpolate")
    assert data.values[:, 0].tolist() == [10, 20, 30]


def test_read_drop_removes_rows_and_dates_with_a_warning(tmp_path):
    data = series.read(_csv(tmp_path, SALES), "Sales", features="Price", date_column="Date", fill_missing="drop")
    assert data.values.tolist() == [[10, 1.5], [16, 2.0], [20, 3.0]]
    assert data.dates.astype(str).tolist() == ["2020-01-01", "2020-01-04", "2020-01-06"]
    assert any("3 rows with missing values dropped" in note and "equally spaced" in note for note in data.notes)


def test_read_unknown_fill_mode_lists_the_modes(tmp_path):
    message = _error(UsageError, _csv(tmp_path, SALES), "Sales", fill_missing="mean")
    assert "ffill, interpolate, drop" in message and "'mean'" in message


def test_read_duplicate_dates_are_listed(tmp_path):
    path = _csv(tmp_path, "Date,Sales\n2020-01-01,1\n2020-01-02,2\n2020-01-02,3\n2020-01-03,4\n")
    message = _error(DataError, path, "Sales", date_column="Date")
    assert "1 repeated dates" in message and "2020-01-02 (lines 3 and 4)" in message


def test_read_unsorted_dates_are_sorted_with_a_note(tmp_path):
    path = _csv(tmp_path, "Date,Sales\n2020-01-03,3\n2020-01-01,1\n2020-01-02,2\n")
    data = series.read(path, "Sales", date_column="Date")
    assert data.values[:, 0].tolist() == [1, 2, 3]
    assert data.dates.astype(str).tolist() == ["2020-01-01", "2020-01-02", "2020-01-03"]
    assert "warning: rows sorted by 'Date' (they were not in date order)" in data.notes


def test_read_unparsable_date_names_column_line_value_and_forms(tmp_path):
    path = _csv(tmp_path, "Date,Sales\n2020-01-01,1\n01/02/2020,2\n2020-01-03,3\n")
    message = _error(DataError, path, "Sales", date_column="Date")
    assert "'01/02/2020' in column 'Date'" in message and "(line 3)" in message and "YYYY-MM-DD" in message


def test_read_slash_and_unpadded_dates(tmp_path):
    data = series.read(
        _csv(tmp_path, "Date,Sales\n1981/1/1,1\n1981/01/02,2\n1981-1-3,3\n"), "Sales", date_column="Date"
    )
    assert data.dates.astype(str).tolist() == ["1981-01-01", "1981-01-02", "1981-01-03"]


@pytest.mark.parametrize(
    "dates, frequency",
    [
        (["2020-01-01", "2020-01-08", "2020-01-15"], "weekly"),
        (["2020-01", "2020-04", "2020-07", "2020-10"], "quarterly"),
        (["2019", "2020", "2021"], "yearly"),
        (["2020-01-01 10:00", "2020-01-01 11:00", "2020-01-01 12:00"], "hourly"),
        (["2020-01-01", "2020-01-04", "2020-01-07"], "every 3 days"),
    ],
)
def test_read_infers_the_frequency(tmp_path, dates, frequency):
    text = "When,Sales\n" + "".join(f"{d},{i}\n" for i, d in enumerate(dates))
    assert series.read(_csv(tmp_path, text), "Sales", date_column="When").frequency == frequency


def test_read_infinite_values_are_an_error(tmp_path):
    message = _error(DataError, _csv(tmp_path, _daily([1, "inf", 3])), "Sales")
    assert "infinite values in column 'Sales'" in message and "(lines 3)" in message


def test_read_fewer_than_two_rows_is_an_error(tmp_path):
    assert "at least 2" in _error(DataError, _csv(tmp_path, _daily([1])), "Sales")
    message = _error(DataError, _csv(tmp_path, _daily([1, "", ""]), "gaps.csv"), "Sales", fill_missing="drop")
    assert "Only 1 row(s) left" in message


def test_read_missing_file_says_what_is_expected(tmp_path):
    message = _error(DataError, tmp_path / "sales.csv", "Sales")
    assert "not found" in message and "header row" in message


def test_split_sizes_default_to_horizon_multiples_near_15_percent():
    assert series.split_sizes(144, 12) == (24, 24)
    assert series.split_sizes(3650, 7) == (546, 546)
    assert series.split_sizes(40, 12) == (12, 12)  # at least one horizon


def test_split_sizes_take_steps_or_fractions():
    assert series.split_sizes(100, 5, test_size=10, validation_size=0.25) == (25, 10)
    assert series.split_sizes(100, 1, test_size=0.123) == (15, 12)  # fractions round to steps, not horizons


@pytest.mark.parametrize("size", [5, 0.05])
def test_split_sizes_shorter_than_the_horizon_is_a_usage_error(size):
    with pytest.raises(UsageError, match=r"test part .* shorter than the horizon \(12 steps\).*no full forecast"):
        series.split_sizes(144, 12, test_size=size)


@pytest.mark.parametrize("size", [0, -3, 1.5, "10", True])
def test_split_sizes_refuse_what_is_no_size(size):
    with pytest.raises(UsageError, match=r"--validation-size must be a number of steps"):
        series.split_sizes(144, 1, validation_size=size)


def test_split_sizes_leaving_nothing_to_train_on_is_a_data_error():
    with pytest.raises(DataError, match=r"24 steps leave none to train on after 12 validation and 12 test"):
        series.split_sizes(24, 12)


def test_check_length_names_the_numbers_and_the_fixes():
    series.check_length(36, window=24, horizon=12)  # exactly enough
    with pytest.raises(DataError) as info:
        series.check_length(30, window=24, horizon=12, what="validation part")
    assert str(info.value).startswith(
        "Too few rows: the validation part has 30 steps, but a window of 24 steps "
        "plus a horizon of 12 needs at least 36."
    )
    assert "--fix window=" in str(info.value)


SETTINGS = {
    "features": ["y", "price", "promo=none", "promo=tv", "promo=web"],
    "target": "y",
    "window": 3,
    "reading": {"date_column": "day", "fill_missing": "interpolate", "categorical": ["promo"]},
}


def test_latest_window_reads_recent_rows_as_the_search_read_its_file(tmp_path):
    # Out of date order, a gap in price, only two of training's three promotions, and one it never had.
    path = _csv(
        tmp_path,
        "day,y,price,promo\n2020-01-04,4,13,tv\n2020-01-01,1,10,none\n2020-01-02,2,,tv\n2020-01-03,3,12,radio\n",
    )
    window = series.latest_window(path, SETTINGS)
    assert window.dtype == np.float32
    np.testing.assert_array_equal(
        window,
        [
            [2, 11, 0, 1, 0],  # the gap interpolated between its neighbours, as --fill-missing interpolate does
            [3, 12, 0, 0, 0],  # "radio": a category training never had, left out
            [4, 13, 0, 1, 0],  # sorted by date: the last row of the file is not the last step
        ],
    )


def test_latest_window_needs_the_exports_window_of_rows(tmp_path):
    path = _csv(tmp_path, "day,y,price,promo\n2020-01-01,1,10,tv\n2020-01-02,2,11,web\n")
    with pytest.raises(DataError, match="has 2 rows to read; the export reads the last 3. Give at least 3"):
        series.latest_window(path, SETTINGS)


def test_read_refuses_values_too_large_for_float32_training_naming_the_lines(tmp_path):
    path = _csv(tmp_path, "y\n1\n6e30\n3\n4\n")
    with pytest.raises(
        DataError, match=r"1 values too large to train on in column 'y' .*lines 3, e\.g\. 6e\+30.*Rescale"
    ):
        series.read(path, "y")
