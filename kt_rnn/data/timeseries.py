"""A CSV series -> chronological train / validation / test `Segment`s for forecasting.

The series is read by `kt_rnn.data.series` (columns, dates, gaps, categories);
this module splits it in time order (no shuffling across the boundaries), takes
the normalization statistics from the training part only, and checks that the
longest window of the search fits. The windows themselves are cut per trial by
the forecaster (`hypermodels.forecaster`), since the window is a hyperparameter.
"""

from typing import Any

import numpy as np

from hypermodels import space as sp
from kt_rnn import objectives
from kt_rnn.data import Dataset, fingerprint
from kt_rnn.data import series as series_lib
from kt_rnn.errors import DataError

DEFAULT_HORIZON = 1
DEFAULT_STRIDE = 1


def load(config: Any, series: series_lib.Series | None = None) -> Dataset:
    """Loads the series of `config` (or `series`, a `kt_rnn.data.series.Series` in memory) as a `Dataset`."""
    from hypermodels.forecaster import Segment  # TensorFlow from here on

    data = read_inputs(config, series)["series"]
    horizon, steps = config.option("horizon") or DEFAULT_HORIZON, len(data.values)
    train_end, validation_end = _ends(data, config)
    validation, test = validation_end - train_end, steps - validation_end
    spec = _spec(data, config, horizon, train_end, validation_end)
    return Dataset(
        train=Segment(data.values, 0, train_end),
        validation=Segment(data.values, train_end, validation_end),
        test=Segment(data.values, validation_end, steps),
        problem=objectives.REGRESSION,
        spec=spec,
        class_names=None,
        sizes={"train": train_end, "validation": validation, "test": test},
        fingerprint=fingerprint(data.values, data.dates if data.dates is not None else []),
        source=data.source,
        notes=(*data.notes, f"{len(data.columns)} input column(s): {', '.join(data.columns)}; horizon {horizon}"),
        unit="steps",
    )


def read_inputs(config: Any, series: series_lib.Series | None = None) -> dict[str, Any]:
    """`load`'s keyword arguments: the series of `config.data.path` (or `series`), read and checked
    (columns, values, length for the splits and windows) without TensorFlow."""
    if series is None and not config.data.path:
        raise DataError(
            "The timeseries dataset needs --data FILE.csv (a header row, one row per step) and --target COLUMN."
        )
    # --data checked above; --target by `Config` for the timeseries dataset.
    data = series or series_lib.read(
        config.data.path,
        config.option("target"),
        config.option("features"),  # type: ignore[arg-type]
        config.option("date_column"),
        config.option("fill_missing"),
        config.option("categorical") or (),
    )
    _ends(data, config)
    return {"series": data}


def _ends(data: series_lib.Series, config: Any) -> tuple[int, int]:
    """`(train_end, validation_end)`: where the training and validation parts end; checks that the
    training part holds the longest window and its horizon."""
    horizon, steps = config.option("horizon") or DEFAULT_HORIZON, len(data.values)
    validation, test = series_lib.split_sizes(steps, horizon, config.data.test_size, config.option("validation_size"))
    train_end, validation_end = steps - validation - test, steps - test
    # Default windows the training part cannot hold are left out of the space (`kt_rnn.search.plan`).
    series_lib.check_length(
        train_end,
        window_bound(
            config.space,  # type: ignore[arg-type]  # set by `Config`
            shortest=config.is_default(sp.WINDOW),
        ),
        horizon,
    )
    return train_end, validation_end


def window_bound(space: sp.SearchSpace, shortest: bool = False) -> int:
    """The longest window the search may try (or the shortest)."""
    domain = space.domain(sp.WINDOW)
    if domain.kind == sp.RANGE:
        return int(domain.min_value if shortest else domain.max_value)
    return int(min(domain.values) if shortest else max(domain.values))


def _spec(data: series_lib.Series, config: Any, horizon: int, train_end: int, validation_end: int) -> dict[str, Any]:
    """What the forecaster and the forecast scores need, from the training part only."""
    train = data.values[:train_end]
    variance = train.var(axis=0)
    target_std = float(train[:, 0].std())
    return {
        "inputs": len(data.columns),
        "columns": list(data.columns),
        "target": data.target,
        "horizon": horizon,
        "season": config.option("season") or 1,
        "stride": config.option("stride") or DEFAULT_STRIDE,
        "mean": train.mean(axis=0).tolist(),
        "variance": np.where(variance > 0, variance, 1.0).tolist(),  # a constant column: scale 1
        "target_mean": float(train[:, 0].mean()),
        "target_std": target_std if target_std > 0 else 1.0,
        "train_end": train_end,
        "validation_end": validation_end,
        "dates": data.dates,
        "frequency": data.frequency,
        "baselines": config.output.baselines != "none",  # AutoETS and AutoARIMA beside the naive forecasts
        # How the rows were read: the export's user reads recent rows the same way (`series.latest_window`).
        "reading": {
            "date_column": config.option("date_column"),
            "fill_missing": config.option("fill_missing"),
            "categorical": list(config.option("categorical") or ()),
        },
    }
