"""search.json: a resumed search must be the same search, or say what changed."""

import json

import pytest

from hypermodels import space as sp
from kt_rnn import config as config_lib
from kt_rnn.data import Dataset
from kt_rnn.errors import UsageError
from kt_rnn.state import identity


def _config(tmp_path, **changes):
    return config_lib.Config.of("imdb", logdir=str(tmp_path), tuner="random", max_trials=4).replace(**changes)


def test_check_writes_search_json_for_a_new_search(tmp_path):
    config = _config(tmp_path)
    identity.check(config)
    saved = json.loads(config.layout.identity.read_text())
    assert saved["tuner"] == "random" and saved["objective"] == "val_accuracy" and saved["direction"] == "max"
    assert saved["space"][sp.CELL]["values"] == ["gru", "lstm"]


def test_check_accepts_the_same_settings(tmp_path):
    identity.check(_config(tmp_path))
    identity.check(_config(tmp_path, jit="on", path="/elsewhere", max_failures=9))  # not part of the search


@pytest.mark.parametrize(
    "changes, line",
    [
        ({"tuner": "bayesian"}, "tuner: random -> bayesian"),
        ({"objective": "val_loss"}, "objective: val_accuracy -> val_loss"),
        ({"max_tokens": 500}, "max_tokens: 20000 -> 500"),
        ({"patience": 7}, "patience: 3 -> 7"),  # early stopping changes how trials train
        ({"space": config_lib.build_space([f"{sp.CELL}=lstm"])}, f"space.{sp.CELL}: "),
    ],
)
def test_check_refuses_changed_settings_with_a_diff(tmp_path, changes, line):
    identity.check(_config(tmp_path))
    with pytest.raises(UsageError, match="--overwrite") as error:
        identity.check(_config(tmp_path, **changes))
    assert line in str(error.value)
    assert len(str(error.value).splitlines()) <= 4  # short: one line per change


def test_check_budget_change_needs_extend_budget(tmp_path):
    identity.check(_config(tmp_path))
    with pytest.raises(UsageError, match="(?s)max_trials: 4 -> 8.*--extend-budget"):
        identity.check(_config(tmp_path, max_trials=8))
    identity.check(_config(tmp_path, max_trials=8, extend_budget=True))
    identity.check(_config(tmp_path, max_trials=8))  # the new budget is now the search's own


def test_check_extend_budget_does_not_cover_other_changes(tmp_path):
    identity.check(_config(tmp_path))
    with pytest.raises(UsageError, match="seed: 42 -> 7"):
        identity.check(_config(tmp_path, max_trials=8, seed=7, extend_budget=True))


def test_check_export_only_ignores_the_budget(tmp_path):
    identity.check(_config(tmp_path))
    identity.check(_config(tmp_path, max_trials=9, export_only=True))
    assert json.loads(_config(tmp_path).layout.identity.read_text())["max_trials"] == 4


def _data(fingerprint="abc123", source="/data/tickets.csv", sizes=(80, 20, 25)):
    return Dataset(
        train=None,
        validation=None,
        test=None,
        problem="classification",
        spec={},
        class_names=("a", "b"),
        sizes=dict(zip(("train", "validation", "test"), sizes)),
        fingerprint=fingerprint,
        source=source,
    )


def test_check_refuses_changed_data_under_the_same_path(tmp_path):
    identity.check(_config(tmp_path), _data())
    with pytest.raises(UsageError, match="(?s)started with other data.*data.fingerprint: abc123 -> def456") as error:
        identity.check(_config(tmp_path), _data(fingerprint="def456", sizes=(81, 20, 25)))
    assert "data.sizes: {'train': 80," in str(error.value) and "--overwrite" in str(error.value)


def test_check_refuses_data_from_another_source(tmp_path):
    identity.check(_config(tmp_path), _data())
    with pytest.raises(UsageError, match="data.source: /data/tickets.csv -> /data/other.csv"):
        identity.check(_config(tmp_path), _data(source="/data/other.csv"))


def test_check_resumes_on_the_same_data(tmp_path):
    identity.check(_config(tmp_path), _data())
    identity.check(_config(tmp_path), _data())
    saved = json.loads(_config(tmp_path).layout.identity.read_text())
    assert saved["data"]["fingerprint"] == "abc123" and saved["task"] == "text"


def test_fingerprint_direction_comes_from_the_objective_not_its_name(tmp_path):
    assert identity.fingerprint(_config(tmp_path, objective="val_loss"))["direction"] == "min"
    assert identity.fingerprint(_config(tmp_path, objective="val_macro_f1"))["direction"] == "max"


def test_check_uses_the_oracles_copy_when_search_json_is_gone(tmp_path):
    config = _config(tmp_path)
    layout = config.layout
    layout.tuner.mkdir(parents=True)
    layout.oracle_file.write_text(json.dumps({"kt_rnn": {"identity": identity.fingerprint(config)}}))
    with pytest.raises(UsageError, match="(?s)max_epochs: 10 -> 4.*seed: 42 -> 7"):
        identity.check(_config(tmp_path, max_epochs=4, seed=7))
    assert not layout.identity.exists()  # refused: nothing written
    identity.check(config)  # the same settings resume, and search.json is written again
    assert json.loads(layout.identity.read_text())["seed"] == 42


def test_verify_accepts_a_worker_with_the_chiefs_settings_and_any_budget(tmp_path):
    identity.check(_config(tmp_path))
    identity.verify(_config(tmp_path, max_trials=99, path="/mnt/elsewhere"))
    assert json.loads(_config(tmp_path).layout.identity.read_text())["max_trials"] == 4  # nothing written


def test_verify_refuses_a_worker_whose_settings_differ_from_the_chiefs(tmp_path):
    identity.check(_config(tmp_path))
    with pytest.raises(UsageError, match="differ from its chief's search.*\n  tuner: random -> bayesian"):
        identity.verify(_config(tmp_path, tuner="bayesian"))


def test_verify_refuses_a_worker_that_does_not_share_the_chiefs_logdir(tmp_path):
    with pytest.raises(UsageError, match="needs the chief's --logdir and --project"):
        identity.verify(_config(tmp_path))
    assert not _config(tmp_path).layout.identity.exists()
