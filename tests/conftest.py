"""Shared fixtures: seeding, a tiny synthetic aclImdb tree, the shared real data."""

import os
import pathlib
import random

import numpy as np
import pytest

REPO = pathlib.Path(__file__).resolve().parents[1]
SHARED_DATA = REPO.parent / "shared" / "data"
POSITIVE = "great wonderful superb moving brilliant loved enjoyable masterpiece".split()
NEGATIVE = "awful boring terrible dull waste hated painful mess".split()
NEUTRAL = "the movie film plot actor scene story director camera music was and it".split()


@pytest.fixture(autouse=True)
def seeded():
    """Every test starts from the same random state."""
    random.seed(0)
    np.random.seed(0)
    if "keras" in __import__("sys").modules:
        import keras

        keras.utils.set_random_seed(0)


def write_reviews(root, per_class=(24, 12), seed=0):
    """Writes a synthetic `aclImdb/{train,test}/{neg,pos}/*.txt` tree under `root`; returns it."""
    rng = random.Random(seed)
    for split, count in zip(("train", "test"), per_class):
        for label, words in (("neg", NEGATIVE), ("pos", POSITIVE)):
            folder = root / "aclImdb" / split / label
            folder.mkdir(parents=True)
            for i in range(count):
                tokens = rng.choices(NEUTRAL, k=12) + rng.choices(words, k=4)
                rng.shuffle(tokens)
                text = " ".join(tokens).capitalize() + ".<br /><br />" + rng.choice(words).upper() + "!"
                (folder / f"{i}_{rng.randint(1, 10)}.txt").write_text(text)
    return root / "aclImdb"


@pytest.fixture
def tiny_imdb(tmp_path):
    """A synthetic aclImdb directory: 24 + 24 train and 12 + 12 test reviews."""
    return write_reviews(tmp_path / "data")


def shared_file(name):
    """Path of a file in ../shared/data; skips the test when it is absent, unless
    KT_RNN_REQUIRE_DATA=1, where it fails instead."""
    path = SHARED_DATA / name
    if not path.exists():
        message = f"{path} is absent (real data lives in ../shared/data beside the repository)"
        if os.environ.get("KT_RNN_REQUIRE_DATA") == "1":
            pytest.fail(message + " and KT_RNN_REQUIRE_DATA=1 requires it")
        pytest.skip(message)
    return path
