"""Configs as the command line builds them, and the arguments that make a search take seconds.

One place for what 14 test files each wrote their own way: `config(...)` parses a command line
into a `Config`, `tiny(...)` adds the tiny-search arguments of the dataset, and `argv(...)` gives
the same search as a command for a real process.
"""

import sys

from kt_rnn import config as config_lib
from kt_rnn.options import build_parser

# Per dataset: what keeps one trial to a second or two on tiny data (short inputs, small layers,
# two epochs). Tests add what they are about.
TINY = {
    "imdb": ("--sequence-length", "16", "--max-epochs", "2", "--fix", "embedding_dim=8"),
    "text": ("--sequence-length", "12", "--max-epochs", "2", "--fix", "embedding_dim=8"),
    "sequence": ("--max-epochs", "2", "--fix", "units_0=16", "--fix", "num_layers=1"),
    "timeseries": (
        *("--max-epochs", "2", "--fix", "units_0=16", "--fix", "num_layers=1", "--fix", "batch_size=32"),
        *("--ensemble", "1"),  # a short series' export would average its 5 best trials
    ),
}


def config(dataset, *argv):
    """The `Config` of `python -m kt_rnn.search DATASET ARGV...`."""
    return config_lib.Config.from_args(build_parser().parse_args([dataset, *map(str, argv)]))


def tiny(dataset, data, logdir, *argv):
    """A tiny search's `Config`: `dataset` on `data` under `logdir`, then `argv` (later options win)."""
    return config(dataset, *_tiny_args(dataset, data, logdir), *argv)


def argv(dataset, data, logdir, *more):
    """The tiny search of `tiny(...)` as the command a user types."""
    return [sys.executable, "-m", "kt_rnn.search", dataset, *_tiny_args(dataset, data, logdir), *map(str, more)]


def _tiny_args(dataset, data, logdir):
    return ["--data", str(data), "--logdir", str(logdir), *TINY[dataset]]


def wave(logdir, **options):
    """`kt_rnn.tune`'s keywords for the session's finished tiny forecasting search (conftest's
    `finished_timeseries_search`, 2 random trials on a sine wave) under `logdir`, then `options`."""
    return {
        "dataset": "timeseries",
        "target": "y",
        "horizon": 4,
        "tuner": "random",
        "max_trials": 2,
        "max_epochs": 2,
        "fix": ["units_0=16", "num_layers=1", "batch_size=32"],
        "ensemble": 1,  # a short series' export would average its 5 best trials
        "logdir": str(logdir),
        **options,
    }
