"""One progress line after each trial: n of N, its score, the best so far, elapsed and time left.

```
Trial 07 done (7 of 30, bracket 1 round 0): val_accuracy 0.8123 | best 0.8310 (trial 04) | elapsed 3m12s | about 10m40s left
Trial 08 failed (8 of 30): loss not finite in epoch 1 | best 0.8310 (trial 04) | elapsed 3m40s | about 9m50s left
```

Keras's own per-epoch progress bar is left as it is. Imports no TensorFlow; the
schedule of a tuner that sets each trial's epochs comes from its row (`kt_rnn.search.kinds`).
"""  # noqa: E501  (the example lines are the console's, whole)

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kt_rnn.state import kerastuner as kt

COMPLETED = "COMPLETED"
ENDED = (COMPLETED, "FAILED")  # a trial that will not run again (INVALID ones may be retried)
# KerasTuner's Hyperband bookkeeping in each trial's values (not search-space names).
BRACKET = "tuner/bracket"
ROUND = "tuner/round"
EPOCHS = "tuner/epochs"
INITIAL_EPOCH = "tuner/initial_epoch"
MAX_REASON = 120  # characters of a failure reason


class Progress:
    """Prints one line after each trial of a search.

    Create it once, when the search starts, and call `trial_done(trial)` after
    KerasTuner's own `on_trial_end` (so the trial's status and score are final).
    The time left is estimated from the trials this instance has seen end.

    Args:
        config: the search's `kt_rnn.config.Config` (`tuner`, `objective`,
            `trials`, `max_epochs`, `factor`).
        oracle: the tuner's KerasTuner oracle.
        started: when this process's search started, a `clock()` reading
            (default: now).
        out: called with each line (default `print`).
        clock: returns seconds (default `time.time`, as the pipeline's `started`).
    """

    def __init__(
        self,
        config: Any,
        oracle: Any,
        started: float | None = None,
        out: Callable[[str], object] = print,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.oracle = oracle
        self.out = out
        self.clock = clock
        now = clock()
        self.started = now if started is None else started
        self._last_end = now
        self._seen: list[tuple[float, int | None]] = []  # (seconds, epochs) of each trial that ended in this process
        self._seen_ids: set[str] = set()
        self._schedule = config.tuner_kind.schedule(config, oracle)

    @property
    def schedule(self) -> list[int] | None:
        """Epochs of each trial of the Hyperband schedule; `None` for other tuners or an endless schedule."""
        return self._schedule

    def trial_done(self, trial: "kt.Trial") -> str:
        """Prints (via `out`) and returns the line for `trial`, which has just ended."""
        now = self.clock()
        self._seen.append((max(now - self._last_end, 0.0), _epochs(trial)))
        self._seen_ids.add(trial.trial_id)
        self._last_end = now
        n, total = self._count(), self._budget()
        head = f"Trial {trial.trial_id} {'done' if trial.status == COMPLETED else 'failed'}"
        parts = [
            f"{head} ({self._where(trial, n, total)}): {self._outcome(trial)}",
            self._best(),
            f"elapsed {duration(now - self.started)}",
        ]
        left = self.time_left()
        deadline = getattr(self.oracle, "deadline", None)  # --time-limit; a worker's oracle client has none
        if deadline is not None and (left is None or deadline - now < left):
            parts.append(f"{duration(deadline - now)} left of the time limit")
        elif left is not None:
            parts.append(f"about {duration(left)} left")
        line = " | ".join(parts)
        self.out(line)
        return line

    def time_left(self) -> float | None:
        """Estimated seconds left; `None` before a trial ended in this process, or without a budget.

        Mean seconds per trial of this process's trials times the trials left;
        under Hyperband, mean seconds per epoch times the scheduled epochs left.
        """
        n, total = self._count(), self._budget()
        if not self._seen or n is None or not total or n >= total:
            return None
        seconds = sum(s for s, _ in self._seen)
        epochs = sum(e or 0 for _, e in self._seen)
        if self._schedule is not None and epochs > 0:
            remaining = sum(self._schedule) - self._epochs_done()
            if remaining > 0:
                return seconds / epochs * remaining
        return seconds / len(self._seen) * (total - n)

    def _count(self) -> int | None:
        """n: the search's ended trials (earlier runs included), or `None` when the oracle does not say."""
        trials = getattr(self.oracle, "trials", None)  # a worker's `OracleClient` has none
        if trials is None:
            return None
        return len({t.trial_id for t in trials.values() if t.status in ENDED} | self._seen_ids)

    def _budget(self) -> int | None:
        """N: the trial budget, or `None` when the search has none (endless Hyperband)."""
        if self._schedule is not None:
            return len(self._schedule)
        if self.config.tuner_kind.schedules_epochs:
            return getattr(self.oracle, "max_trials", None)
        return getattr(self.oracle, "max_trials", None) or self.config.trials

    def _where(self, trial: "kt.Trial", n: int | None, total: int | None) -> str:
        if n is None:
            count = f"{len(self._seen)} on this worker" + (f", budget {total}" if total else "")
        else:
            count = f"{n} of {total}" if total else f"{n} so far"
        values = trial.hyperparameters.values
        if BRACKET in values:
            count += f", bracket {values[BRACKET]} round {values.get(ROUND, 0)}"
        return count

    def _outcome(self, trial: "kt.Trial") -> str:
        if trial.status != COMPLETED:
            return _reason(getattr(trial, "message", None))
        return f"{self.config.budget.objective} {_score(trial.score)}"

    def _best(self) -> str:
        best = [t for t in self.oracle.get_best_trials(1) if t.status == COMPLETED and t.score is not None]
        if not best:
            return "best: none completed yet"
        return f"best {_score(best[0].score)} (trial {best[0].trial_id})"

    def _epochs_done(self) -> int:
        trials = self.oracle.trials.values()
        return sum(_epochs(t) or 0 for t in trials if t.status in ENDED or t.trial_id in self._seen_ids)


def value(hyperparameter: object) -> str:
    """A hyperparameter's value as a person reads it: floats to 3 significant digits (`0.00204`, `0.3`).

    Example:

    >>> value(0.0020432861), value(0.3), value(64), value("gru")
    ('0.00204', '0.3', '64', 'gru')
    """
    return f"{hyperparameter:.3g}" if isinstance(hyperparameter, float) else str(hyperparameter)


def duration(seconds: float) -> str:
    """Formats seconds compactly: `45s`, `3m12s`, `1h04m`."""
    seconds = int(round(max(seconds, 0)))
    if seconds < 60:
        return f"{seconds}s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes}m{seconds:02d}s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours}h{minutes:02d}m"


def _epochs(trial: "kt.Trial") -> int | None:
    """Epochs `trial` trains under Hyperband; `None` for other tuners."""
    values = trial.hyperparameters.values
    if EPOCHS not in values:
        return None
    return values[EPOCHS] - values.get(INITIAL_EPOCH, 0)


def _score(score: float | None) -> str:
    return "n/a" if score is None else f"{score:.4f}"


def _reason(message: object) -> str:
    """A failure's short reason: the last line of `message` (KerasTuner stores a traceback)."""
    lines = [line.strip() for line in str(message or "").splitlines() if line.strip()]
    if not lines:
        return "no reason recorded"
    reason = lines[-1]
    return reason if len(reason) <= MAX_REASON else reason[: MAX_REASON - 3] + "..."
