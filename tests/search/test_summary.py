import types

from kt_rnn.search import summary


def _ensemble(asked, *members):
    return {
        "asked": asked,
        "size": len(members),
        "members": [{"trial": t, "validation_score": s, "epochs": 2} for t, s in members],
    }


def test_ensemble_line_names_each_member_best_first_with_its_score():
    line = summary.ensemble_line(_ensemble(2, ("0002", 0.88504), ("0000", 0.8812)))
    assert line == "Exported the mean of 2 models: trials 0002 (0.8850), 0000 (0.8812)"


def test_ensemble_line_says_why_it_holds_fewer_models_than_asked():
    line = summary.ensemble_line(_ensemble(3, ("0001", 0.9)))
    assert line.startswith("Exported one model: trial 0001 (0.9000); --ensemble 3 asked for more")
    assert "distinct hyperparameters" in line


def test_trials_line_counts_outcomes():
    counts = {"total": 12, "completed": 10, "failed": 2, "rerun": 1}
    assert summary.trials_line(counts) == "Trials: 12 (10 completed, 2 failed, 1 re-run after an interruption)"


def _shown(tmp_path, hparams, **metrics):
    """The lines `summary.show` prints for an export of `hparams` with `metrics` (else a one-trial search's)."""
    config = types.SimpleNamespace(
        budget=types.SimpleNamespace(tuner="random"), layout=types.SimpleNamespace(tensorboard=tmp_path / "tensorboard")
    )
    metrics = {
        "trials": {"total": 1, "completed": 1, "failed": 0, "rerun": 0, "failures": {}},
        "best_trial": "0000",
        "objective": "val_accuracy",
        "best_validation_score": 0.88,
        "best_epoch": 2,
        "refit": True,
        "exported_model": "refit on train + validation",
        "sizes": {"test": 10},
        "wall_time_seconds": 3.0,
        **metrics,
    }
    lines = []
    summary.show(config, types.SimpleNamespace(metrics=metrics, hparams=hparams, path=tmp_path), [], out=lines.append)
    return lines


def test_show_prints_the_best_hyperparameters_as_a_person_reads_them(tmp_path):
    lines = _shown(tmp_path, {"learning_rate": 0.0020432861, "units_0": 64, "dropout": 0.3})
    assert "  learning_rate  0.00204" in lines and "  units_0        64" in lines and "  dropout        0.3" in lines
    assert lines[-1] == f"Inspect every trial: tensorboard --logdir {tmp_path / 'tensorboard'}"


def test_show_says_how_far_the_exported_network_was_ahead_of_its_base(tmp_path):
    line = (
        "Trial 03's validation MAE 1.215 against 1.35 for the best base alone (window=24, predict=seasonal): 10% lower"
    )
    lines = _shown(
        tmp_path,
        {"window": 24},
        objective="val_loss",
        best_validation_score=0.12,
        best_epoch=9,
        exported_model="the mean of 5 trials (refit on train + validation each)",
        sizes={"test": 24},
        size_unit="steps",
        base_comparison={"line": line},
    )
    assert lines[lines.index("Validation val_loss: 0.1200 (best epoch 9)") + 1] == line
    assert "Test part: 24 steps, the mean of 5 trials (refit on train + validation each)" in lines
