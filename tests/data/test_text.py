import types

import numpy as np
import pytest

from kt_rnn.data import text
from kt_rnn.errors import DataError


def _config(**overrides):
    fields = dict(
        seed=1,
        validation_split=0.25,
        train_size=None,
        test_size=None,
        max_tokens=50,
        sequence_length=6,
        baselines="all",
    )
    fields = {**fields, **overrides}
    data = {
        name: fields.pop(name)
        for name in ("validation_split", "train_size", "test_size", "max_tokens", "sequence_length")
    }
    budget, output = (
        types.SimpleNamespace(seed=fields.pop("seed")),
        types.SimpleNamespace(baselines=fields.pop("baselines")),
    )
    return types.SimpleNamespace(data=types.SimpleNamespace(**data), budget=budget, output=output, **fields)


def _reviews(n=40):
    train = ([f"good film number{i}" if i % 2 else f"bad film number{i}" for i in range(n)], [i % 2 for i in range(n)])
    test = (["a good one", "onlyintest bad"], [1, 0])
    return {"train": train, "test": test}


def test_standardize_lowercases_and_strips_breaks_and_punctuation():
    out = text.standardize(np.array(["Great!<br /><br />It's GOOD, (really)."])).numpy()[0].decode()
    assert out.split() == ["great", "it", "s", "good", "really"]


def test_build_holds_out_a_stratified_seeded_validation_split():
    dataset = text.build(_reviews(), _config(), ("neg", "pos"), source="memory")
    assert dataset.sizes == {"train": 30, "validation": 10, "test": 2}
    labels = [int(y) for _, y in dataset.validation]
    assert labels.count(0) == labels.count(1) == 5
    again = text.build(_reviews(), _config(), ("neg", "pos"), source="memory")
    assert [x.numpy().tolist() for x, _ in again.validation] == [x.numpy().tolist() for x, _ in dataset.validation]


def test_build_adapts_vocabulary_on_training_part_only():
    dataset = text.build(_reviews(), _config(), ("neg", "pos"), source="memory")
    vocab = set(dataset.preprocess.get_vocabulary())
    train_words = {w for x, _ in dataset.train for w in x.numpy() if w > 1}
    assert {"good", "bad", "film"} <= vocab and "onlyintest" not in vocab
    held_out_numbers = [w for w in vocab if w.startswith("number")]
    assert len(held_out_numbers) == 30  # the 10 validation reviews' unique words are unknown
    assert len(train_words) == dataset.spec["vocab_size"] - 2


def test_build_pads_at_the_end_and_keeps_test_raw():
    dataset = text.build(_reviews(), _config(), ("neg", "pos"), source="memory")
    ids = next(iter(dataset.train))[0].numpy()
    assert ids.shape == (6,) and ids[0] > 0 and (ids[3:] == 0).all()
    raw = [x.numpy().decode() for x, _ in dataset.test]
    assert raw == ["a good one", "onlyintest bad"]
    assert dataset.spec["sequence_length"] == 6


def test_build_subsamples_train_and_test_sizes():
    dataset = text.build(_reviews(), _config(train_size=20, test_size=1), ("neg", "pos"), source="memory")
    assert dataset.sizes == {"train": 15, "validation": 5, "test": 1}


def test_build_too_few_examples_is_a_data_error():
    with pytest.raises(DataError, match="(?s)validation split.*'neg' has 1.*Add examples"):
        text.build(_reviews(n=2), _config(validation_split=0.1), ("neg", "pos"), source="memory")


def test_standardize_turns_control_and_separator_characters_into_spaces():
    # IMDB has C1 controls (\x85, \x96); Keras reloads vocabularies with splitlines().
    out = text.standardize(np.array(["good\x85film\x96ok\u2028fine\u00a0now"])).numpy()[0].decode()
    assert out.split() == ["good", "film", "ok", "fine", "now"]
    assert all(len(token.splitlines()) == 1 for token in out.split())


def test_build_counts_classes_per_split_and_fingerprints_the_examples():
    dataset = text.build(_reviews(), _config(), ("neg", "pos"), source="memory")
    assert dataset.class_counts == {
        "train": {"neg": 15, "pos": 15},
        "validation": {"neg": 5, "pos": 5},
        "test": {"neg": 1, "pos": 1},
    }
    assert dataset.fingerprint == text.build(_reviews(), _config(), ("neg", "pos"), source="m").fingerprint
    changed = _reviews()
    changed["train"][0][0] = "bad film, edited"
    assert text.build(changed, _config(), ("neg", "pos"), source="memory").fingerprint != dataset.fingerprint


def test_build_keeps_the_texts_the_refit_trains_on_for_the_baselines_unless_none():
    dataset = text.build(_reviews(), _config(), ("neg", "pos"), source="memory")
    texts, labels = dataset.raw_train
    assert len(texts) == len(labels) == dataset.sizes["train"] + dataset.sizes["validation"]
    assert not set(texts) & set(_reviews()["test"][0])  # never a test text
    assert text.build(_reviews(), _config(baselines="none"), ("neg", "pos"), source="memory").raw_train is None
