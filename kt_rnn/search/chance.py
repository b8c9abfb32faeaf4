"""Stops a classification trial whose first epoch left it no better than always answering the majority class.

Such a trial (a learning rate too low or too high for its cell, a depth that does
not train in the budget) rarely recovers within a search's few epochs, and on a
CPU each further epoch costs as much as a good trial's. KerasTuner still records
the trial with its score, so the oracle learns from it; Hyperband does not
promote it. The test is statistical: chance is the majority class's share of the
validation part, and a trial is stopped only while its validation accuracy is
within two standard errors of it. Validation parts under `MIN_EXAMPLES` cannot
tell chance from a slow start, so the rule is off for them.
"""

import math
from collections.abc import Mapping
from typing import Any

import keras

MIN_EXAMPLES = 1000
MONITOR = "val_accuracy"


class StopAtChance(keras.callbacks.Callback):
    """Ends the fit after its first epoch when `val_accuracy` is indistinguishable from `chance`.

    Args:
        chance: float, the accuracy of always answering the majority class.
        examples: int, the validation examples the accuracy is measured on.
    """

    def __init__(self, chance: float, examples: int) -> None:
        super().__init__()
        self.chance = chance
        self.threshold = chance + 2 * math.sqrt(chance * (1 - chance) / examples)
        self.stopped_epoch: int | None = None

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        self._first = True

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if not self._first:
            return
        self._first = False
        accuracy = (logs or {}).get(MONITOR)
        if accuracy is not None and accuracy < self.threshold:
            self.stopped_epoch = epoch
            self.model.stop_training = True


def callbacks(objective: str | None, class_counts: Mapping[str, Mapping[str, int]] | None) -> list[StopAtChance]:
    """`[StopAtChance]` for an accuracy objective on a large enough validation part, else `[]`."""
    counts = list(((class_counts or {}).get("validation") or {}).values())
    if objective != MONITOR or sum(counts) < MIN_EXAMPLES:
        return []
    return [StopAtChance(max(counts) / sum(counts), sum(counts))]
