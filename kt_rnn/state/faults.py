"""Fault injection for the kill-and-resume tests: SIGKILL this process at a named point.

`KT_RNN_FAULT="POINT[@TRIAL][#N]"` (comma-separated for several) kills the
process with SIGKILL the N-th time (default: the first) it reaches POINT,
optionally only inside trial TRIAL. Unset, every call is a dictionary lookup.
Points: `batch` (mid-epoch), `epoch-saved` (after an epoch's resume state is
written), `trial-end` (between trials), `checkpoint` (best-epoch weights
written, not yet renamed), `state` (oracle state written, not yet renamed),
`export` (export written, not yet renamed), `oracle-fit` (inside the Bayesian
oracle's fit of its Gaussian process, as it chooses a trial), `refit` (as each
model of the export starts its refit: `refit#2`, the second member of an ensemble).
"""

import os
import signal

ENV_VAR = "KT_RNN_FAULT"
_hits: dict[tuple[str, str | None], int] = {}  # (fault point, trial) -> times reached
_trial: list[str | None] = [None]


def in_trial(trial_id: str | None) -> None:
    """Marks the trial now running (`None` between trials), for `POINT@TRIAL` faults."""
    _trial[0] = trial_id


def armed(point: str) -> bool:
    """True if `KT_RNN_FAULT` asks for a fault at `point` (so its hook is worth installing)."""
    spec = os.environ.get(ENV_VAR)
    # bool(spec): `spec` is a str past the `and` (mypy does not narrow through bool()).
    return bool(spec) and any(_parse(fault)[0] == point for fault in spec.split(","))  # type: ignore[union-attr]


def hit(point: str | None) -> None:
    """Kills this process if `KT_RNN_FAULT` asks for a fault at `point` now."""
    spec = os.environ.get(ENV_VAR)
    if not spec or point is None:
        return
    for fault in spec.split(","):
        name, trial, nth = _parse(fault)
        if name != point or (trial is not None and trial != _trial[0]):
            continue
        key = (name, trial)
        _hits[key] = _hits.get(key, 0) + 1
        if _hits[key] == nth:
            os.kill(os.getpid(), signal.SIGKILL)


def before(owner: object, method: str, point: str) -> None:
    """Makes `owner.method` reach `point` as it starts (once per object; nothing if `owner` is None)."""
    original = getattr(owner, method, None)
    if original is None or getattr(original, "fault_point", None) == point:
        return

    def hooked(*args: object, **kwargs: object) -> object:
        hit(point)
        return original(*args, **kwargs)

    hooked.fault_point = point  # type: ignore[attr-defined]
    setattr(owner, method, hooked)


def _parse(fault: str) -> tuple[str, str | None, int]:
    fault, _, nth = fault.strip().partition("#")
    name, _, trial = fault.partition("@")
    return name, trial or None, int(nth or 1)
