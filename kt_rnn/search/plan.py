"""The search's budget, planned from the loaded data: what a practitioner would size by hand.

Today's fixed defaults (Hyperband, at most 10 epochs a trial, batches of 32-128) were chosen on
IMDB's 20,000 training reviews: 150 optimizer steps an epoch. A series of a few hundred steps gives
a few dozen training windows, so the same budget is a few dozen steps a trial, and Hyperband's
1-epoch rounds rank untrained models (BENCHMARKS.md, forecasting). So for a series the plan sizes,
from the training windows of the default window:

- the windows: those the training part cannot cut `MIN_WINDOWS` training windows from are left out;
- the bases (`predict`): of the default ones a season allows (`seasonal_trend`, `seasonal`), those
  that forecast the training part within `BASE_TIE` of the best, the best first. The last season's
  change carried ahead (`seasonal_trend`) halved the seasonal naive's error on the training parts of
  airline, co2 and realgdp, but was 20 % and 40 % worse on El Nino's and the sunspots' (series that
  return to their mean); El Nino's search, which chose it, exported a model 32 % worse than the
  seasonal naive (BENCHMARKS.md);
- the batch sizes: three powers of two, the largest about an eighth of the windows (32 to 128);
- the epochs: enough for `TRIAL_STEPS` optimizer steps at the middle batch size (10 to 100), an
  epoch being at least `MIN_EPOCH_STEPS` steps (the forecaster passes over a few dozen windows
  several times an epoch), with early stopping after an eighth of them without improvement;
- the tuner: a Bayesian search of `TRIALS` trials where the epochs grew (Hyperband's first rounds
  would train a few steps each); over the default space's 16-17 tuned hyperparameters, its 48-51 initial
  random trials (`kt_rnn.state.oracles.initial_points`) cover them all, so it is a random search;
- the folds: a series of fewer than `FOLD_WINDOWS` training windows scores each trial on `FOLDS`
  rolling origins (its validation part and the parts of the same length before it), as many as
  leave the earliest fold `MIN_WINDOWS` windows of the first trial's window and one of the longest:
  a validation part of a season or two is a handful of overlapping windows, too few to rank
  trials on alone.
- the export: for a series of fewer than `FOLD_WINDOWS` training windows, the mean of the `ENSEMBLE`
  best trials (distinct hyperparameters, each refit once): a validation part of a few dozen windows
  ranks trials by chance too, and the best one's lead may not last into the next season; each
  refit costs about a trial.

Anything the user gave (an option, a preset, a `--fix`/`--space`/`--tune` edit) is kept as given.
Texts and sequences keep the task's defaults (IMDB's default run is measured on them), but for
a corpus too small for an epoch of `MIN_EPOCH_STEPS` steps at the default batch, which is halved
until it makes them: a few hundred texts in batches of 128 would train 2-3 steps an epoch.
Pure Python and NumPy: no TensorFlow import.
"""

import dataclasses
import math
from collections.abc import Mapping
from typing import Any

from hypermodels import space as sp
from hypermodels.bases import base_errors

MIN_WINDOWS = 16  # training windows a window length must leave, or it is left out of the space
TRIAL_STEPS = 500  # optimizer steps a trial should get to learn a series' pattern
MIN_EPOCHS, MAX_EPOCHS = 10, 100
TRIALS = 15  # Bayesian trials for a small series: 3.6 min on 2 cores for airline (BENCHMARKS.md)
# Folds where a series has fewer training windows than this: on the development series they moved the
# test MAE of nile (56 windows) from 131 to 117 and left co2's (323) where it was, at 3x its time.
FOLDS, FOLD_WINDOWS = 3, 300
# Trials a short series' export averages (`--ensemble`): on the development series' validation parts the
# mean of the five best (one refit each) scored 0.92x the mean of five refits of the best (the same cost;
# 15 searches of 11 series), and cut the searches whose best trial's lead on the validation folds did not
# last; a few test parts scored afterwards went the other way (airline, the Danish pair; BENCHMARKS.md).
ENSEMBLE = 5
# Bases whose training-part MAE is within this factor of the best one's stay in the space: that close,
# the training part does not tell them apart, and the search's validation score decides.
BASE_TIE = 1.1


@dataclasses.dataclass(frozen=True)
class Plan:
    """Why the plan chose what it did: `notes`, the lines the console and `metrics.json` show."""

    notes: tuple[str, ...] = ()

    def line(self) -> str:
        """One line for the console and `metrics.json`, or "" when nothing was planned."""
        return "; ".join(self.notes)


def plan(config: Any, dataset: Any) -> tuple[Any, Plan]:
    """`(config, Plan)`: `config` with the budget of the loaded `dataset` where the user gave none."""
    if dataset.unit != "steps":
        return _plan_examples(config, dataset)
    spec, train = dataset.spec, dataset.sizes["train"]
    notes: list[str]
    space: sp.SearchSpace
    changes: dict[str, Any]
    notes, space, changes = [], config.space, {}  # type: ignore[assignment]  # `Config` sets the space
    if config.is_default(sp.WINDOW):
        space = _windows_that_fit(space, train, spec["horizon"], spec["stride"], notes)
    if config.is_default(sp.PREDICT):
        space = _bases_that_fit(space, dataset, notes)
    window = _first(space.domain(sp.WINDOW))
    windows = count_windows(train, window, spec["horizon"], spec["stride"])
    if config.is_default(sp.BATCH_SIZE):
        space = space.with_domains({sp.BATCH_SIZE: batch_domain(windows)})
    batch = _first(space.domain(sp.BATCH_SIZE))
    steps = math.ceil(windows * sp.epoch_passes(windows, batch, sp.MIN_EPOCH_STEPS) / batch)  # an epoch's
    if "max_epochs" not in config.given:
        changes["max_epochs"] = min(max(math.ceil(TRIAL_STEPS / steps), MIN_EPOCHS), MAX_EPOCHS)
    epochs = changes.get("max_epochs", config.budget.max_epochs)
    if "patience" not in config.given:
        changes["patience"] = max(config.budget.patience, epochs // 8)
    if epochs > MIN_EPOCHS and not {"tuner", "max_trials"} & config.given:
        changes.update(tuner="bayesian", max_trials=TRIALS)
    if config.budget.folds is None:
        changes["folds"] = fold_count(train, dataset.sizes["validation"], (window, _longest(space)), spec, windows)
    if windows < FOLD_WINDOWS and not {"ensemble", "refits"} & config.given:
        changes["ensemble"] = ENSEMBLE
    notes.insert(0, _why(windows, window, space.domain(sp.BATCH_SIZE), steps, epochs, changes))
    found = Plan(tuple(notes))
    config = config.replace(space=space, **changes, planned=found.line())
    return config, found


def _plan_examples(config, dataset):
    """Texts and sequences: the task's default batch, halved until an epoch makes `MIN_EPOCH_STEPS` steps."""
    examples, space = dataset.sizes["train"], config.space
    domain = space.domain(sp.BATCH_SIZE)
    if not config.is_default(sp.BATCH_SIZE) or domain.kind == sp.RANGE:
        return config, Plan()
    batch = _first(domain)
    while batch > 1 and examples / batch < sp.MIN_EPOCH_STEPS:
        batch //= 2
    if batch == _first(domain):
        return config, Plan()
    scale = _first(domain) // batch
    values = tuple(max(value // scale, 1) for value in domain.values)
    batches = sp.fixed(batch) if domain.kind == sp.FIXED else sp.choice(values, batch)
    found = Plan(
        (
            f"planned for {examples:,} training examples: batches of {'/'.join(map(str, values))} "
            f"(an epoch of {math.ceil(examples / batch)} steps at {batch})",
        )
    )
    return config.replace(space=space.with_domains({sp.BATCH_SIZE: batches}), planned=found.line()), found


def fold_count(train: int, validation: int, lengths: tuple[int, int], spec: Mapping[str, Any], windows: int) -> int:
    """`FOLDS` for a series of fewer than `FOLD_WINDOWS` training windows, fewer where the earliest
    fold's training part would hold fewer than `MIN_WINDOWS` windows of the first window of
    `lengths` (the first trial's, the longest) or none of the second; else 1."""
    if windows >= FOLD_WINDOWS:
        return 1

    def fits(k: int) -> bool:
        steps = train - (k - 1) * validation
        first, longest = (count_windows(steps, n, spec["horizon"], spec["stride"]) for n in lengths)
        return first >= MIN_WINDOWS and longest >= 1

    return next((k for k in range(FOLDS, 1, -1) if fits(k)), 1)


def _longest(space: sp.SearchSpace) -> Any:
    domain = space.domain(sp.WINDOW)
    return max(domain.values) if domain.values else domain.max_value


def _first(domain: sp.Domain) -> Any:
    """The value a domain's first trial takes: its default, else its first value (or its lower bound)."""
    if domain.default is not None:
        return domain.default
    return domain.values[0] if domain.values else domain.min_value


def count_windows(steps: int, window: int, horizon: int, stride: int = 1) -> int:
    """Training windows of `window` steps and their `horizon` in a part of `steps` steps."""
    return max(0, (steps - window - horizon) // stride + 1)


def batch_domain(windows: int) -> sp.Domain:
    """Three powers of two, the largest about an eighth of `windows` (32 to 128); the middle one first."""
    top = min(max(2 ** int(math.log2(max(windows, 1) / 8)) if windows >= 8 else 1, 32), 128)
    return sp.choice((top // 4, top // 2, top), top // 2)


def _windows_that_fit(space, train, horizon, stride, notes):
    """`space` without the windows that leave fewer than `MIN_WINDOWS` training windows (one is kept)."""
    domain = space.domain(sp.WINDOW)
    kept = [w for w in domain.values if count_windows(train, w, horizon, stride) >= MIN_WINDOWS] or [min(domain.values)]
    if len(kept) == len(domain.values):
        return space
    left = [w for w in domain.values if w not in kept]
    notes.append(
        f"window {', '.join(map(str, left))} left out: the {train} training steps hold fewer than "
        f"{MIN_WINDOWS} windows of it"
    )
    default = domain.default if domain.default in kept else max(kept)
    return space.with_domains({sp.WINDOW: sp.choice(tuple(kept), default) if len(kept) > 1 else sp.fixed(kept[0])})


def _bases_that_fit(space, dataset, notes):
    """`space` with the default bases within `BASE_TIE` of the best at forecasting the training part."""
    domain, spec = space.domain(sp.PREDICT), dataset.spec
    if domain.kind != sp.CHOICE:
        return space
    part = dataset.train  # the bases read at most a season and the step before it
    errors = base_errors(
        part.values[part.begin : part.end, 0], domain.values, spec["season"] + 1, spec["horizon"], spec["season"]
    )
    if not errors:
        return space
    ranked = sorted(errors, key=errors.get)
    kept = [predict for predict in ranked if errors[predict] <= BASE_TIE * errors[ranked[0]]]
    if len(kept) == len(ranked):
        return space.with_domains({sp.PREDICT: sp.choice(tuple(kept), kept[0])})
    left = ", ".join(f"{predict} {errors[predict]:.4g}" for predict in ranked[len(kept) :])
    notes.append(
        f"predict={'/'.join(kept)}: its base forecasts the training part with MAE {errors[kept[0]]:.4g} ({left})"
    )
    return space.with_domains({sp.PREDICT: sp.choice(tuple(kept), kept[0]) if len(kept) > 1 else sp.fixed(kept[0])})


def _why(windows, window, batches, steps, epochs, changes):
    sizes = batches.values or (batches.min_value, batches.max_value)
    planned = [f"batches of {'/'.join(map(str, sizes))}", f"up to {epochs} epochs ({steps} steps each)"]
    if "tuner" in changes:
        planned.append(f"a {changes['tuner']} search of {changes['max_trials']} trials")
    if changes.get("folds", 1) > 1:
        planned.append(f"each scored on {changes['folds']} rolling-origin folds")
    if changes.get("ensemble", 1) > 1:
        planned.append(f"an export that averages the {changes['ensemble']} best trials")
    return f"planned for {windows:,} training windows of {window} steps: {', '.join(planned)}"
