"""The tuners, one row each: KerasTuner's classes, the budget, the schedule, the settings.

A tuner is added by a row of `KINDS`: `kt_rnn.search.tuners` makes its durable
tuner and oracle from the KerasTuner classes the row names, and the rest of
kt_rnn asks the row what the tuner means, so no module checks a tuner's name.
Pure Python: the command line validates against it before TensorFlow loads
(KerasTuner is imported only to work out a Hyperband schedule).
"""

import dataclasses
import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kt_rnn.state import kerastuner as kt

DEFAULT_MAX_TRIALS = 10  # trials run by the tuners that take --max-trials when it is not given


@dataclasses.dataclass(frozen=True)
class TunerKind:
    """One tuner's behaviour.

    Args:
        name: the registry name (`--tuner`).
        keras_tuner: the name of KerasTuner's tuner class (`keras_tuner.<name>`).
        keras_oracle: the name of its oracle class (`keras_tuner.oracles.<name>`).
        schedules_epochs: True if the tuner sets each trial's epochs itself
            (Hyperband's brackets): its budget is its schedule, trials are not
            stopped early, the time left is estimated per scheduled epoch, and
            `--factor` belongs to the search's identity.
        default_trials: the trial budget without `--max-trials`; `None` for
            the tuner's own schedule.
    """

    name: str
    keras_tuner: str
    keras_oracle: str
    schedules_epochs: bool = False
    default_trials: int | None = DEFAULT_MAX_TRIALS

    def trials(self, max_trials: int | None) -> int | None:
        """The trial budget: `max_trials`, or this tuner's default."""
        return self.default_trials if max_trials is None else max_trials

    def oracle_kwargs(self, config: Any) -> dict[str, int | None]:
        """Settings of KerasTuner's oracle for this tuner."""
        if self.schedules_epochs:
            return {"max_epochs": config.budget.max_epochs, "factor": config.budget.factor}
        return {"max_trials": config.trials}

    def identity_fields(self) -> tuple[str, ...]:
        """Settings that define a search with this tuner beyond the common ones.

        Hyperband's reduction factor shapes its schedule; the other tuners stop each
        trial early after `patience` epochs without progress, which changes how trials train.
        """
        return ("factor",) if self.schedules_epochs else ("patience",)

    def schedule(self, config: Any, oracle: Any) -> list[int] | None:
        """Epochs of each trial the tuner schedules itself (Hyperband's brackets), in order; `None` for a
        tuner that does not, or an endless schedule. `oracle`: the search's, or a worker's client of it."""
        if not self.schedules_epochs:
            return None
        from kt_rnn.state import kerastuner as kt  # KerasTuner: only where a schedule is worked out

        if isinstance(oracle, kt.HyperbandOracle):
            return hyperband_schedule(oracle, getattr(oracle, "max_trials", None))
        # A worker's `OracleClient` does not expose the schedule: rebuild it from the config.
        local = kt.HyperbandOracle(max_epochs=config.budget.max_epochs, factor=config.budget.factor)
        return hyperband_schedule(local, getattr(oracle, "max_trials", None) or config.trials)


KINDS = {
    k.name: k
    for k in (
        TunerKind("hyperband", "Hyperband", "HyperbandOracle", schedules_epochs=True, default_trials=None),
        TunerKind("random", "RandomSearch", "RandomSearchOracle"),
        TunerKind("bayesian", "BayesianOptimization", "BayesianOptimizationOracle"),
        TunerKind("grid", "GridSearch", "GridSearchOracle"),
    )
}


def hyperband_schedule(hyperband: "kt.HyperbandOracle", limit: int | None = None) -> list[int] | None:
    """Epochs trained by each trial of a Hyperband schedule, in order.

    Args:
        hyperband: a `keras_tuner.oracles.HyperbandOracle` (`max_epochs`, `factor`,
            `hyperband_iterations` and its bracket/round helpers).
        limit: stop after this many trials (the oracle's `max_trials`), or `None`.

    Returns:
        A list with one entry per trial (`tuner/epochs - tuner/initial_epoch`),
        or `None` for endless iterations without a `limit`.
    """
    from kt_rnn.state import kerastuner as kt  # KerasTuner: only where a schedule is worked out

    one = [
        kt.hyperband_epochs(hyperband, b, r) - (kt.hyperband_epochs(hyperband, b, r - 1) if r else 0)
        for b in reversed(range(kt.hyperband_brackets(hyperband)))  # the most aggressive bracket first
        for r in range(kt.hyperband_rounds(hyperband, b))
        for _ in range(kt.hyperband_size(hyperband, b, r))
    ]
    iterations = hyperband.hyperband_iterations
    if math.isinf(iterations):
        if limit is None:
            return None
        iterations = math.ceil(limit / len(one))
    return (one * int(iterations))[:limit]


def get(name: str) -> TunerKind:
    """Returns the `TunerKind` registered as `name`; raises `ValueError` listing the valid names."""
    if name not in KINDS:
        raise ValueError(f"Unknown tuner. Expected one of {sorted(KINDS)}. Received: tuner={name!r}")
    return KINDS[name]
