"""Atomic writes with a kept previous copy, and reads that fall back to it."""

import json

import pytest

from kt_rnn.state import durable


def test_write_json_keeps_previous_copy(tmp_path):
    path = tmp_path / "state.json"
    durable.write_json(path, {"n": 1})
    durable.write_json(path, {"n": 2})
    assert json.loads(path.read_text()) == {"n": 2}
    assert json.loads(durable.previous(path).read_text()) == {"n": 1}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["state.json", "state.json.prev"]


def test_write_json_creates_parent_directories(tmp_path):
    durable.write_json(tmp_path / "a" / "b" / "state.json", [1])
    assert durable.read_json(tmp_path / "a" / "b" / "state.json") == [1]


@pytest.mark.parametrize("damage", ["", '{"n": '])
def test_read_json_falls_back_to_previous_copy_when_torn(tmp_path, damage):
    path = tmp_path / "state.json"
    durable.write_json(path, {"n": 1})
    durable.write_json(path, {"n": 2})
    path.write_text(damage)
    assert durable.read_json(path) == {"n": 1}


def test_read_json_falls_back_when_file_is_missing(tmp_path):
    path = tmp_path / "state.json"
    durable.write_json(path, {"n": 1})
    durable.write_json(path, {"n": 2})
    path.unlink()
    assert durable.read_json(path) == {"n": 1}


def test_write_json_never_keeps_a_torn_file_as_previous_copy(tmp_path):
    path = tmp_path / "state.json"
    durable.write_json(path, {"n": 1})
    durable.write_json(path, {"n": 2})
    path.write_text('{"n"')  # torn by a kill
    durable.write_json(path, {"n": 3})
    assert durable.read_json(durable.previous(path)) == {"n": 1}


def test_read_json_names_the_file_when_both_copies_are_damaged(tmp_path):
    path = tmp_path / "state.json"
    path.write_text("")
    durable.previous(path).write_text('{"cut')
    with pytest.raises(durable.DamagedStateError, match="state.json is damaged.*--overwrite"):
        durable.read_json(path)


def test_read_json_missing_returns_default_or_raises(tmp_path):
    assert durable.read_json(tmp_path / "none.json", missing=None) is None
    with pytest.raises(FileNotFoundError):
        durable.read_json(tmp_path / "none.json")


def test_replace_leaves_target_and_no_temporary_when_write_fails(tmp_path):
    path = tmp_path / "weights.bin"
    path.write_bytes(b"good")

    def failing(tmp):
        tmp.write_bytes(b"half")
        raise OSError("disk full")

    with pytest.raises(OSError):
        durable.replace(path, failing)
    assert path.read_bytes() == b"good"
    assert [p.name for p in tmp_path.iterdir()] == ["weights.bin"]
