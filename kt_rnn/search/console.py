"""What a search prints while it runs: its plan, one line per trial start, an estimate after the first epoch.

KerasTuner's `Display` prints a table of every hyperparameter at each trial's start
and five lines at its end, numbering trials from 1 while every file names them by
trial id. `TrialDisplay` replaces it on the oracle: in the `normal` console one line
per trial start (the hyperparameters that differ from the best trial so far), in
`verbose` KerasTuner's table under the trial id, in `quiet` nothing (kt_rnn's
progress line after each trial stays in every mode). Trials are named by their id
everywhere: console, report, TensorBoard runs, `metrics.json`.
"""

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import keras

from kt_rnn.search import progress
from kt_rnn.state import kerastuner as kt
from kt_rnn.state import oracles

MODES = ("quiet", "normal", "verbose")


class TrialDisplay(kt.Display):
    """KerasTuner's oracle display, in one of `MODES`.

    Args:
        oracle: the search's oracle, whose trials it describes.
        mode: `"quiet"`, `"normal"` (default) or `"verbose"`.
        out: called with each line (default `print`).
    """

    def __init__(self, oracle: kt.Oracle, mode: str = "normal", out: Callable[[str], object] = print) -> None:
        super().__init__(oracle)
        self.mode = mode
        self.out = out

    def on_trial_begin(self, trial: kt.Trial) -> None:
        if self.mode == "verbose":
            self.out(f"\nSearch: running trial {trial.trial_id}\n")
            self.show_hyperparameter_table(trial)
            self.out("")
        elif self.mode == "normal":
            self.out(start_line(trial, _best(self.oracle)))

    def on_trial_end(self, trial: kt.Trial) -> None:
        """Nothing: kt_rnn's progress line says how the trial ended."""


def start_line(trial: kt.Trial, best: kt.Trial | None = None) -> str:
    """`Trial 0003 starts (bracket 1 round 0, epochs 1-3): cell=lstm units_0=96 (vs best trial 0001)`."""
    values = searched_values(trial)
    where = _where(trial.hyperparameters.values)
    if best is None or best.trial_id == trial.trial_id:
        return f"Trial {trial.trial_id} starts{where}: {_pairs(values)}"
    theirs = searched_values(best)
    changed = {name: value for name, value in values.items() if theirs.get(name) != value}
    what = _pairs(changed) if changed else "the best trial's hyperparameters"
    return f"Trial {trial.trial_id} starts{where}: {what} (vs best trial {best.trial_id})"


def searched_values(trial: kt.Trial) -> dict[str, Any]:
    """The trial's values of its searched (not fixed, not Hyperband bookkeeping) hyperparameters."""
    fixed = {hp.name for hp in trial.hyperparameters.space if type(hp).__name__ == "Fixed"}
    return {
        name: value
        for name, value in trial.hyperparameters.values.items()
        if name not in fixed and not name.startswith("tuner/")
    }


def _where(values: Mapping[str, Any]) -> str:
    if progress.BRACKET not in values:
        return ""
    first, last = values.get(progress.INITIAL_EPOCH, 0) + 1, values.get(progress.EPOCHS)
    epochs = f"epoch {last}" if first == last else f"epochs {first}-{last}"
    return f" (bracket {values[progress.BRACKET]} round {values.get(progress.ROUND, 0)}, {epochs})"


def _pairs(values: Mapping[str, Any]) -> str:
    return " ".join(f"{name}={progress.value(value)}" for name, value in values.items())


def _best(oracle: kt.Oracle) -> kt.Trial | None:
    best = [t for t in oracle.get_best_trials(1) if t.score is not None]
    return best[0] if best else None


def plan_line(
    config: Any, sizes: Mapping[str, int], unit: str = "examples", schedule: Sequence[int] | None = None
) -> str:
    """`Plan: hyperband tuner, 10 trials, at most 26 epochs (4 per trial); 20,000 train / 5,000 validation examples`."""
    if schedule:
        budget = (
            f"{len(schedule)} trials, at most {sum(schedule)} epochs ({config.budget.max_epochs} per trial at most)"
        )
    elif config.trials:
        budget = f"up to {config.trials} trials of at most {config.budget.max_epochs} epochs each"
    else:
        budget = f"trials of at most {config.budget.max_epochs} epochs until you stop it"
    if config.budget.time_limit is not None:
        budget += (
            f", within {progress.duration(config.budget.time_limit)} (no trial starts that the time left cannot hold)"
        )
    data = " / ".join(f"{sizes[part]:,} {part}" for part in ("train", "validation") if part in sizes)
    return f"Plan: {config.budget.tuner} tuner{_random_first(config)}, {budget}; {data} {unit}."


def _random_first(config: Any) -> str:
    """A Bayesian search's note: how many of its trials are random before its model chooses."""
    if config.budget.tuner != "bayesian":
        return ""
    random = oracles.random_trials(len(config.space.tuned))
    why = f"3 random trials per tuned hyperparameter, {random}, come first"
    if config.trials and random >= config.trials:
        return f" (all {config.trials} trials random: {why})"
    return f" ({why}, then its model chooses)"


def epochs_budget(config: Any, schedule: Sequence[int] | None = None) -> int | None:
    """The most epochs the search trains: Hyperband's schedule, else trials x max epochs, times the
    executions of a trial (one per fold); None if endless."""
    fits = config.budget.executions_per_trial * (
        config.budget.folds or 1
    )  # each execution (each fold) trains its epochs
    if schedule:
        return sum(schedule) * fits
    return config.trials * config.budget.max_epochs * fits if config.trials else None


def trials_budget(config: Any, schedule: Sequence[int] | None = None) -> int | None:
    """The trials the search runs: Hyperband's schedule, else --max-trials; None if endless."""
    return len(schedule) if schedule else config.trials


class EpochHeader(keras.callbacks.Callback):
    """Prints `Epoch 1/1` before a one-epoch fit's progress, as Keras does for longer fits.

    Keras's progress bar heads an epoch only when a fit has more than one (Hyperband's first
    rung trains one): without it, those trials' progress lines followed each other unlabelled.
    """

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if self.params.get("verbose") and self.params.get("epochs") == 1:
            print(f"Epoch {epoch + 1}/1")


class FirstEpochEstimate(keras.callbacks.Callback):
    """Prints what the whole search should take: after the first epoch this process trains, an upper
    bound (that epoch compiles the graph); after the first second epoch of a trial, an estimate that
    counts a compilation per trial and the later epochs at their own pace.

    Args:
        epochs: the search's epoch budget (`epochs_budget`), or None.
        trials: the search's trial budget (`trials_budget`), or None (one compilation counted).
        out: called with each line (default `print`).
        clock: seconds (default `time.perf_counter`).
    """

    def __init__(
        self,
        epochs: int | None,
        trials: int | None = None,
        out: Callable[[str], object] = print,
        clock: Callable[[], float] = time.perf_counter,
    ) -> None:
        super().__init__()
        self.epochs, self.trials, self.out, self.clock = epochs, trials, out, clock
        self.first: float | None = None  # the first epoch's seconds, once seen
        self.done = False
        self._pending: str | None = None  # the line to say once the progress bar has ended its epoch

    def __deepcopy__(self, memo: dict[int, Any]) -> "FirstEpochEstimate":
        return self  # KerasTuner copies the callbacks for each trial; this one speaks once per search

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._seconds: list[float] = []  # this fit's epochs

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._say()
        self._started = self.clock()

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self._say()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        # Said at the next epoch's start or the fit's end: Keras's progress bar ends the epoch's line
        # after every other callback's `on_epoch_end`, so a line printed now would land inside it.
        self._seconds.append(self.clock() - self._started)
        if self.first is None:
            self.first = self._seconds[0]
            self._pending = self._first_line(self.first)
        elif len(self._seconds) == 2 and not self.done:
            self.done = True
            self._pending = self._later_line(*self._seconds)

    def _say(self) -> None:
        pending, self._pending = self._pending, None
        if pending:
            self.out(pending)

    def _first_line(self, seconds: float) -> str:
        line = f"First epoch: {progress.duration(seconds)} (graph compilation included)"
        if self.epochs:
            line += (
                f"; at most {self.epochs} epochs in all: at most about {progress.duration(seconds * self.epochs)} "
                "for the search at this pace, then the refit"
            )
        return line

    def _later_line(self, first: float, later: float) -> str:
        compiling = max(first - later, 0.0)
        line = (
            f"Later epochs: {progress.duration(later)} each (a trial's first also compiles its graph: "
            f"{progress.duration(compiling)} more)"
        )
        if self.epochs:
            total = (self.trials or 1) * compiling + self.epochs * later
            line += f"; about {progress.duration(total)} for the search (less where trials stop early), then the refit"
        return line
