"""Hyperparameter names, types and default search domains of the recurrent hypermodels.

Every hyperparameter name is declared here once and imported everywhere else.
The recurrent part (`RECURRENT_PARAMS`: cell, depth, units, dropout, optimizer,
learning rate, batch size, ...) is one table shared by every recurrent
HyperModel; each model's own table adds its params to it (`TEXT_PARAMS` adds
`embedding_dim` and `conv_filters`). A `SearchSpace` is one such table with the user's edits.
Pure Python (no TensorFlow, Keras or KerasTuner import), so the command line can
validate a user's edits to the space before any heavy import or any training.
"""

import dataclasses
import difflib
import math
from collections.abc import Callable, Collection, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeGuard

if TYPE_CHECKING:
    import keras_tuner

CELL = "cell"
BIDIRECTIONAL = "bidirectional"
NUM_LAYERS = "num_layers"
MAX_LAYERS = 3
UNITS = tuple(f"units_{i}" for i in range(MAX_LAYERS))
EMBEDDING_DIM = "embedding_dim"
CONV_FILTERS = "conv_filters"  # text: a convolution over the embeddings before the stack (0: none)
DROPOUT = "dropout"
RECURRENT_DROPOUT = "recurrent_dropout"
L2 = "l2"
INITIALIZER = "initializer"
HEAD = "head"
OPTIMIZER = "optimizer"
LEARNING_RATE = "learning_rate"
CLIPNORM = "clipnorm"
BATCH_SIZE = "batch_size"
WINDOW = "window"  # forecasting: steps of history the model reads
PREDICT = "predict"  # forecasting: the next steps' level, change from the last value, or from a season before
NORMALIZE = "normalize"  # forecasting: the target's inputs scaled by the training part's level, or each window's

CELLS = ("simple_rnn", "gru", "lstm")
INITIALIZERS = ("glorot_uniform", "he_normal", "orthogonal")
HEADS = ("last", "max_pool", "max_mean_pool")
SEARCHED_HEADS = HEADS[:2]  # max_mean_pool (1.5x the head's inputs) only where asked for: --fix, --space
OPTIMIZERS = ("adam", "rmsprop", "sgd")
PREDICTS = ("change", "level", "seasonal", "seasonal_trend")
NORMALIZES = ("series", "window")
# Seasons up to this many steps reach the forecaster (windows of whole seasons, predict="seasonal"):
# monthly, quarterly, weekly and hourly data. A daily series' 365 would make every window a year of
# steps, which a recurrent network reads slowly and a few years of data cannot fill.
LONGEST_SEASON = 24

FIXED, CHOICE, RANGE = "fixed", "choice", "range"
SAMPLINGS = ("linear", "log", "reverse_log")


@dataclasses.dataclass(frozen=True)
class Domain:
    """Where one hyperparameter is searched.

    Args:
        kind: `"fixed"` (one value), `"choice"` (a list of values) or
            `"range"` (numeric `min_value`..`max_value`, both inclusive).
        values: the value (fixed) or the values (choice).
        min_value: lower end of a range.
        max_value: upper end of a range.
        step: distance between samples of a range (`None`: continuous floats,
            1 for ints).
        sampling: `"linear"`, `"log"` or `"reverse_log"` for a range.
        default: the value tried first; `None` lets KerasTuner pick.
    """

    kind: str
    values: tuple[Any, ...] = ()
    min_value: Any = None
    max_value: Any = None
    step: Any = None
    sampling: str = "linear"
    default: Any = None


def fixed(value: Any) -> Domain:
    return Domain(FIXED, values=(value,))


def choice(values: Iterable[Any], default: Any = None) -> Domain:
    return Domain(CHOICE, values=tuple(values), default=default)


def span(
    min_value: float, max_value: float, step: float | None = None, sampling: str = "linear", default: Any = None
) -> Domain:
    return Domain(RANGE, (), min_value, max_value, step, sampling, default)


@dataclasses.dataclass(frozen=True)
class Param:
    """One tunable hyperparameter: its Python type, valid values and default domain.

    Args:
        name: the hyperparameter name (one of the constants above).
        type: `bool`, `int`, `float` or `str`.
        domain: the default `Domain`.
        valid: predicate a value must satisfy.
        rule: the predicate in words, for error messages.
        parent: `(name, values)`: active only while that hyperparameter has
            one of these values (KerasTuner conditional scope), else `None`.
    """

    name: str
    type: type
    domain: Domain
    valid: Callable[[Any], bool]
    rule: str
    parent: tuple[str, tuple[Any, ...]] | None = None

    def register(self, hp: "keras_tuner.HyperParameters", domain: Domain | None = None) -> Any:
        """Declares this hyperparameter on a KerasTuner `hp`; returns its value."""
        d = domain or self.domain
        kwargs: dict[str, Any] = {}
        if self.parent:
            kwargs = {"parent_name": self.parent[0], "parent_values": list(self.parent[1])}
        if d.kind == FIXED:
            return hp.Fixed(self.name, d.values[0], **kwargs)
        if d.kind == CHOICE and self.type is bool and set(d.values) == {False, True}:
            return hp.Boolean(self.name, default=bool(d.default), **kwargs)
        if d.kind == CHOICE:
            return hp.Choice(self.name, list(d.values), default=d.default, **kwargs)
        make = hp.Int if self.type is int else hp.Float
        return make(
            self.name,
            d.min_value,
            d.max_value,
            step=d.step,
            sampling=d.sampling,
            default=d.default,
            **kwargs,
        )


def _options(allowed: Collection[Any]) -> tuple[Callable[[Any], bool], str]:
    return lambda v: v in allowed, f"one of {list(allowed)}"


# What a model can build: beyond these a trial runs out of memory (a GRU of 100 million units asks
# for petabytes) instead of training; each bound is said in the error that refuses a larger value.
MAX_WIDTH = 4096  # units of a recurrent layer, embedding dimension
MAX_BATCH_SIZE = 65536
MAX_LEARNING_RATE = 10.0


def _between(low: float, high: float, low_open: bool = False) -> tuple[Callable[[Any], bool], str]:
    if low_open:
        return lambda v: low < v <= high, f"> {low:g} and <= {high:g}"
    return lambda v: low <= v <= high, f"from {low:g} to {high:g}"


def _units_param(layer: int) -> Param:
    parent = (NUM_LAYERS, tuple(range(layer + 1, MAX_LAYERS + 1)))
    domain = span(16, 128, step=16, default=64)
    return Param(UNITS[layer], int, domain, *_between(1, MAX_WIDTH), parent)


def _embedding_param() -> Param:
    return Param(EMBEDDING_DIM, int, choice((32, 64, 128), 64), *_between(1, MAX_WIDTH))


# Last in the text table: a name added before the others would change every draw a seed makes
# (KerasTuner draws one number per name, in order), so the searches measured before it keep theirs
# for their first trial.
def _conv_param() -> Param:
    return Param(CONV_FILTERS, int, fixed(0), *_between(0, MAX_WIDTH))


# Shared by every recurrent HyperModel, in the order the HParams dashboard lists them.
RECURRENT_PARAMS = (
    Param(CELL, str, choice(CELLS, "gru"), *_options(CELLS)),
    Param(BIDIRECTIONAL, bool, choice((False, True), False), *_options((False, True))),
    Param(NUM_LAYERS, int, span(1, MAX_LAYERS, default=1), *_options(range(1, MAX_LAYERS + 1))),
    *(_units_param(layer) for layer in range(MAX_LAYERS)),
    Param(DROPOUT, float, span(0.0, 0.5, step=0.1, default=0.2), lambda v: 0 <= v < 1, "in [0, 1)"),
    # Fixed at 0 by default: any recurrent dropout disables the cuDNN kernels.
    Param(RECURRENT_DROPOUT, float, fixed(0.0), lambda v: 0 <= v < 1, "in [0, 1)"),
    Param(L2, float, choice((0.0, 1e-5, 1e-4, 1e-3), 0.0), lambda v: v >= 0, ">= 0"),
    Param(INITIALIZER, str, choice(INITIALIZERS, "glorot_uniform"), *_options(INITIALIZERS)),
    Param(HEAD, str, choice(SEARCHED_HEADS, "last"), *_options(HEADS)),
    Param(OPTIMIZER, str, choice(OPTIMIZERS, "adam"), *_options(OPTIMIZERS)),
    Param(LEARNING_RATE, float, span(1e-4, 1e-2, sampling="log", default=1e-3), *_between(0, MAX_LEARNING_RATE, True)),
    # 0 means no gradient clipping.
    Param(CLIPNORM, float, choice((0.0, 1.0, 5.0), 0.0), lambda v: v >= 0, ">= 0 (0 = off)"),
    Param(BATCH_SIZE, int, choice((32, 64, 128), 64), *_between(1, MAX_BATCH_SIZE)),
)


def _searched(params: Iterable[Param], domains: Mapping[str, Domain]) -> tuple[Param, ...]:
    """`params` with the default domains of some of them replaced."""
    return tuple(dataclasses.replace(p, domain=domains[p.name]) if p.name in domains else p for p in params)


# Text: where the budget pays on a CPU (bench/head_to_head.py, BENCHMARKS.md). SimpleRNN does not
# carry a review's sentiment across 200 steps and SGD does not learn in Hyperband's first 1-2
# epochs (both sat at chance), nor do learning rates under 1e-3 (0.74-0.83 where 3e-3 gave 0.85);
# a second layer, a backward direction, 128 units or batches of 64 each cost 2-3x an epoch with no
# gain within a few epochs; pooling over time learns fastest. Each can still be searched with
# --space, --fix or --tune (which opens the shared domain of a name fixed here).
TEXT_DOMAINS = {
    CELL: choice(("gru", "lstm"), "gru"),
    BIDIRECTIONAL: fixed(False),
    NUM_LAYERS: fixed(1),
    UNITS[0]: span(32, 64, step=16, default=64),
    HEAD: choice(SEARCHED_HEADS, "max_pool"),
    OPTIMIZER: choice(("adam", "rmsprop"), "adam"),
    LEARNING_RATE: span(1e-3, 1e-2, sampling="log", default=3e-3),
    L2: choice((0.0, 1e-5, 1e-4), 0.0),
    BATCH_SIZE: fixed(128),
}
# The text classifier: token ids -> Embedding -> (a convolution, `conv_filters`) -> the recurrent stack.
TEXT_PARAMS = _searched((*RECURRENT_PARAMS[:6], _embedding_param(), *RECURRENT_PARAMS[6:], _conv_param()), TEXT_DOMAINS)
# Numeric sequences: the recurrent stack alone.
SEQUENCE_PARAMS = RECURRENT_PARAMS
# Forecasting: the stack reads `window` steps; it predicts the change from the last observed value
# by default (an RNN then only learns the correction to the naive forecast: it helps on trends), or,
# for a season the model can read (`predict_domain`), the correction to the seasonal-naive forecast
# with or without the last season's change (`hypermodels.layers.base_weights`).
FORECAST_PARAMS = (
    *RECURRENT_PARAMS,
    Param(WINDOW, int, choice((12, 24, 48), 24), lambda v: v >= 1, ">= 1"),
    Param(PREDICT, str, fixed("change"), *_options(PREDICTS)),
    # Only where the model learns a correction to a base from the window: a level forecast needs the level.
    Param(
        NORMALIZE, str, fixed("series"), *_options(NORMALIZES), (PREDICT, tuple(p for p in PREDICTS if p != "level"))
    ),
)


def seasonal(season: int | None) -> TypeGuard[int]:
    """True when a season of `season` steps reaches the forecaster (2 to `LONGEST_SEASON` steps)."""
    return bool(season) and 1 < int(season) <= LONGEST_SEASON  # type: ignore[arg-type]  # not None: bool(season)


def window_domain(horizon: int, season: int | None = None) -> Domain:
    """The default windows for a horizon: 1, 2 and 4 times it (at least 4 steps); with a `seasonal`
    season, `b + 1`, `2b` and `4b`, `b` the whole seasons that cover that (`b + 1`: a season and the
    step before it, what `predict="seasonal_trend"` needs at least).

    Example: horizon 12, season 12 -> 13, 24, 48; horizon 6, season 4 -> 9, 16, 32;
    horizon 1 -> 4, 8, 16.
    """
    base = max(int(horizon), 4)
    if not seasonal(season):
        return choice((base, 2 * base, 4 * base), 2 * base)
    base = int(season) * math.ceil(base / int(season))
    return choice((base + 1, 2 * base, 4 * base), 2 * base)


# Steps a forecaster's epoch (and the planner's) makes at least: Keras's per-epoch work (validation,
# callbacks, TensorBoard) outweighed epochs of 2-4 steps (nile's search: 10.2 min with them, 6.3 with
# 21-step epochs; BENCHMARKS.md).
MIN_EPOCH_STEPS = 20


def epoch_passes(windows: int, batch_size: int, min_steps: int) -> int:
    """Passes over `windows` training examples an epoch makes for at least `min_steps` batches of
    `batch_size` (batches run across the passes).

    Example: 61 windows in batches of 16 are 4 steps: `epoch_passes(61, 16, 20)` -> 6 passes, 23 steps.
    """
    return max(1, math.ceil(min_steps * batch_size / windows))


def predict_domain(season: int | None = None) -> Domain:
    """Where the season reaches the model: the correction to the seasonal-naive forecast, with or without
    the last season's change (`seasonal_trend`, tried first: the trend most seasonal series have);
    else the change from the last value."""
    if seasonal(season):
        return choice(("seasonal_trend", "seasonal"), "seasonal_trend")
    return fixed("change")


# The order the HParams dashboard lists them in (its first columns are the visible ones): what most
# often decides a recurrent model's score first; fixed hyperparameters go after the searched ones.
IMPORTANCE = (
    LEARNING_RATE,
    UNITS[0],
    CELL,
    EMBEDDING_DIM,
    BATCH_SIZE,
    DROPOUT,
    WINDOW,
    NUM_LAYERS,
    *UNITS[1:],
    BIDIRECTIONAL,
    HEAD,
    CONV_FILTERS,
    OPTIMIZER,
    L2,
    CLIPNORM,
    INITIALIZER,
    RECURRENT_DROPOUT,
    PREDICT,
    NORMALIZE,
)


def possible_values(domain: Domain) -> set[Any] | None:
    """The values a domain can take, or `None` for a continuous range."""
    if domain.kind in (FIXED, CHOICE):
        return set(domain.values)
    if isinstance(domain.min_value, int) and isinstance(domain.max_value, int):
        return set(range(domain.min_value, domain.max_value + 1, domain.step or 1))
    return None


class SpaceError(ValueError):
    """An edit names an unknown hyperparameter or gives it an invalid value."""


@dataclasses.dataclass(frozen=True)
class SearchSpace:
    """The domains of one model's hyperparameters: its table's defaults with the user's edits.

    Args:
        params: the model's table of `Param`s, defaults to `TEXT_PARAMS`.
        domains: `((name, Domain), ...)` overriding the default domain of those names.

    Example:

    ```python
    space = SearchSpace(SEQUENCE_PARAMS).with_domains({CELL: fixed("lstm")})
    space.domain(CELL)  # Domain(kind="fixed", values=("lstm",), ...)
    ```
    """

    params: tuple[Param, ...] = TEXT_PARAMS
    domains: tuple[tuple[str, Domain], ...] = ()  # ((name, Domain), ...), kept hashable and ordered

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def param(self, name: str) -> Param:
        """Returns the `Param` called `name`; raises `SpaceError` listing the valid names."""
        found = next((p for p in self.params if p.name == name), None)
        if found is None:
            close = difflib.get_close_matches(name, self.names, n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise SpaceError(f"Unknown hyperparameter. Expected one of {list(self.names)}. Received: {name!r}.{hint}")
        return found

    def domain(self, name: str) -> Domain:
        return dict(self.domains).get(name, self.param(name).domain)

    @property
    def tuned(self) -> tuple[str, ...]:
        """The names searched (their domain is not fixed)."""
        return tuple(n for n in self.names if self.domain(n).kind != FIXED)

    def with_domains(self, domains: Mapping[str, Domain]) -> "SearchSpace":
        """Returns a copy with `{name: Domain}` replacing the current domains."""
        for name in domains:
            self.param(name)  # an edit of a name this model does not have is an error
        merged = dict(self.domains)
        merged.update(domains)
        return SearchSpace(self.params, tuple(sorted(merged.items())))

    def register(self, hp: "keras_tuner.HyperParameters", name: str) -> Any:
        """Declares `name` on the KerasTuner `hp`; returns its value (None if inactive)."""
        return self.param(name).register(hp, self.domain(name))

    def register_all(self, hp: "keras_tuner.HyperParameters") -> dict[str, Any]:
        """Declares every hyperparameter; returns `{name: value}` (None if inactive)."""
        return {name: self.register(hp, name) for name in self.names}

    def can_be_active(self, name: str) -> bool:
        """False for a conditional hyperparameter whose parent's domain never takes its values
        (`units_1` when `num_layers` is fixed at 1)."""
        param = self.param(name)
        if not param.parent:
            return True
        parent_values = possible_values(self.domain(param.parent[0]))
        return parent_values is None or bool(parent_values & set(param.parent[1]))

    def ranked_names(self) -> list[str]:
        """The names that can be active, searched ones first, each group in `IMPORTANCE` order."""
        order = {name: i for i, name in enumerate(IMPORTANCE)}
        names = [n for n in self.names if self.can_be_active(n)]
        return sorted(names, key=lambda n: (self.domain(n).kind == FIXED, order.get(n, len(order))))

    def describe(self) -> dict[str, dict[str, Any]]:
        """Returns `{name: domain as a plain dict}` for JSON and messages."""
        return {name: _describe(self.domain(name)) for name in self.names}


def _describe(domain: Domain) -> dict[str, Any]:
    if domain.kind == FIXED:
        return {"value": domain.values[0]}
    if domain.kind == CHOICE:
        return {"values": list(domain.values), "default": domain.default}
    fields = ("min_value", "max_value", "step", "sampling", "default")
    return {f: getattr(domain, f) for f in fields if getattr(domain, f) is not None}
