"""Where a run's wall time went: loading, the search (and how much of it was outside `model.fit`), refit, export.

A search that spends its time anywhere but training is doing something wrong:
`outside_fit_pct` (the search's time outside the trials' `model.fit` calls, as a
percentage of the search) makes that visible in `metrics.json` and the summary.
It counts each trial's model build and what happens between trials (the oracle,
its state files, the trial's directory); the callbacks run inside `model.fit`
(TensorBoard, the per-epoch checkpoint, the epoch record) are not in it.
`bench/overhead.py` measures those too, against the same trials fitted by hand.
"""

import contextlib
import time
from collections.abc import Callable, Iterator, Mapping

PHASES = ("load", "search", "refit", "export")  # in the order a run goes through them


class Timings:
    """Seconds per phase of one run, measured with `phase(name)` or added with `add(name, seconds)`.

    Example:

    ```python
    timings = Timings()
    with timings.phase("search"):
        tuner.search(...)
    timings.add("fit", tuner.fit_seconds)
    timings.as_dict()  # {"load_s": ..., "search_s": ..., "fit_s": ..., "outside_fit_pct": ...}
    ```
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.seconds: dict[str, float] = {}

    @contextlib.contextmanager
    def phase(self, name: str) -> Iterator[None]:
        started = self.clock()
        try:
            yield
        finally:
            self.add(name, self.clock() - started)

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def outside_fit_pct(self) -> float | None:
        """The search's time outside `model.fit`, in % of the search; None without both figures."""
        search, fit = self.seconds.get("search"), self.seconds.get("fit")
        if not search or fit is None:
            return None
        return round(100 * max(search - fit, 0.0) / search, 2)

    def as_dict(self) -> dict[str, float]:
        figures = {f"{name}_s": round(seconds, 1) for name, seconds in self.seconds.items()}
        if self.outside_fit_pct() is not None:
            figures["outside_fit_pct"] = self.outside_fit_pct()  # type: ignore[assignment]  # not None: checked
        return figures


def line(figures: Mapping[str, float]) -> str:
    """`loading 12 s, search 1291 s (2.1 % of it outside model.fit), refit 244 s, export 7 s`."""
    parts = []
    for name in PHASES:
        if f"{name}_s" not in figures:
            continue
        text = f"{'loading' if name == 'load' else name} {figures[f'{name}_s']:.0f} s"
        if name == "search" and "outside_fit_pct" in figures:
            text += f" ({figures['outside_fit_pct']:.1f} % of it outside model.fit)"
        parts.append(text)
    return ", ".join(parts)
