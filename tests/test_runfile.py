"""`--config run.toml`: file values as defaults, the command line on top, the resolved run saved. No TensorFlow."""

import pytest
import tomllib

from hypermodels import space as sp
from kt_rnn import config as config_lib
from kt_rnn import runfile
from kt_rnn.cli import search
from kt_rnn.errors import UsageError
from kt_rnn.options import build_parser
from kt_rnn.state import config_file


def _write(path, text):
    path.write_text(text)
    return path


def _args(*argv):
    return runfile.parse_args(build_parser(), list(argv))


def _config(*argv):
    return config_lib.Config.from_args(_args(*argv))


def _load(path):
    return runfile.load(path)


def test_parse_args_applies_file_values(tmp_path):
    path = _write(
        tmp_path / "run.toml",
        'dataset = "imdb"\ntuner = "random"\nmax-trials = 20\nvalidation_split = 0.25\nobjective = "val_loss"\n',
    )
    args = _args("--config", str(path))
    assert (args.dataset, args.tuner, args.max_trials, args.validation_split, args.objective) == (
        "imdb",
        "random",
        20,
        0.25,
        "val_loss",
    )


def test_parse_args_command_line_overrides_file(tmp_path):
    path = _write(tmp_path / "run.toml", 'dataset = "imdb"\ntuner = "random"\nmax-trials = 20\nseed = 7\n')
    args = _args("imdb", "--config", str(path), "--max-trials", "5", "--tuner", "grid")
    assert (args.tuner, args.max_trials, args.seed) == ("grid", 5, 7)


def test_parse_args_float_option_takes_a_toml_integer(tmp_path):
    path = _write(tmp_path / "run.toml", 'dataset = "imdb"\nvalidation-split = 0\n')
    assert _args("--config", str(path)).validation_split == 0.0


def test_parse_args_fix_list_then_command_line_fixes(tmp_path):
    path = _write(
        tmp_path / "run.toml",
        f'dataset = "imdb"\nfix = ["{sp.CELL}=lstm", "{sp.UNITS[0]}=64"]\nlogdir = "{tmp_path.as_posix()}"\n',
    )
    config = _config("--config", str(path), "--fix", f"{sp.CELL}=gru")
    assert config.space.domain(sp.CELL) == sp.fixed("gru")  # the command line's fix comes last and wins
    assert config.space.domain(sp.UNITS[0]) == sp.fixed(64)


def test_parse_args_booleans_set_switches(tmp_path):
    path = _write(tmp_path / "run.toml", 'dataset = "imdb"\nquick = true\nno-refit = true\n')
    args = _args("--config", str(path))
    assert args.quick and args.no_refit
    assert not _args("imdb").quick


def test_parse_args_without_dataset_anywhere_exits_with_usage(tmp_path, capsys):
    path = _write(tmp_path / "run.toml", "max-trials = 3\n")
    with pytest.raises(SystemExit) as e:
        _args("--config", str(path))
    assert e.value.code == 2
    assert "required: dataset" in capsys.readouterr().err


def test_parse_args_bad_file_exits_2_with_the_reason(tmp_path, capsys):
    path = _write(tmp_path / "run.toml", 'dataset = "imdb"\nmax_trial = 3\n')
    with pytest.raises(SystemExit) as e:
        _args("--config", str(path))
    assert e.value.code == 2
    assert "Unknown option in" in capsys.readouterr().err


def test_load_resolves_relative_paths_against_the_file_directory(tmp_path, monkeypatch):
    folder = tmp_path / "runs"
    folder.mkdir()
    path = _write(
        folder / "run.toml",
        'dataset = "imdb"\ndata = "../data/aclImdb"\nspace = "space.toml"\n'
        f'logdir = "{(tmp_path / "abs").as_posix()}"\n',
    )
    monkeypatch.chdir(tmp_path.parent)
    values = _load(path.relative_to(tmp_path.parent))
    assert values["data"] == str(folder / "../data/aclImdb")
    assert values["space"] == str(folder / "space.toml")
    assert values["logdir"] == str(tmp_path / "abs")  # absolute paths are kept


def test_load_unknown_key_lists_the_valid_keys(tmp_path):
    path = _write(tmp_path / "run.toml", 'dataset = "imdb"\nmax_trial = 3\n')
    with pytest.raises(UsageError, match=r"Unknown option in .*run.toml: 'max_trial'\. Expected one of \[") as e:
        _load(path)
    assert "'max-trials'" in str(e.value) and "Did you mean 'max-trials'?" in str(e.value)


@pytest.mark.parametrize(
    "line, fragment",
    [
        ('max-trials = "20"', 'Expected max-trials in .* to be an integer. Received: max-trials="20"'),
        ("max-trials = 2.5", "Expected max-trials in .* to be an integer. Received: max-trials=2.5"),
        ("seed = true", "Expected seed in .* to be an integer. Received: seed=true"),
        ('validation-split = "0.2"', "Expected validation-split in .* to be a number"),
        ("quick = 1", "Expected quick in .* to be true or false. Received: quick=1"),
        ('fix = "cell=lstm"', "Expected fix in .* to be a list of strings"),
        ("fix = [1]", "Expected fix in .* to be a string. Received: fix=1"),
        ("project = 3", "Expected project in .* to be a string"),
    ],
)
def test_load_wrong_type_names_the_key_type_and_value(tmp_path, line, fragment):
    path = _write(tmp_path / "run.toml", f'dataset = "imdb"\n{line}\n')
    with pytest.raises(UsageError, match=fragment):
        _load(path)


def test_load_value_outside_choices_lists_them(tmp_path):
    path = _write(tmp_path / "run.toml", 'dataset = "imdb"\ntuner = "tpe"\n')
    with pytest.raises(
        UsageError,
        match=r"Expected tuner in .* to be one of \['hyperband', 'random', "
        r"'bayesian', 'grid'\]\. Received: tuner=\"tpe\"",
    ):
        _load(path)


def test_load_same_option_twice_is_refused(tmp_path):
    path = _write(tmp_path / "run.toml", 'dataset = "imdb"\nmax-trials = 3\nmax_trials = 4\n')
    with pytest.raises(UsageError, match="sets 'max-trials' twice"):
        _load(path)


def test_load_invalid_toml_names_the_file_and_line(tmp_path):
    path = _write(tmp_path / "run.toml", 'dataset = "imdb"\nmax-trials = \n')
    with pytest.raises(UsageError, match=r"run\.toml is not valid TOML: .*line 2, column"):
        _load(path)


def test_load_missing_file_names_it(tmp_path):
    with pytest.raises(UsageError, match=r"--config file not found: .*nowhere\.toml"):
        _load(tmp_path / "nowhere.toml")


def test_load_refuses_a_nested_config(tmp_path):
    path = _write(tmp_path / "run.toml", 'dataset = "imdb"\nconfig = "other.toml"\n')
    with pytest.raises(UsageError, match="Unknown option in .*: 'config'"):
        _load(path)


def test_save_round_trips_to_the_same_config(tmp_path):
    space = _write(tmp_path / "space.toml", f'[{sp.CELL}]\nvalues = ["gru", "lstm"]\n')
    run = _write(
        tmp_path / "run.toml",
        f'dataset = "imdb"\ntuner = "bayesian"\nfix = ["{sp.NUM_LAYERS}=2"]\nspace = "space.toml"\nquick = true\n',
    )
    config = _config(
        "--config",
        str(run),
        "--logdir",
        str(tmp_path / "logs"),
        "--max-trials",
        "6",
        "--project",
        'odd "name" \\ é',
        "--validation-split",
        "0.3",
        "--overwrite",
    )
    saved = config_file.save(config)
    assert saved == tmp_path / "logs" / 'odd "name" \\ é' / config_file.FILENAME
    again = _config("--config", str(saved))
    assert again == config.replace(overwrite=False)
    assert again.settings == config.settings
    assert tomllib.loads(saved.read_text())["space"] == str(space)


def test_save_round_trips_a_time_limit_and_a_run_file_takes_one_as_text(tmp_path):
    config = _config("imdb", "--logdir", str(tmp_path / "logs"), "--time-limit", "1h30m")
    again = _config("--config", str(config_file.save(config)))
    assert again.budget.time_limit == config.budget.time_limit == 5400
    run = _write(tmp_path / "run.toml", 'dataset = "imdb"\ntime-limit = "10m"\n')
    assert _config("--config", str(run)).budget.time_limit == 600
    with pytest.raises(
        UsageError, match="time-limit in .*bad.toml must be a duration such as 90s, 10m, 1h or 1h30m. Received: 'soon'$"
    ):
        _load(_write(tmp_path / "bad.toml", 'dataset = "imdb"\ntime-limit = "soon"\n'))


def test_save_makes_command_line_paths_absolute(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = _config("imdb", "--logdir", "logs", "--data", "data/aclImdb")
    saved = tomllib.loads(config_file.save(config).read_text())
    assert saved["logdir"] == str(tmp_path / "logs") and saved["data"] == str(tmp_path / "data" / "aclImdb")
    assert "max-trials" not in saved  # None: left to the default


def test_save_never_writes_one_shot_flags(tmp_path):
    config = _config("imdb", "--logdir", str(tmp_path), "--overwrite", "--extend-budget")
    saved = tomllib.loads(config_file.save(config).read_text())
    assert not {"overwrite", "export-only", "extend-budget", "config"} & set(saved)
    assert saved["dataset"] == "imdb" and saved["no-refit"] is False


def test_main_bad_config_exits_2_with_the_message(tmp_path, capsys, monkeypatch):
    _write(tmp_path / "bad.toml", 'dataset = "imdb"\nmax_trial = 3\n')
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit:
        search.main(["--config", "bad.toml"])
    assert exit.value.code == 2
    err = capsys.readouterr().err
    assert "Unknown option in bad.toml: 'max_trial'. Expected one of [" in err and "Traceback" not in err
