"""Presets: named budgets and search spaces for a first run or a target accuracy (`--preset NAME`).

A preset sets the defaults of some options (sizes, tuner, budget) and narrows the
search space; options, `--fix` and `--space` given with it override it. Each one's
cost and result are measured in BENCHMARKS.md. Pure Python: no TensorFlow import.

The rule for a preset's choices: they are made on validation data (a part held out of the
training data), never on the test set, which scores the finished preset once per seed.
"""

import dataclasses
from typing import Any

from hypermodels import space as sp


@dataclasses.dataclass(frozen=True)
class Preset:
    """Option defaults and search-space domains under one name.

    Args:
        name: what `--preset` takes.
        summary: one line for `--help`: what it costs and reaches.
        options: `{option dest: value}`, defaults of the search's options.
        space: `{hyperparameter: Domain}`, applied before `--space` and `--fix`.
        tasks: the tasks it is made for (`None`: every task).
    """

    name: str
    summary: str
    options: dict[str, Any]
    space: dict[str, sp.Domain] = dataclasses.field(default_factory=dict)
    tasks: tuple[str, ...] | None = None


PRESETS = {
    # A first run that finishes in about 3 minutes on a laptop CPU and still exercises every step: 10,000
    # reviews (the best median validation accuracy of 6,000, 8,000 and 10,000 over three seeds, by under a
    # point), one small Hyperband round, settings that learn within 3 epochs; 5,000 test reviews, so the
    # score it prints is within a point.
    "quick": Preset(
        "quick",
        "first run: 10,000 texts, one small Hyperband round (about 3 min on 2 CPU cores)",
        {"max_epochs": 3, "factor": 3, "train_size": 10_000, "test_size": 5_000, "max_tokens": 10_000},
        {
            sp.CELL: sp.choice(("gru", "lstm"), "gru"),
            sp.NUM_LAYERS: sp.fixed(1),
            sp.HEAD: sp.fixed("max_pool"),
            sp.OPTIMIZER: sp.fixed("adam"),
            sp.LEARNING_RATE: sp.span(1e-3, 1e-2, sampling="log", default=3e-3),
            sp.L2: sp.fixed(0.0),
            sp.BATCH_SIZE: sp.fixed(64),
        },
    ),
    # From scratch, no pretrained embeddings: a bidirectional GRU pooled over time reads 400 tokens
    # (the mean review is ~240 words: 200 cut 43 % of them short). On the 5,000 validation reviews
    # (bench/choices.py) one model peaks at epoch 2-3 at 0.879-0.892 by its initialisation alone;
    # 600 tokens and 40,000 words scored no higher and take 1.3-1.7x the time; max-and-mean pooling
    # is a wash; the mean of two models scored 0.887-0.893, of three 0.891-0.894, of four 0.895. So four
    # random trials, stopped at the first rise of the validation loss, and the export averages all four,
    # each refit on all 25,000. The weights' moving average (--ema 0.99, about the last 100 steps) lifted
    # two initialisations' best epoch by 0.4-0.6 points and their mean by 0.7 (0.995 by 0.0-0.4), and
    # still rose at the third epoch where the training weights had peaked at the second. (On the test
    # reviews, scored once per seed afterwards, it moved nothing: 0.8896 and 0.8886 against 0.8904 and
    # 0.8891 without it, and the run takes 36-41 min against 29-32.) A convolution of 128 filters before
    # the GRU (conv_filters; its steps pooled by two) lifted both initialisations' best epoch by a point
    # (0.8816 -> 0.8914, 0.8920) and their mean by 0.8 (0.8866 -> 0.8944), at 0.75x a model's time.
    # (On the test reviews afterwards, once per seed: 0.8938 and 0.8955, in 29-30 min.)
    "imdb-best": Preset(
        "imdb-best",
        "IMDB accuracy: the mean of four convolutions and bidirectional GRUs over 400 tokens, their "
        "weights averaged (29-30 min on 2 CPU cores, 0.894-0.896 test accuracy: BENCHMARKS.md)",
        {
            "tuner": "random",
            "max_trials": 4,
            "max_epochs": 3,
            "patience": 1,
            "sequence_length": 400,
            "ensemble": 4,
            "ema": 0.99,
        },
        {
            sp.CELL: sp.fixed("gru"),
            sp.BIDIRECTIONAL: sp.fixed(True),
            sp.NUM_LAYERS: sp.fixed(1),
            sp.UNITS[0]: sp.fixed(64),
            sp.EMBEDDING_DIM: sp.fixed(128),
            sp.CONV_FILTERS: sp.fixed(128),
            sp.DROPOUT: sp.choice((0.3, 0.4), 0.3),
            sp.HEAD: sp.choice(("max_pool", "max_mean_pool"), "max_mean_pool"),
            sp.OPTIMIZER: sp.fixed("adam"),
            sp.LEARNING_RATE: sp.span(1.5e-3, 3e-3, sampling="log", default=2e-3),
            sp.L2: sp.fixed(0.0),
            sp.BATCH_SIZE: sp.fixed(128),
            sp.CLIPNORM: sp.fixed(0.0),
            sp.INITIALIZER: sp.fixed("glorot_uniform"),
        },
        tasks=("text",),
    ),
}


def get(name: str) -> Preset:
    """The preset called `name`; raises `ValueError` listing the valid names."""
    if name not in PRESETS:
        raise ValueError(f"Expected preset to be one of {sorted(PRESETS)}. Received: preset={name!r}")
    return PRESETS[name]


def help_text() -> str:
    """`--help`'s list: one `name: summary` per preset."""
    return "; ".join(f"{p.name}: {p.summary}" for p in PRESETS.values())
