"""The network shrunk toward its base, on validation data only: its export against the mean of it and its base.

On a short series a network's lead over its base on the validation folds may be chance; one guard
is to serve the mean of the two forecasts. This scores that, without training anything, on the
searches of `bench/forecast_corpus.py --development` (their test part is the series' validation
part, so the test parts stay unread): for each search that exported a network, the network's
forecasts are read from `best/predictions.csv`, its best base on validation (`base_comparison` in
`best/metrics.json`: a window and a `predict`) forecasts the same windows from the steps before
each origin (`hypermodels.bases.base_weights`), and the MAE of the network, of the base and of
their mean are printed, with the geometric mean of (mean / network) over the searches.

    python bench/shrink.py /tmp/wd/logs_42/*_42/* /tmp/wd/logs_43/*_43/*

Each argument is a search's directory (LOGDIR/PROJECT, as `--development` names it: SERIES_development),
with the development CSV the bench wrote beside LOGDIR/SERIES_SEED. Run it before `--export-again`,
which replaces `best/`. Searches that exported the base alone are skipped (nothing to shrink).
"""

import argparse
import csv
import json
import math
import pathlib
import statistics
import sys

import numpy as np

REPO = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "searches", nargs="+", type=pathlib.Path, help="LOGDIR/SERIES_SEED/SERIES_development directories"
    )
    return parser.parse_args(argv)


def series_values(search):
    """The development CSV's target column, the series the search read (its second column)."""
    name = search.name.removesuffix("_development")
    with open(search.parent.parent / f"{name}_development.csv", newline="") as f:
        return np.array([float(row[1]) for row in list(csv.reader(f))[1:]])


def scored(search):
    """`{series, seed, predict, network, base, mean}` MAEs of one search on its test windows; None for a base export."""
    from forecast_corpus import SERIES

    from hypermodels.bases import base_weights

    metrics = json.loads((search / "best" / "metrics.json").read_text())
    comparison = metrics.get("base_comparison")
    if not comparison or metrics.get("exported_base"):
        return None
    name = search.name.removesuffix("_development")
    values, window = series_values(search), comparison["hparams"]["window"]
    with open(search / "best" / "predictions.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    horizon = max(int(row["step"]) for row in rows)
    weights = base_weights(comparison["hparams"]["predict"], window, horizon, SERIES[name]["season"] or 1)
    origins, steps = (np.array([int(row[key]) for row in rows]) for key in ("origin", "step"))
    base = np.array([values[o - window : o] @ weights[:, s - 1] for o, s in zip(origins, steps)])
    network, actual = (np.array([float(row[key]) for row in rows]) for key in ("forecast", "actual"))
    if not np.allclose(values[origins + steps - 1], actual, rtol=1e-4):  # the windows are the CSV's rows
        raise ValueError(f"{search}: predictions.csv's actuals are not the development CSV's rows")

    def mae(forecast):
        return float(np.mean(np.abs(forecast - actual)))

    seed = search.parent.name.rsplit("_", 1)[1]
    predict = comparison["hparams"]["predict"]
    return {"series": name, "seed": seed, "predict": predict, "network": mae(network), "base": mae(base),
            "mean": mae((network + base) / 2)}  # fmt: skip


def main(argv=None):
    args = parse_args(argv)
    rows = [row for row in map(scored, args.searches) if row]
    for row in rows:
        print(
            f"{row['series']:12s} {row['seed']} base {row['predict']:14s} network {row['network']:.4g} "
            f"base {row['base']:.4g} mean {row['mean']:.4g} | mean / network {row['mean'] / row['network']:.3f}"
        )
    if rows:
        ratios = [row["mean"] / row["network"] for row in rows]
        geometric = math.exp(statistics.mean(map(math.log, ratios)))
        print(f"{len(rows)} network searches: mean / network {geometric:.3f} (geometric mean), median "
              f"{statistics.median(ratios):.3f}, better on {sum(r < 1 for r in ratios)}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
