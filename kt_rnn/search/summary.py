"""The closing lines of a search: best hyperparameters, scores, where things went."""

import shlex
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from kt_rnn.search import progress, timings

if TYPE_CHECKING:
    from kt_rnn.search.export import Export


def show(config: Any, result: "Export", test_lines: Iterable[str], out: Callable[[str], object] = print) -> None:
    """Prints the summary of a finished search and export; `test_lines` are the task's lines on its test scores."""
    m = result.metrics
    out("")
    out(trials_line(m["trials"]))
    for trial_id, reason in sorted(m["trials"]["failures"].items()):
        out(f"  trial {trial_id} failed: {reason}")
    if m.get("exported_base"):
        out(
            f"Best trial {m['best_trial']}, {config.budget.tuner} tuner: validation {m['objective']} "
            f"{m['best_validation_score']:.4f} (best epoch {m['best_epoch']})"
        )
        if m["exported_base"].get("line"):  # an export of an earlier kt_rnn has none
            out(m["exported_base"]["line"])
    else:
        out(f"Best trial {m['best_trial']}, {config.budget.tuner} tuner:")
        width = max(map(len, result.hparams), default=0)
        for name, value in sorted(result.hparams.items()):
            out(f"  {name:<{width}}  {progress.value(value)}")
        out(f"Validation {m['objective']}: {m['best_validation_score']:.4f} (best epoch {m['best_epoch']})")
        if (m.get("base_comparison") or {}).get("line"):  # a forecaster's: the network against its base
            out(m["base_comparison"]["line"])
    out(f"Test part: {m['sizes']['test']} {m.get('size_unit', 'examples')}, {m['exported_model']}")
    if m.get("ensemble"):
        out(ensemble_line(m["ensemble"]))
    for line in test_lines:
        out(line)
    out(
        f"Exported to {result.path}/ (saved_model/, model.keras, hparams.json, metrics.json"
        f"{', labels.txt' if m.get('class_names') else ''})"
    )
    spent = timings.line(m.get("timings", {}))
    out(f"Wall time: {m['wall_time_seconds']:.0f} s" + (f": {spent}" if spent else ""))
    out(f"Inspect every trial: tensorboard --logdir {shlex.quote(str(config.layout.tensorboard))}")


def trials_line(counts: Mapping[str, Any]) -> str:
    """`Trials: 12 (10 completed, 2 failed, 1 re-run after an interruption)`."""
    return (
        f"Trials: {counts['total']} ({counts['completed']} completed, {counts['failed']} failed, "
        f"{counts['rerun']} re-run after an interruption)"
    )


def ensemble_line(ensemble: Mapping[str, Any]) -> str:
    """`Exported the mean of 3 models: trials 0002 (0.8850), 0000 (0.8812), 0001 (0.8790)` (+ why fewer)."""
    members = ", ".join(f"{m['trial']} ({m['validation_score']:.4f})" for m in ensemble["members"])
    fewer = (
        ""
        if ensemble["size"] == ensemble["asked"]
        else f"; --ensemble {ensemble['asked']} asked for more, but only these trials completed with distinct "
        "hyperparameters"
    )
    if ensemble["size"] == 1:
        return f"Exported one model: trial {members}{fewer}"
    return f"Exported the mean of {ensemble['size']} models: trials {members}{fewer}"
