"""Per-epoch record and resume, non-finite loss stop, atomic best-epoch checkpoint."""

import collections
import errno
import json
import math

import keras
import numpy as np
import pytest
from keras_tuner.src.engine import objective as objective_module
from keras_tuner.src.engine import tuner_utils

from kt_rnn.state import resume


def _model():
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def _data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, 4)).astype("float32")
    return x, x.sum(axis=1, keepdims=True)


class _At(keras.callbacks.Callback):
    """Calls `action(model)` at the beginning of epoch `epoch`."""

    def __init__(self, epoch, action):
        super().__init__()
        self.epoch, self.action = epoch, action

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            self.action(self.model)


def _interrupt(model):
    raise KeyboardInterrupt


def test_epoch_record_resumes_an_interrupted_fit_at_its_next_epoch(tmp_path):
    x, y = _data()
    saved = {}
    first = _model()
    with pytest.raises(KeyboardInterrupt):
        first.fit(
            x,
            y,
            epochs=4,
            batch_size=8,
            verbose=0,
            callbacks=[
                resume.EpochRecord(tmp_path),
                _At(2, lambda m: saved.update(weights=m.get_weights(), steps=int(m.optimizer.iterations))),
                _At(2, _interrupt),
            ],
        )
    before = json.loads((tmp_path / resume.RECORD).read_text())
    assert [e["epoch"] for e in before["epochs"]] == [0, 1] and not before["finished"]
    resumed = {}
    record = resume.EpochRecord(tmp_path)
    history = _model().fit(
        x,
        y,
        epochs=4,
        batch_size=8,
        verbose=0,
        callbacks=[
            record,
            _At(2, lambda m: resumed.update(weights=m.get_weights(), steps=int(m.optimizer.iterations))),
        ],
    )
    assert list(history.epoch) == [2, 3]  # epochs 0 and 1 are not trained again
    for got, want in zip(resumed["weights"], saved["weights"]):
        np.testing.assert_array_equal(got, want)
    assert resumed["steps"] == saved["steps"] == 8  # optimizer state restored too
    assert record.finished and [e["epoch"] for e in record.state["epochs"]] == [0, 1, 2, 3]
    assert record.history().history["loss"][:2] == [e["logs"]["loss"] for e in before["epochs"]]
    assert sorted(p.name for p in tmp_path.iterdir()) == [resume.RECORD, resume.RECORD + ".prev"]


def test_epoch_record_keeps_the_latest_weights_and_the_epoch_befores_only(tmp_path):
    x, y = _data()
    with pytest.raises(KeyboardInterrupt):
        _model().fit(x, y, epochs=4, verbose=0, callbacks=[resume.EpochRecord(tmp_path), _At(3, _interrupt)])
    assert sorted(p.name for p in tmp_path.glob("*.weights.h5")) == ["epoch-2.weights.h5", "epoch-3.weights.h5"]
    state = json.loads((tmp_path / resume.RECORD).read_text())
    assert (state["weights"], state["before"]) == ("epoch-3.weights.h5", "epoch-2.weights.h5")


@pytest.mark.parametrize("damaged, left", [(("epoch-3",), 2), (("epoch-3", "epoch-2"), 0)])
def test_epoch_record_goes_back_to_the_epoch_before_or_to_the_start_when_weights_are_damaged(tmp_path, damaged, left):
    x, y = _data()
    with pytest.raises(KeyboardInterrupt):
        _model().fit(x, y, epochs=4, verbose=0, callbacks=[resume.EpochRecord(tmp_path), _At(3, _interrupt)])
    for name in damaged:
        (tmp_path / f"{name}.weights.h5").write_bytes(b"torn")
    record = resume.EpochRecord(tmp_path)  # a restart
    assert [e["epoch"] for e in record.finite_epochs()] == list(range(left))
    model = _model()
    model.fit(x, y, epochs=4, verbose=0, callbacks=[record])  # resumes from what is left
    assert [e["epoch"] for e in record.state["epochs"]] == [0, 1, 2, 3] and record.finished


def _poison(model):
    model.set_weights([np.full_like(w, np.nan) for w in model.get_weights()])


def test_stop_on_non_finite_stops_and_record_keeps_the_finite_epochs(tmp_path):
    x, y = _data()
    record = resume.EpochRecord(tmp_path)
    history = _model().fit(
        x, y, epochs=5, verbose=0, validation_data=(x, y), callbacks=[resume.StopOnNonFinite(), _At(2, _poison), record]
    )
    assert len(history.epoch) == 3  # stopped in the epoch that went NaN
    assert math.isnan(history.history["val_loss"][2])  # hidden from the checkpoint
    assert [e["finite"] for e in record.state["epochs"]] == [True, True, False]
    assert len(record.history().history["loss"]) == 2
    assert record.state["epochs"][2]["logs"]["loss"] is None  # strict JSON: no NaN


def test_save_best_epoch_resuming_only_saves_better_epochs(tmp_path):
    objective = objective_module.Objective("val_loss", "min")
    kt = tuner_utils.SaveBestEpoch(objective, str(tmp_path / "checkpoint.weights.h5"))
    checkpoint = resume.SaveBestEpoch.resuming(kt, [{"logs": {"val_loss": 0.5}}, {"logs": {"val_loss": 0.2}}])
    assert checkpoint.best_value == 0.2
    model = _model()
    checkpoint.set_model(model)
    checkpoint.on_epoch_end(2, {"val_loss": 0.3})
    assert not (tmp_path / "checkpoint.weights.h5").exists()
    checkpoint.on_epoch_end(3, {"val_loss": 0.1})
    assert (tmp_path / "checkpoint.weights.h5").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["checkpoint.weights.h5"]  # no temporaries


@pytest.mark.parametrize("ema", [None, 0.99])
def test_checkpoint_bytes_is_never_less_than_what_save_weights_writes(tmp_path, ema):
    model = keras.Sequential([keras.Input((7, 3)), keras.layers.GRU(16), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(use_ema=ema is not None, ema_momentum=ema or 0.99), loss="mse")
    model.optimizer.build(model.trainable_variables)  # as kt_rnn compiles: the checkpoint holds its state
    model.save_weights(tmp_path / "m.weights.h5")
    written = (tmp_path / "m.weights.h5").stat().st_size
    assert written <= resume.checkpoint_bytes(model) <= written + 2**16  # refuses no disk with room to spare


def test_save_weights_on_a_disk_without_room_raises_enospc_and_keeps_the_last_checkpoint(tmp_path, monkeypatch):
    model = _model()
    resume.save_weights(model, tmp_path / "epoch-1.weights.h5")
    before = (tmp_path / "epoch-1.weights.h5").read_bytes()
    free = resume.checkpoint_bytes(model) - 1  # a byte short: HDF5 would die closing the file
    monkeypatch.setattr(resume.space_left.shutil, "disk_usage", lambda path: _usage(free))
    with pytest.raises(OSError) as raised:
        resume.save_weights(model, tmp_path / "epoch-1.weights.h5")
    assert raised.value.errno == errno.ENOSPC and "a checkpoint needs about" in str(raised.value)
    assert (tmp_path / "epoch-1.weights.h5").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["epoch-1.weights.h5"]  # nothing half-written


def _usage(free):
    return collections.namedtuple("usage", "total used free")(10 * free, 9 * free, free)
