"""What each tuner means for a search: its budget, its schedule, its settings.

The tuner registry (`kt_rnn.search.tuners`) maps each name to KerasTuner's
classes; this table carries the behaviour the rest of kt_rnn asks about, so
no module checks a tuner's name. Pure Python: the command line validates
against it before TensorFlow loads.
"""

import dataclasses

DEFAULT_MAX_TRIALS = 10  # trials run by the tuners that take --max-trials when it is not given


@dataclasses.dataclass(frozen=True)
class TunerKind:
    """One tuner's behaviour.

    Args:
        name: the registry name (`--tuner`).
        schedules_epochs: True if the tuner sets each trial's epochs itself
            (Hyperband's brackets): its budget is its schedule, trials are not
            stopped early, the time left is estimated per scheduled epoch, and
            `--factor` belongs to the search's identity.
        default_trials: the trial budget without `--max-trials`; `None` for
            the tuner's own schedule.
    """

    name: str
    schedules_epochs: bool = False
    default_trials: int | None = DEFAULT_MAX_TRIALS

    def trials(self, max_trials):
        """The trial budget: `max_trials`, or this tuner's default."""
        return self.default_trials if max_trials is None else max_trials

    def oracle_kwargs(self, config):
        """Settings of KerasTuner's oracle for this tuner."""
        if self.schedules_epochs:
            return {"max_epochs": config.max_epochs, "factor": config.factor}
        return {"max_trials": config.trials}

    def identity_fields(self):
        """Settings that define a search with this tuner beyond the common ones.

        Hyperband's reduction factor shapes its schedule; the other tuners stop each
        trial early after `patience` epochs without progress, which changes how trials train.
        """
        return ("factor",) if self.schedules_epochs else ("patience",)


KINDS = {k.name: k for k in (
    TunerKind("hyperband", schedules_epochs=True, default_trials=None),
    TunerKind("random"),
    TunerKind("bayesian"),
    TunerKind("grid"),
)}


def get(name):
    """Returns the `TunerKind` registered as `name`; raises `ValueError` listing the valid names."""
    if name not in KINDS:
        raise ValueError(f"Unknown tuner. Expected one of {sorted(KINDS)}. Received: tuner={name!r}")
    return KINDS[name]
