import keras
import numpy as np
import pytest

from kt_rnn.search import chance


def _fit(callback, epochs=3):
    """A model that cannot learn (random labels of constant inputs), trained with `callback`."""
    x = np.zeros((64, 3), "float32")
    y = np.array([0, 1] * 32)  # a constant answer is right half the time
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model.fit(x, y, validation_data=(x, y), epochs=epochs, callbacks=[callback], verbose=0)


def test_stop_at_chance_ends_the_fit_after_the_first_epoch():
    stop = chance.StopAtChance(chance=0.5, examples=5000)
    history = _fit(stop)
    assert len(history.history["loss"]) == 1 and stop.stopped_epoch == 0


def test_stop_at_chance_lets_a_learning_trial_go_on():
    stop = chance.StopAtChance(chance=0.5, examples=64)
    stop.threshold = 0.0  # every accuracy is above it
    assert len(_fit(stop).history["loss"]) == 3 and stop.stopped_epoch is None


def test_stop_at_chance_judges_only_the_first_epoch(monkeypatch):
    stop = chance.StopAtChance(chance=0.5, examples=5000)
    stop.set_model(keras.Sequential())
    stop.model.stop_training = False
    stop.on_train_begin()
    stop.on_epoch_end(0, {"val_accuracy": 0.9})
    stop.on_epoch_end(1, {"val_accuracy": 0.5})  # a later dip is EarlyStopping's business
    assert stop.stopped_epoch is None and not stop.model.stop_training


def test_stop_at_chance_threshold_is_two_standard_errors_above_the_majority_share():
    stop = chance.StopAtChance(chance=0.5, examples=5000)
    assert stop.threshold == pytest.approx(0.5 + 2 * 0.5 / np.sqrt(5000))


def test_callbacks_use_the_majority_class_of_the_validation_part():
    (stop,) = chance.callbacks("val_accuracy", {"validation": {"neg": 300, "pos": 900}, "train": {}})
    assert stop.chance == pytest.approx(0.75)


@pytest.mark.parametrize(
    "objective, counts",
    [
        ("val_loss", {"validation": {"neg": 2500, "pos": 2500}}),  # not an accuracy objective
        ("val_accuracy", {"validation": {"neg": 40, "pos": 60}}),  # too few to tell chance from a slow start
        ("val_accuracy", None),  # regression: no classes
    ],
)
def test_callbacks_are_off_where_chance_cannot_be_judged(objective, counts):
    assert chance.callbacks(objective, counts) == []
