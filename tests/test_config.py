import os
import pathlib

import pytest

import searches
from hypermodels import space as sp
from kt_rnn import config as config_lib
from kt_rnn import presets
from kt_rnn.errors import UsageError


def _config(*argv):
    return _config_of("imdb", *argv)


def _config_of(*argv):
    return searches.config(*argv)


def test_config_defaults_follow_the_design():
    config = _config()
    assert (config.budget.tuner, config.budget.objective, config.budget.max_epochs, config.budget.factor) == (
        "hyperband",
        "val_accuracy",
        10,
        3,
    )
    assert config.output.project == "imdb" and str(config.project_dir) == "logs/imdb"
    assert config.trials is None  # Hyperband runs its whole schedule
    assert config.output.refit and config.space == sp.SearchSpace()
    assert config.output.ensemble == 1  # one model, the best trial's


def test_config_ensemble_is_accepted_for_every_task():
    assert _config("--ensemble", "3").output.ensemble == 3
    assert _config_of("timeseries", "--target", "y", "--ensemble", "2").output.ensemble == 2


def test_config_trials_default_for_budgeted_tuners():
    assert _config("--tuner", "random").trials == config_lib.DEFAULT_MAX_TRIALS
    assert _config("--tuner", "grid", "--max-trials", "4").trials == 4
    assert _config("--max-trials", "5").trials == 5  # caps Hyperband too


def test_config_quick_preset_fills_only_options_not_given():
    quick = _config("--quick")
    options = presets.get("quick").options
    assert (quick.data.train_size, quick.budget.max_epochs) == (options["train_size"], options["max_epochs"])
    assert _config("--quick", "--max-epochs", "7").budget.max_epochs == 7
    assert _config("--preset", "quick") == quick  # --quick is its shorthand
    assert quick.space.domain(sp.HEAD) == sp.fixed("max_pool")


def test_config_preset_sets_tuner_and_patience_unless_given():
    best = _config("--preset", "imdb-best")
    chosen = presets.get("imdb-best").options
    assert (best.budget.tuner, best.data.sequence_length, best.output.ensemble) == (
        chosen["tuner"],
        chosen["sequence_length"],
        4,
    )
    assert _config("--preset", "imdb-best", "--tuner", "random", "--patience", "5").budget.tuner == "random"
    assert _config().budget.tuner == "hyperband" and _config().budget.patience == 3
    assert best.budget.ema == chosen["ema"] and _config("--preset", "imdb-best", "--ema", "0.9").budget.ema == 0.9
    assert _config().budget.ema is None  # the weights as the last step left them


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (("--quick", "--preset", "imdb-best"), "--quick is --preset quick: give one preset"),
        (("timeseries", "--target", "y", "--preset", "imdb-best"), "--preset imdb-best is made for text data"),
    ],
)
def test_config_rejects_a_preset_that_does_not_apply(argv, fragment):
    dataset = () if argv[0] == "timeseries" else ("imdb",)
    with pytest.raises(UsageError, match=fragment):
        _config_of(*dataset, *argv)


def test_config_outputs_live_under_logdir_and_project(tmp_path):
    config = _config("--logdir", str(tmp_path), "--project", "run1")
    assert config.layout.tensorboard == tmp_path / "run1" / "tensorboard"
    assert config.layout.best == tmp_path / "run1" / "best"


def test_config_fix_and_space_file_build_the_space(tmp_path):
    path = tmp_path / "space.toml"
    path.write_text('[cell]\nvalues = ["gru", "lstm"]\n[optimizer]\nvalue = "sgd"\n')
    config = _config("--space", str(path), "--fix", "optimizer=adam", "--fix", "num_layers=2")
    assert config.space.domain(sp.CELL) == sp.choice(["gru", "lstm"])
    assert config.space.domain(sp.OPTIMIZER) == sp.fixed("adam")  # --fix wins over the file
    assert config.space.domain(sp.NUM_LAYERS) == sp.fixed(2)


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--max-trials", "0"], "--max-trials must be an integer >= 1"),
        (["--max-epochs", "-2"], "--max-epochs must be an integer >= 1"),
        (["--factor", "1"], "--factor must be an integer >= 2"),
        (["--executions-per-trial", "0"], "--executions-per-trial must be"),
        (["--validation-split", "1.5"], "--validation-split must be between 0 and 1"),
        (["--ema", "1"], "--ema must be between 0 and 1"),
        (["--max-tokens", "2"], "--max-tokens must be an integer >= 3"),
        (["--ensemble", "0"], "--ensemble must be an integer >= 1"),
        (["--project", "a/b"], "--project must be a plain directory name"),
        (["--fix", "nope=1"], "Expected one of"),
    ],
)
def test_config_rejects_bad_values_naming_the_option(argv, fragment):
    with pytest.raises(UsageError, match=fragment):
        _config(*argv)


@pytest.mark.parametrize(
    "argv, flag",
    [
        (["sequence", "--test-data", "t.csv"], "--test-data"),
        (["sequence", "--text-column", "0"], "--text-column"),
        (["imdb", "--task", "regression"], "--task"),
    ],
)
def test_config_refuses_another_tasks_options(argv, flag):
    with pytest.raises(UsageError, match=f"{flag} is an option of the .* data, not of"):
        searches.config(*argv)


def test_config_objective_must_fit_the_task():
    with pytest.raises(UsageError, match=r"val_mae.*Expected one of \['val_accuracy'"):
        searches.config("text", "--objective", "val_mae")
    assert searches.config("sequence").budget.objective is None  # known after loading


def test_config_read_only_project_directory_is_a_usage_error(tmp_path, monkeypatch):
    (tmp_path / "imdb").mkdir()
    writable = os.access  # as a normal user sees a `chmod 555` directory (root writes through permissions)
    monkeypatch.setattr(os, "access", lambda path, mode: writable(path, mode) and pathlib.Path(path).name != "imdb")
    with pytest.raises(UsageError, match="--project .*imdb.* cannot be written"):
        _config("--logdir", str(tmp_path))


def test_config_tune_searches_only_the_named_hyperparameters():
    config = _config("--tune", "units_0, learning_rate,batch_size", "--fix", "dropout=0.5")
    searched = {n for n in config.space.names if config.space.domain(n).kind != sp.FIXED}
    assert searched == {sp.UNITS[0], sp.LEARNING_RATE, sp.BATCH_SIZE}
    assert config.space.domain(sp.DROPOUT) == sp.fixed(0.5)  # a --fix is the value it is fixed at
    assert config.space.domain(sp.CELL) == sp.fixed("gru")  # everything else at its default
    assert config.space.domain(sp.LEARNING_RATE) == sp.SearchSpace().domain(sp.LEARNING_RATE)


def test_config_tune_opens_a_hyperparameter_the_defaults_fix():
    config = _config("--tune", "num_layers,units_1")
    assert (config.space.domain(sp.NUM_LAYERS).min_value, config.space.domain(sp.NUM_LAYERS).max_value) == (1, 3)


def test_config_tune_keeps_the_space_files_domains(tmp_path):
    space = tmp_path / "space.toml"
    space.write_text("[units_0]\nvalues = [32, 256]\n")
    config = _config("--space", str(space), "--tune", "units_0")
    assert config.space.domain(sp.UNITS[0]).values == (32, 256)


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (("--tune", "unitz_0"), r"Unknown hyperparameter. Expected one of \[.*'units_0'.*Received: 'unitz_0'"),
        (("--tune", " , "), "Expected --tune NAME"),
        (("--tune", "cell", "--fix", "cell=lstm"), "--tune cell and --fix cell contradict each other"),
        (("--tune", "recurrent_dropout"), "recurrent_dropout has one value by default"),
    ],
)
def test_config_tune_rejects_what_it_cannot_search(argv, fragment):
    with pytest.raises(UsageError, match=fragment):
        _config(*argv)


def test_config_jit_auto_compiles_only_where_epochs_outlast_the_compilation():
    assert _config().jit_for(config_lib.JIT_MIN_EXAMPLES - 1) is False  # a few seconds of XLA per trial
    assert _config().jit_for(20_000) == "auto"  # the hypermodel turns it on on a CPU
    assert _config("--jit", "on").jit_for(10) is True and _config("--jit", "off").jit_for(20_000) is False


def test_config_baselines_default_to_all_and_none_skips_them():
    assert _config().output.baselines == "all" and _config("--baselines", "none").output.baselines == "none"
    expected = r"Expected baselines to be one of \['all', 'none'\]. Received: baselines='tfidf'"
    with pytest.raises(UsageError, match=expected):
        config_lib.Config.of("imdb", baselines="tfidf")


@pytest.mark.parametrize(
    "text, seconds", [("90s", 90), ("10m", 600), ("1h", 3600), ("1h30m", 5400), ("45", 45), ("2.5m", 150)]
)
def test_config_time_limit_reads_a_duration(text, seconds):
    assert _config("--time-limit", text).budget.time_limit == seconds


def test_config_time_limit_defaults_to_none_and_refuses_what_is_no_duration(capsys):
    assert _config().budget.time_limit is None
    with pytest.raises(SystemExit) as stopped:
        _config("--time-limit", "soon")
    assert stopped.value.code == 2
    assert "argument --time-limit: must be a duration such as 90s, 10m, 1h or 1h30m" in capsys.readouterr().err
    with pytest.raises(UsageError, match="--time-limit must be a duration"):
        config_lib.Config.of("imdb", time_limit=0)


def test_config_time_limit_from_the_python_api_is_read_as_a_duration():
    assert config_lib.Config.of("imdb", time_limit="5m").budget.time_limit == 300
    assert config_lib.Config.from_options({"dataset": "imdb", "time_limit": "1h"}).budget.time_limit == 3600


def test_config_given_names_the_budget_options_the_user_or_a_preset_set():
    assert _config().given == frozenset()
    assert _config("--max-epochs", "5", "--tuner", "random").given == {"max_epochs", "tuner"}
    assert {"max_epochs", "train_size"} <= _config("--quick").given


def test_config_given_names_the_hyperparameters_the_user_edited_even_at_their_default(tmp_path):
    space_file = tmp_path / "space.toml"
    space_file.write_text('[cell]\nvalues = ["gru", "lstm"]\n')
    edited = _config("--fix", "batch_size=128", "--space", space_file)  # 128: the text default
    assert {"batch_size", "cell"} <= edited.given and not edited.is_default(sp.BATCH_SIZE)
    assert _config().is_default(sp.BATCH_SIZE)
    assert sp.BATCH_SIZE in _config("--tune", "units_0").given  # --tune fixes every other one


def test_config_project_defaults_to_the_data_files_name_so_two_files_do_not_collide(tmp_path):
    first = config_lib.Config.of("text", path=str(tmp_path / "tickets.csv"), logdir=str(tmp_path))
    second = config_lib.Config.of("text", path=str(tmp_path / "reviews.csv"), logdir=str(tmp_path))
    assert (first.output.project, second.output.project) == ("tickets", "reviews")
    assert config_lib.Config.of("text", path=str(tmp_path / "t.csv"), project="p").output.project == "p"
