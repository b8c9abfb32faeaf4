import keras_tuner

import searches
from kt_rnn.search import console
from kt_rnn.state import kerastuner as kt


def _trial(trial_id, score=None, **values):
    hp = keras_tuner.HyperParameters()
    hp.Choice("cell", ["gru", "lstm"])
    hp.Int("units_0", 16, 128, step=16)
    hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
    hp.Fixed("recurrent_dropout", 0.0)
    hp.values.update(values)
    trial = kt.Trial(hp, trial_id=trial_id)
    trial.score = score
    return trial


class FakeOracle:
    def __init__(self, best=None):
        self.best = best

    def get_best_trials(self, n=1):
        return [self.best] if self.best else []


def test_start_line_of_the_first_trial_lists_its_searched_values():
    trial = _trial("0000", cell="gru", units_0=64, learning_rate=0.0031415)
    assert console.start_line(trial) == "Trial 0000 starts: cell=gru units_0=64 learning_rate=0.00314"


def test_start_line_names_only_what_differs_from_the_best_trial():
    best = _trial("0001", 0.86, cell="gru", units_0=64, learning_rate=0.002)
    trial = _trial("0004", cell="lstm", units_0=64, learning_rate=0.002)
    assert console.start_line(trial, best) == "Trial 0004 starts: cell=lstm (vs best trial 0001)"


def test_start_line_of_a_hyperband_continuation_says_its_epochs():
    best = _trial("0001", 0.86, cell="gru", units_0=64, learning_rate=0.002)
    values = {
        "cell": "gru",
        "units_0": 64,
        "learning_rate": 0.002,
        "tuner/epochs": 4,
        "tuner/initial_epoch": 2,
        "tuner/bracket": 1,
        "tuner/round": 1,
        "tuner/trial_id": "0001",
    }
    line = console.start_line(_trial("0005", **values), best)
    assert line == (
        "Trial 0005 starts (bracket 1 round 1, epochs 3-4): the best trial's hyperparameters (vs best trial 0001)"
    )


def test_trial_display_prints_by_mode():
    lines = []
    trial = _trial("0002", cell="lstm", units_0=32, learning_rate=0.001)
    for mode in console.MODES:
        display = console.TrialDisplay(FakeOracle(), mode, out=lines.append)
        display.on_trial_begin(trial)
        display.on_trial_end(trial)  # says nothing: the progress line does
    assert lines[0] == "Trial 0002 starts: cell=lstm units_0=32 learning_rate=0.001"
    assert lines[1].strip() == "Search: running trial 0002" and len(lines) == 3


def _config(*argv):
    return searches.config("imdb", *argv)


def test_plan_line_gives_the_budget_and_the_data():
    sizes = {"train": 20000, "validation": 5000, "test": 25000}
    hyperband = console.plan_line(_config("--max-epochs", "4"), sizes, schedule=[2, 2, 2, 4, 4, 4, 4, 4])
    assert hyperband == (
        "Plan: hyperband tuner, 8 trials, at most 26 epochs (4 per trial at most); "
        "20,000 train / 5,000 validation examples."
    )
    random = console.plan_line(_config("--tuner", "random", "--max-trials", "5"), sizes, "windows")
    assert random == (
        "Plan: random tuner, up to 5 trials of at most 10 epochs each; 20,000 train / 5,000 validation windows."
    )


def test_plan_line_says_how_many_of_a_bayesian_searchs_trials_are_random():
    sizes = {"train": 200, "validation": 50}
    narrowed = console.plan_line(_config("--tuner", "bayesian", "--max-trials", "8", "--tune", "learning_rate"), sizes)
    assert narrowed.startswith(
        "Plan: bayesian tuner (3 random trials per tuned hyperparameter, 3, come first, then its"
    )
    wide = console.plan_line(_config("--tuner", "bayesian", "--max-trials", "8"), sizes)
    assert "bayesian tuner (all 8 trials random: 3 random trials per tuned hyperparameter" in wide


def _fit(estimate, seconds):
    """One fit of `len(seconds)` epochs, each taking its seconds on the estimate's clock."""
    estimate.on_train_begin()
    for epoch, spent in enumerate(seconds):
        estimate.on_epoch_begin(epoch)
        estimate.now += spent
        estimate.on_epoch_end(epoch)
    estimate.on_train_end()


def _estimate(epochs, trials=None):
    lines = []
    estimate = console.FirstEpochEstimate(epochs, trials, out=lines.append, clock=lambda: estimate.now)
    estimate.now = 0.0
    return estimate, lines


def test_first_epoch_estimate_bounds_then_counts_a_compilation_per_trial():
    estimate, lines = _estimate(26, trials=10)
    _fit(estimate, [12.0, 2.0, 2.0])
    _fit(estimate, [11.0, 2.0])  # later trials: nothing more is said
    assert lines == [
        "First epoch: 12s (graph compilation included); at most 26 epochs in all: at most about 5m12s for the "
        "search at this pace, then the refit",
        # 10 trials x 10 s of compilation + 26 epochs x 2 s
        "Later epochs: 2s each (a trial's first also compiles its graph: 10s more); about 2m32s for the search "
        "(less where trials stop early), then the refit",
    ]


def test_first_epoch_estimate_waits_for_a_trial_with_a_second_epoch():
    estimate, lines = _estimate(11, trials=6)
    _fit(estimate, [12.0])  # Hyperband's first round: one epoch a trial
    _fit(estimate, [13.0])
    assert len(lines) == 1 and lines[0].startswith("First epoch: 12s")
    _fit(estimate, [12.0, 3.0, 3.0])  # a continuation, over two epochs
    assert lines[1] == (
        "Later epochs: 3s each (a trial's first also compiles its graph: 9s more); about 1m27s "
        "for the search (less where trials stop early), then the refit"
    )


def test_first_epoch_estimate_without_a_budget_gives_the_pace_alone():
    estimate, lines = _estimate(None)
    _fit(estimate, [12.0, 2.0])
    assert lines == [
        "First epoch: 12s (graph compilation included)",
        "Later epochs: 2s each (a trial's first also compiles its graph: 10s more)",
    ]


def _fit_tiny_model(epochs, callbacks, capsys):
    import keras
    import numpy as np

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile("sgd", "mse")
    model.fit(np.zeros((4, 2)), np.zeros(4), epochs=epochs, callbacks=callbacks, verbose=2)
    return capsys.readouterr().out.splitlines()


def test_first_epoch_estimate_comes_after_the_epochs_progress_line_not_inside_it(capsys):
    lines = _fit_tiny_model(2, [console.FirstEpochEstimate(10)], capsys)
    first = next(i for i, line in enumerate(lines) if line.startswith("First epoch:"))
    assert lines[first - 1].startswith("1/1 - ") and "loss" in lines[first - 1]  # epoch 1's line, ended
    assert lines[first + 1] == "Epoch 2/2"


def test_epoch_header_heads_a_one_epoch_fit_as_keras_heads_longer_ones(capsys):
    assert _fit_tiny_model(1, [console.EpochHeader()], capsys)[0] == "Epoch 1/1"
    assert _fit_tiny_model(2, [console.EpochHeader()], capsys).count("Epoch 1/2") == 1  # Keras's own, not twice


def test_trials_budget_is_the_schedule_or_max_trials():
    assert console.trials_budget(_config(), [1, 1, 3]) == 3
    assert console.trials_budget(_config("--tuner", "random", "--max-trials", "5")) == 5


def test_first_epoch_estimate_is_shared_by_the_copies_kerastuner_makes_per_trial():
    import copy

    estimate = console.FirstEpochEstimate(26, out=[].append)
    assert copy.deepcopy([estimate])[0] is estimate


def test_epochs_budget_is_the_schedule_or_trials_times_epochs():
    assert console.epochs_budget(_config(), [1, 1, 3]) == 5
    assert console.epochs_budget(_config("--tuner", "random", "--max-trials", "5", "--max-epochs", "4")) == 20


def test_epochs_budget_counts_each_fold_and_execution_of_a_trial():
    folds = searches.config(
        "timeseries", "--target", "y", "--tuner", "random", "--max-trials", "5", "--max-epochs", "4", "--folds", "3"
    )
    assert console.epochs_budget(folds) == 60
    assert console.epochs_budget(_config("--executions-per-trial", "2"), [1, 1, 3]) == 10
