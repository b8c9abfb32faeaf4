"""The options table: the parser, `kt_rnn.tune`'s keywords and run files all come from it. No TensorFlow."""

import dataclasses

import pytest

from kt_rnn import config as config_lib
from kt_rnn import options, tasks
from kt_rnn.errors import UsageError
from kt_rnn.state import identity

# One search written as the command line writes it and as `kt_rnn.tune` / `Config.from_options` take it.
FORECAST_ARGV = [
    "timeseries",
    "--data",
    "s.csv",
    "--target",
    "y",
    "--horizon",
    "4",
    "--season",
    "12",
    "--validation-size",
    "0.25",
    "--categorical",
    "kind",
    "--categorical",
    "place",
    "--tuner",
    "random",
    "--max-trials",
    "5",
    "--time-limit",
    "10m",
    "--fix",
    "cell=gru",
    "--seed",
    "7",
    "--no-refit",
]
FORECAST_OPTIONS = {
    "dataset": "timeseries",
    "data": "s.csv",
    "target": "y",
    "horizon": 4,
    "season": 12,
    "validation_size": 0.25,
    "categorical": ("kind", "place"),
    "tuner": "random",
    "max_trials": 5,
    "time_limit": "10m",
    "fix": ["cell=gru"],
    "seed": 7,
    "no_refit": True,
}


def _from_command_line(logdir):
    return config_lib.Config.from_args(options.build_parser().parse_args([*FORECAST_ARGV, "--logdir", str(logdir)]))


def test_build_parser_has_one_argument_per_option_with_its_default():
    parsed = vars(options.build_parser().parse_args(["imdb"]))
    assert parsed == {**options.defaults(), "dataset": "imdb"}
    assert list(parsed) == [option.name for option in options.table()]


def test_build_parser_and_resolve_read_the_same_values(tmp_path):
    parsed = vars(options.build_parser().parse_args(FORECAST_ARGV))
    resolved = options.resolve(FORECAST_OPTIONS)
    assert resolved == {**parsed, "categorical": ["kind", "place"]}
    assert resolved["time_limit"] == 600 and resolved["validation_size"] == 0.25


def test_from_options_gives_the_command_lines_search_identity(tmp_path):
    from_cli = _from_command_line(tmp_path)
    from_python = config_lib.Config.from_options({**FORECAST_OPTIONS, "logdir": str(tmp_path)})
    assert identity.fingerprint(from_python) == identity.fingerprint(from_cli)
    assert from_python.settings == from_cli.settings  # the same config.toml
    assert dataclasses.replace(from_python, settings={}) == dataclasses.replace(from_cli, settings={})


def test_resolve_unknown_name_lists_the_options_and_the_close_one():
    with pytest.raises(
        UsageError,
        match=r"Unknown option for kt_rnn.tune: 'max_trial'\. Expected one of \[.*"
        r"Did you mean 'max_trials'\?",
    ):
        options.resolve({"max_trial": 3}, where="for kt_rnn.tune")


@pytest.mark.parametrize(
    "name, value, fragment",
    [
        ("max_trials", "5", 'Expected max_trials to be an integer. Received: max_trials="5"'),
        ("quick", 1, "Expected quick to be true or false"),
        ("fix", "cell=gru", "Expected fix to be a list of strings"),
        ("tuner", "tpe", r"Expected tuner to be one of \['hyperband'"),
        ("time_limit", "soon", "time_limit must be a duration such as 90s"),
    ],
)
def test_resolve_wrong_value_names_the_option_the_type_and_the_value(name, value, fragment):
    with pytest.raises(UsageError, match=fragment):
        options.resolve({name: value})


def test_option_of_another_tasks_data_is_refused_naming_its_task(tmp_path):
    with pytest.raises(UsageError, match="--horizon is an option of the forecast data, not of imdb"):
        config_lib.Config.from_options({"dataset": "imdb", "horizon": 3, "logdir": str(tmp_path)})
    assert not (tmp_path / "imdb").exists()


@pytest.mark.parametrize(
    "name, value, fragment",
    [
        ("max_epochs", 0, "--max-epochs must be an integer >= 1"),
        ("factor", 1, "--factor must be an integer >= 2"),
        ("validation_split", 1.0, "--validation-split must be between 0 and 1"),
        ("test_size", 0.2, "--test-size must be an integer >= 1"),  # a fraction is a series' form only
    ],
)
def test_config_checks_each_option_as_its_row_says(tmp_path, name, value, fragment):
    with pytest.raises(UsageError, match=fragment):
        config_lib.Config.of("imdb", logdir=str(tmp_path), **{name: value})


def test_table_is_the_common_rows_then_each_tasks_own():
    fields = {field.name for kind in config_lib.SECTIONS.values() for field in dataclasses.fields(kind)}
    fields |= {field.name for field in dataclasses.fields(config_lib.Config)} | set(config_lib.FIELDS)
    for option in options.COMMON:
        assert option.group in options.GROUPS and option.tasks is None, option.name
        assert not (option.identity or option.preset) or option.name in fields, option.name  # search.json reads it
    for task in tasks.TASKS.values():
        assert all(option.tasks == (task.name,) for option in task.options), task.name
    names = [option.name for option in options.table()]
    assert len(names) == len(set(names))


def test_preset_options_are_unset_on_the_parser_so_a_preset_can_fill_them():
    parsed = options.build_parser().parse_args(["imdb"])
    assert all(getattr(parsed, name) is None for name in options.PRESET_DEFAULTS)
    assert options.PRESET_DEFAULTS["tuner"] == "hyperband" and options.PRESET_DEFAULTS["max_epochs"] == 10


def test_tune_gives_the_command_lines_search_identity(tmp_path, monkeypatch):
    from kt_rnn import api

    built = []
    monkeypatch.setattr(api, "run", lambda config, data=None: built.append(config))
    keywords = {name: value for name, value in FORECAST_OPTIONS.items() if name not in ("dataset", "data")}
    api.tune("s.csv", dataset="timeseries", logdir=str(tmp_path), **keywords)
    from_cli = _from_command_line(tmp_path)
    assert identity.fingerprint(built[0]) == identity.fingerprint(from_cli)
    assert built[0].settings == from_cli.settings


def test_config_holds_a_tasks_own_options_apart_and_none_of_another_tasks(tmp_path):
    config = config_lib.Config.from_options({**FORECAST_OPTIONS, "logdir": str(tmp_path)})
    assert config.task_options["horizon"] == 4 and config.task_options["categorical"] == ("kind", "place")
    assert config.option("horizon") == 4 and config.option("text_column") is None  # the text task's: not given
    assert not hasattr(config, "horizon")  # no field of the forecast task's in Config
    imdb = config_lib.Config.from_options({"dataset": "imdb", "logdir": str(tmp_path)})
    assert set(imdb.task_options) == {"test_data", "text_column", "label_column"}
