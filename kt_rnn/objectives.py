"""The problems (classification, regression) and the objectives a search can rank trials by, each with
its explicit direction (never guessed from a metric's name). A leaf: the data loaders, the search
identity, the report and the tasks all read it. Pure Python.
"""

import dataclasses

from kt_rnn.errors import UsageError

MAX, MIN = "max", "min"
CLASSIFICATION, REGRESSION = "classification", "regression"
PROBLEMS = (CLASSIFICATION, REGRESSION)


@dataclasses.dataclass(frozen=True)
class Objective:
    """A metric the tuner can rank trials by.

    Args:
        name: the Keras log key, e.g. `"val_accuracy"`.
        direction: `"max"` or `"min"`.
        problems: the problems it is defined for.
        binary: True if it needs exactly two classes (ROC AUC).
        metric: the Keras metric that must be compiled for it (`"auc"`,
            `"macro_f1"`, `"mae"`), `None` for the loss and accuracy.
    """

    name: str
    direction: str
    problems: tuple[str, ...] = PROBLEMS
    binary: bool = False
    metric: str | None = None


OBJECTIVES = {
    o.name: o
    for o in (
        Objective("val_accuracy", MAX, (CLASSIFICATION,)),
        Objective("val_loss", MIN),
        Objective("val_auc", MAX, (CLASSIFICATION,), binary=True, metric="auc"),
        Objective("val_macro_f1", MAX, (CLASSIFICATION,), metric="macro_f1"),
        Objective("val_mae", MIN, (REGRESSION,), metric="mae"),
        Objective("accuracy", MAX, (CLASSIFICATION,)),
        Objective("loss", MIN),
    )
}
# The objective of a search that names none, per problem.
DEFAULT_OBJECTIVES = {CLASSIFICATION: "val_accuracy", REGRESSION: "val_loss"}


def objective(name: str) -> Objective:
    """Returns the `Objective` called `name`; raises `UsageError` listing the valid names."""
    if name not in OBJECTIVES:
        raise UsageError(f"Unknown objective. Expected one of {list(OBJECTIVES)}. Received: objective={name!r}")
    return OBJECTIVES[name]
