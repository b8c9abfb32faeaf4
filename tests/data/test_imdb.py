import tarfile

import pytest

from kt_rnn.data import imdb
from kt_rnn.errors import DataError


def _archive(tree, path):
    with tarfile.open(path, "w:gz") as tar:
        tar.add(tree, arcname="aclImdb")
    return path


def test_read_directory_labels_by_folder(tiny_imdb):
    reviews = imdb.read(tiny_imdb)
    texts, labels = reviews["train"]
    assert len(texts) == 48 and labels.count(0) == labels.count(1) == 24
    assert len(reviews["test"][0]) == 24
    assert all(isinstance(t, str) and t for t in texts)


def test_read_archive_matches_directory(tiny_imdb, tmp_path):
    archive = _archive(tiny_imdb, tmp_path / "aclImdb_v1.tar.gz")
    assert imdb.read(archive) == imdb.read(tiny_imdb)
    assert imdb.read(tiny_imdb.parent) == imdb.read(tiny_imdb)  # the folder holding aclImdb/


def test_read_ignores_unsup_and_other_files(tiny_imdb):
    (tiny_imdb / "train" / "unsup").mkdir()
    (tiny_imdb / "train" / "unsup" / "0_0.txt").write_text("unlabeled")
    (tiny_imdb / "train" / "labeledBow.feat").write_text("0 0:1")
    assert len(imdb.read(tiny_imdb)["train"][0]) == 48


def test_read_missing_path_names_data_option(tmp_path):
    with pytest.raises(DataError, match="not found at .*Pass --data"):
        imdb.read(tmp_path / "absent")


def test_read_wrong_layout_says_what_was_expected(tiny_imdb):
    for file in (tiny_imdb / "test" / "pos").iterdir():
        file.unlink()
    with pytest.raises(DataError, match=r"expected aclImdb/\{train,test\}/\{neg,pos\}/\*.txt.*test/pos"):
        imdb.read(tiny_imdb)


def test_read_truncated_archive_is_a_data_error(tiny_imdb, tmp_path):
    archive = _archive(tiny_imdb, tmp_path / "aclImdb_v1.tar.gz")
    archive.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(DataError, match="not a readable tar archive.*truncated"):
        imdb.read(archive)


def test_read_empty_file_is_a_data_error(tmp_path):
    empty = tmp_path / "aclImdb_v1.tar.gz"
    empty.write_bytes(b"")
    with pytest.raises(DataError, match="--data"):
        imdb.read(empty)


def test_locate_prefers_option_then_environment(monkeypatch, tmp_path):
    monkeypatch.setenv(imdb.ENV_VAR, str(tmp_path / "env"))
    assert imdb.locate(str(tmp_path / "opt")) == tmp_path / "opt"
    assert imdb.locate(None) == tmp_path / "env"


def test_locate_failed_download_names_data_option(monkeypatch):
    import keras

    def offline(*args, **kwargs):
        raise Exception("URL fetch failure: no network")

    monkeypatch.delenv(imdb.ENV_VAR, raising=False)
    monkeypatch.setattr(keras.utils, "get_file", offline)
    with pytest.raises(DataError, match="Could not download IMDB.*pass --data PATH"):
        imdb.locate(None)


def test_locate_downloads_from_the_official_address(monkeypatch, tmp_path):
    import keras

    calls = []
    monkeypatch.delenv(imdb.ENV_VAR, raising=False)
    monkeypatch.setattr(keras.utils, "get_file", lambda *a, **k: calls.append((a, k)) or str(tmp_path))
    assert imdb.locate(None) == tmp_path
    assert calls[0][1]["origin"] == "https://ai.stanford.edu/~amaas/data/sentiment/aclImdb_v1.tar.gz"


@pytest.mark.e2e
def test_read_real_archive_has_the_full_dataset():
    from conftest import shared_file

    reviews = imdb.read(shared_file("aclImdb_v1.tar.gz"))
    for split in ("train", "test"):
        texts, labels = reviews[split]
        assert len(texts) == 25_000 and sum(labels) == 12_500


def test_read_unreadable_review_is_a_data_error(tiny_imdb, monkeypatch):
    def denied(self):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(type(tiny_imdb), "read_bytes", denied)
    with pytest.raises(DataError, match="Cannot read the IMDB directory .*Permission denied"):
        imdb.read(tiny_imdb)
