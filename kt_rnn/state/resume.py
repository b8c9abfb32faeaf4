"""Per-epoch callbacks of a trial: resume after a kill, stop on a non-finite loss, atomic checkpoints.

`EpochRecord` keeps `trial_<id>/execution<e>/epochs.json` (every epoch's logs
and duration) and the latest weights with optimizer state, so a trial killed at
epoch k continues from epoch k and is scored over all its epochs. The epoch before's
weights are kept too: if the latest file is found damaged, the trial goes on from
the epoch before (that epoch trains again), else, with neither, from its start.
"""

import math
import os
import pathlib
import time
from collections.abc import Iterable, Mapping
from typing import Any

import keras
import numpy as np

from kt_rnn.state import durable, faults, space_left, stopping
from kt_rnn.state import kerastuner as kt
from kt_rnn.state.layout import Layout

RECORD = Layout.RECORD


class NonFiniteLoss(Exception):
    """The loss was not finite from the trial's first epoch on."""


class EpochRecord(keras.callbacks.Callback):
    """Records every epoch of one fit and resumes an interrupted fit from its last epoch.

    Args:
        directory: path of this execution's record (created when needed).
        initial_epoch: int, defaults to 0, the epoch the fit starts at
            (Hyperband continuation trials start after their parent's epochs).
    """

    def __init__(self, directory: str | os.PathLike[str], initial_epoch: int = 0) -> None:
        super().__init__()
        self.directory = pathlib.Path(directory)
        self.state: dict[str, Any] = durable.read_json(self.directory / RECORD, missing=None) or {
            "initial_epoch": initial_epoch,
            "epochs": [],
            "finished": False,
            "weights": None,
        }
        self._began: float | None = None
        if not self.state["finished"] and self.state["weights"]:
            self._fall_back_from_damaged_weights()

    def _fall_back_from_damaged_weights(self) -> None:
        """Goes back to the epoch before when the latest weights cannot be read, or to the start."""
        if _readable(self.directory / self.state["weights"]):
            return
        damaged, before = self.state["weights"], self.state.get("before")
        if before and _readable(self.directory / before):
            kept = int(before.split("-")[1].split(".")[0])  # epoch-<n>.weights.h5: n epochs trained
            self.state["epochs"] = [e for e in self.state["epochs"] if e["epoch"] < kept]
            self.state["weights"], self.state["before"] = before, None
            where = f"from the epoch before ({before})"
        else:
            self.state.update(epochs=[], weights=None, before=None)
            where = "from its first epoch"
        (self.directory / damaged).unlink(missing_ok=True)
        durable.write_json(self.directory / RECORD, self.state)
        print(f"{self.directory / damaged} is damaged: this trial goes on {where}.")

    @property
    def finished(self) -> bool:
        """True if the fit already ran to its end (or stopped early) in an earlier process."""
        return self.state["finished"]

    def finite_epochs(self) -> list[dict[str, Any]]:
        """The recorded epochs up to the first one with a non-finite loss."""
        epochs = []
        for epoch in self.state["epochs"]:
            if not epoch["finite"]:
                break
            epochs.append(epoch)
        return epochs

    def history(self) -> keras.callbacks.History:
        """A `keras.callbacks.History` over every finite epoch of the fit, across restarts."""
        history = keras.callbacks.History()
        for epoch in self.finite_epochs():
            for name, value in epoch["logs"].items():
                history.history.setdefault(name, []).append(value)
        return history

    def on_train_begin(self, logs: dict[str, Any] | None = None) -> None:
        if not self.state["weights"]:
            return
        if self.model.optimizer is not None and not self.model.optimizer.built:
            self.model.optimizer.build(self.model.trainable_variables)
        self.model.load_weights(self.directory / self.state["weights"])
        self.model._initial_epoch = self.state["initial_epoch"] + len(self.state["epochs"])  # as BackupAndRestore

    def on_epoch_begin(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        self._began = time.monotonic()

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        logs = dict(logs or {})
        seconds = round(time.monotonic() - (self._began or time.monotonic()), 3)
        weights = f"epoch-{epoch + 1}.weights.h5"
        self.directory.mkdir(parents=True, exist_ok=True)
        save_weights(self.model, self.directory / weights)
        finite = all(_finite(v) for v in logs.values())
        self.state["epochs"].append(
            {
                "epoch": epoch,
                "seconds": seconds,
                "finite": finite,
                "logs": {k: (float(v) if _finite(v) else None) for k, v in logs.items()},
            }
        )
        self._set_weights(weights)
        faults.hit("epoch-saved")

    def on_train_end(self, logs: dict[str, Any] | None = None) -> None:
        self.state["finished"] = True
        self._set_weights(None)

    def _set_weights(self, name: str | None) -> None:
        """Records `name` as the latest weights, keeps the epoch before's (`before`), deletes the rest."""
        self.state["before"] = self.state["weights"] if name else None
        self.state["weights"] = name
        durable.write_json(self.directory / RECORD, self.state)
        kept = {self.state["weights"], self.state["before"]}
        for path in self.directory.glob("epoch-*.weights.h5"):
            if path.name not in kept:
                path.unlink(missing_ok=True)


class StopWhenAsked(keras.callbacks.Callback):
    """Raises a Ctrl-C or SIGTERM again at the next batch if its first raise was swallowed."""

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        stopping.raise_if_requested()


class BatchFault(keras.callbacks.Callback):
    """The kill tests' mid-epoch fault point (`KT_RNN_FAULT=batch...`).

    Added to a trial only when that fault is asked for, so a search pays nothing per batch.
    """

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        faults.hit("batch")


class StopOnNonFinite(keras.callbacks.Callback):
    """Stops training at the first non-finite loss and hides that epoch from the checkpoint.

    The epoch's metrics are set to NaN in the logs, so KerasTuner's best-epoch
    checkpoint and the trial's score keep the best finite epoch.
    """

    def on_train_batch_end(self, batch: int, logs: dict[str, Any] | None = None) -> None:
        if logs and not _finite(logs.get("loss", 0.0)):
            self.model.stop_training = True

    def on_epoch_end(self, epoch: int, logs: dict[str, Any] | None = None) -> None:
        if logs is not None and not all(_finite(v) for v in logs.values()):
            self.model.stop_training = True
            for name in logs:
                logs[name] = math.nan


def save_weights(model: keras.Model, path: str | os.PathLike[str], fault: str | None = None) -> None:
    """Writes `model`'s weights and optimizer state to `path` atomically (`durable.replace`), once the
    disk has room for them (`space_left.check_room`: HDF5 would crash on a full one)."""
    space_left.check_room(pathlib.Path(path).parent, checkpoint_bytes(model))
    durable.replace(path, lambda tmp: model.save_weights(tmp), fault=fault, intact=_no_copy)


# HDF5's headers a variable (its dataset's object header, its name, its group's entry: 1-2 KiB measured)
# and a file (its superblock, root group and Keras's layout of groups), with room to spare.
HDF5_BYTES_A_VARIABLE, HDF5_BYTES_A_FILE = 2048, 2**15


def checkpoint_bytes(model: keras.Model) -> int:
    """About what `model.save_weights` writes, never less: the model's and its optimizer's variables
    (the weights' moving average included) and HDF5's headers."""
    variables = [*model.weights, *(model.optimizer.variables if model.optimizer else ())]
    data = sum(math.prod(v.shape) * np.dtype(v.dtype).itemsize for v in variables)
    return data + HDF5_BYTES_A_VARIABLE * len(variables) + HDF5_BYTES_A_FILE


class SaveBestEpoch(kt.SaveBestEpoch):
    """KerasTuner's best-epoch checkpoint, written atomically (a kill never tears it)."""

    def _save_model(self) -> None:
        save_weights(self.model, self.filepath, fault="checkpoint")

    @classmethod
    def resuming(cls, checkpoint: kt.SaveBestEpoch, epochs: Iterable[Mapping[str, Any]]) -> "SaveBestEpoch":
        """A copy of KerasTuner's `checkpoint` that only saves epochs better than `epochs`."""
        resumed = cls(checkpoint.objective, checkpoint.filepath)
        resumed.best_value = checkpoint.best_value
        for epoch in epochs:
            value = checkpoint.objective.get_value(epoch["logs"])
            if checkpoint.objective.better_than(value, resumed.best_value):
                resumed.best_value = value
        return resumed


def _readable(path: pathlib.Path) -> bool:
    """Whether a `.weights.h5` file opens and lists its layers (a torn or truncated one does not)."""
    import h5py

    try:
        with h5py.File(path, "r") as file:
            file.visit(lambda name: None)
    except (OSError, ValueError, RuntimeError, KeyError):  # h5py's errors for a damaged file
        return False
    return True


def _no_copy(path: pathlib.Path) -> bool:
    return False  # weights need no previous copy: they are never read back torn


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))
    except (TypeError, ValueError):
        return True
