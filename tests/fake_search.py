"""Writes the files of a search directory by hand, for the report tests (no TensorFlow).

The layout and JSON shapes are those KerasTuner 1.4.8 and kt_rnn write: search.json,
tuner/oracle.json, tuner/trial_<id>/trial.json, tuner/trial_<id>/execution0/epochs.json.
"""

import json

from hypermodels import space as sp

UNITS_1 = sp.UNITS[1]  # active only with 2 or more layers


def _hp(class_name, name, conditions=(), **config):
    return {"class_name": class_name, "config": {"name": name, "conditions": list(conditions), **config}}


SPACE = [
    _hp("Choice", sp.CELL, values=["simple_rnn", "gru", "lstm"], default="gru", ordered=False),
    _hp("Boolean", sp.BIDIRECTIONAL, default=False),
    _hp("Int", sp.NUM_LAYERS, min_value=1, max_value=3, step=1, sampling="linear", default=1),
    _hp(
        "Int",
        UNITS_1,
        [{"class_name": "Parent", "config": {"name": sp.NUM_LAYERS, "values": [2, 3]}}],
        min_value=16,
        max_value=128,
        step=16,
        sampling="linear",
        default=64,
    ),
    _hp("Float", sp.DROPOUT, min_value=0.0, max_value=0.5, step=None, sampling="linear", default=0.2),
    _hp("Float", sp.LEARNING_RATE, min_value=1e-4, max_value=1e-2, step=None, sampling="log", default=1e-3),
    _hp("Fixed", sp.RECURRENT_DROPOUT, value=0.0),
]


def values(cell="gru", layers=1, lr=1e-3, dropout=0.2, bidirectional=False, units_1=64, **tuner):
    """A trial's `hyperparameters.values`; `units_1` is set even when inactive, as a tuner may."""
    found = {
        sp.CELL: cell,
        sp.BIDIRECTIONAL: bidirectional,
        sp.NUM_LAYERS: layers,
        UNITS_1: units_1,
        sp.DROPOUT: dropout,
        sp.LEARNING_RATE: lr,
        sp.RECURRENT_DROPOUT: 0.0,
    }
    found.update({f"tuner/{k}": v for k, v in tuner.items()})
    return found


def trial_state(trial_id, hp_values, score=None, best_step=0, status="COMPLETED", message=None):
    """A KerasTuner `Trial.get_state()` dict."""
    observations = [] if score is None else [{"value": [score], "step": best_step}]
    return {
        "trial_id": trial_id,
        "hyperparameters": {"space": SPACE, "values": hp_values},
        "metrics": {"metrics": {"val_accuracy": {"direction": "max", "observations": observations}}},
        "score": score,
        "best_step": best_step,
        "status": status,
        "message": message,
    }


def write_trial(tuner_dir, state, epochs=(), execution=0, finished=True):
    """Writes trial.json and, given per-epoch `(seconds, val_accuracy)`, an epochs.json."""
    trial_dir = tuner_dir / f"trial_{state['trial_id']}"
    trial_dir.mkdir(parents=True, exist_ok=True)
    (trial_dir / "trial.json").write_text(json.dumps(state))
    if epochs:
        _write_epochs(trial_dir / f"execution{execution}", epochs, finished)
    return trial_dir


def _write_epochs(folder, epochs, finished):
    folder.mkdir(parents=True, exist_ok=True)
    records = [
        {"epoch": i, "seconds": s, "logs": {"loss": 0.5, "accuracy": 0.7, "val_loss": 0.6, "val_accuracy": v}}
        for i, (s, v) in enumerate(epochs)
    ]
    (folder / "epochs.json").write_text(
        json.dumps({"initial_epoch": 0, "epochs": records, "finished": finished, "weights": None})
    )


def write_search(root, search_json=True):
    """A Hyperband search in `root`: 7 trials, one of each case the report handles; returns root.

    00 completed 0.80; 01 completed 0.86 (the best, 2 layers, 2 executions); 02 failed (OOM
    traceback); 03 running (no score, 2 epochs so far); 04 completed 0.83 whose trial.json is
    torn (its .prev is good); 05 damaged (torn, no .prev); 06 a Hyperband continuation of 00.
    """
    tuner = root / "tuner"
    tuner.mkdir(parents=True)
    if search_json:
        (root / "search.json").write_text(
            json.dumps({"dataset": "imdb", "tuner": "hyperband", "objective": "val_accuracy", "direction": "max"})
        )
    order = ["00", "01", "02", "03", "04", "05", "06"]
    (tuner / "oracle.json").write_text(
        json.dumps({"hyperparameters": {"space": SPACE, "values": {}}, "start_order": order, "end_order": order[:3]})
    )
    hb = {"epochs": 2, "initial_epoch": 0, "bracket": 1, "round": 0}
    write_trial(tuner, trial_state("00", values(**hb), 0.80, 1), [(2.0, 0.78), (2.0, 0.80)])
    write_trial(tuner, trial_state("01", values("lstm", 2, 3e-3, **hb), 0.86, 1), [(3.0, 0.84), (3.0, 0.86)])
    write_trial(tuner, trial_state("01", values("lstm", 2, 3e-3, **hb), 0.86, 1), [(1.0, 0.8)], execution=1)
    oom = "Traceback (most recent call last):\n  File ...\nResourceExhaustedError: OOM when allocating tensor"
    write_trial(tuner, trial_state("02", values("simple_rnn", lr=5e-3, **hb), None, 0, "FAILED", oom))
    write_trial(
        tuner, trial_state("03", values(lr=2e-4, **hb), None, 0, "RUNNING"), [(4.0, 0.70), (4.0, 0.75)], finished=False
    )
    torn = write_trial(tuner, trial_state("04", values(bidirectional=True, **hb), 0.83, 0), [(5.0, 0.83)])
    (torn / "trial.json.prev").write_text((torn / "trial.json").read_text())
    (torn / "trial.json").write_text('{"trial_id": "04", "hyperpa')
    damaged = write_trial(tuner, trial_state("05", values(**hb), 0.5))
    (damaged / "trial.json").write_text("")
    continuation = dict(hb, epochs=6, initial_epoch=2, round=1, trial_id="00")
    write_trial(
        tuner, trial_state("06", values(**continuation), 0.84, 2), [(2.0, 0.81), (2.0, 0.82), (2.0, 0.84), (2.0, 0.83)]
    )
    return root
