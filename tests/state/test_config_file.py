"""config.toml: the resolved options written beside a search, atomically. No TensorFlow."""

import os

import tomllib

import searches
from kt_rnn import config as config_lib
from kt_rnn.state import config_file


def test_save_writes_nothing_for_export_only_or_a_config_without_settings(tmp_path):
    assert config_file.save(searches.config("imdb", "--logdir", str(tmp_path), "--export-only")) is None
    assert config_file.save(config_lib.Config.of("imdb", logdir=str(tmp_path))) is None
    assert not os.listdir(tmp_path)


def test_save_replaces_atomically_keeping_the_previous_copy(tmp_path):
    config_file.save(searches.config("imdb", "--logdir", str(tmp_path), "--seed", "1"))
    path = config_file.save(searches.config("imdb", "--logdir", str(tmp_path), "--seed", "2"))
    assert tomllib.loads(path.read_text())["seed"] == 2
    assert tomllib.loads(path.with_name(path.name + ".prev").read_text())["seed"] == 1
    assert sorted(p.name for p in path.parent.iterdir()) == [config_file.FILENAME, config_file.FILENAME + ".prev"]


def test_dumps_writes_toml_that_reads_back_the_same_values():
    values = {
        "text": 'a "quoted" \\ back\tslash\nnew line \x7f \x01 é 😀',
        "whole": 3,
        "ratio": 1e-05,
        "big": 1e20,
        "flag": False,
        "items": ["cell=lstm", "units_0=64"],
        "empty": [],
    }
    assert tomllib.loads(config_file.dumps(values)) == values
