"""Shared fixtures: seeding, a tiny synthetic aclImdb tree, the shared real data, parallel runs.

Under pytest-xdist (`-n 2`), each worker's TensorFlow (and the searches it starts in
subprocesses) uses one thread per op, so two workers share two cores instead of
fighting over them; a test marked `alone` runs while no other test does.
"""

import contextlib
import fcntl
import os
import pathlib
import random
import shutil
import typing

import numpy as np
import pytest

WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1, ... under pytest-xdist; None in a plain run
THREADS_PER_WORKER = {"TF_NUM_INTRAOP_THREADS": "1", "TF_NUM_INTEROP_THREADS": "2", "OMP_NUM_THREADS": "1"}


def pytest_configure(config):
    """Thread limits for a parallel run, set before any test module imports TensorFlow."""
    if WORKER is not None:
        for name, value in THREADS_PER_WORKER.items():
            os.environ.setdefault(name, value)


def pytest_collection_modifyitems(items):
    """Under pytest-xdist, the tests that run alone first, then the end-to-end ones, the unit tests last:
    an alone test does not wait for a long test of the other worker to end, and the workers end on
    short tests together instead of one idling while the other runs a long one (`--dist worksteal`
    hands the tail of one's queue to the other)."""
    if WORKER is not None:
        items.sort(key=lambda item: (item.get_closest_marker("alone") is None, item.get_closest_marker("e2e") is None))


@contextlib.contextmanager
def _turn(tmp_path_factory, alone):
    """Holds the suite's lock, shared, or alone with it: a test marked `alone` waits for the running
    tests to end and keeps new ones from starting (the turnstile) until it ends."""
    if WORKER is None:
        yield
        return
    root = tmp_path_factory.getbasetemp().parent  # the run's directory, shared by its workers
    with open(root / "turnstile.lock", "a") as turnstile, open(root / "suite.lock", "a") as suite:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        try:
            fcntl.flock(suite, fcntl.LOCK_EX if alone else fcntl.LOCK_SH)
            if not alone:
                fcntl.flock(turnstile, fcntl.LOCK_UN)
            yield
        finally:
            fcntl.flock(suite, fcntl.LOCK_UN)
            fcntl.flock(turnstile, fcntl.LOCK_UN)


@pytest.fixture(autouse=True)
def turn(request, tmp_path_factory):
    """Every test takes its turn: together with the other worker's, or alone (`@pytest.mark.alone`)."""
    with _turn(tmp_path_factory, request.node.get_closest_marker("alone") is not None):
        yield


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


# Finished tiny searches, one per task, made once a session (once per pytest-xdist worker) on first
# use; each test gets its own copy of the search's --logdir, so it may resume or damage it.


class Finished(typing.NamedTuple):
    """A finished tiny search: `data` searched, `logdir` (this test's copy), `original` (read only)."""

    data: pathlib.Path
    logdir: pathlib.Path
    original: pathlib.Path


def _text_search(root):
    """2 random trials on tiny synthetic reviews (the imdb dataset, so the project is `imdb`), no refit."""
    import searches
    from kt_rnn.search import pipeline

    data = write_reviews(root / "data")
    pipeline.run(searches.tiny("imdb", data, root / "logs", "--tuner", "random", "--max-trials", 2, "--no-refit"))
    return data


def _sequence_search(root):
    """2 random trials on 120 sequences of 8 steps and 2 features (2 classes), exported."""
    import searches
    from kt_rnn.search import pipeline

    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 8, 2)).astype("float32")
    np.savez(root / "sequences.npz", x=x, y=(x[:, :, 0].mean(axis=1) > 0).astype("int64"))
    pipeline.run(
        searches.tiny("sequence", root / "sequences.npz", root / "logs", "--tuner", "random", "--max-trials", 2)
    )
    return root / "sequences.npz"


def _timeseries_search(root):
    """2 random trials forecasting 4 steps of a 160-step sine wave, exported."""
    import searches
    from kt_rnn.search import pipeline

    (root / "wave.csv").write_text("y\n" + "".join(f"{50 + 10 * np.sin(i / 4):.3f}\n" for i in range(160)))
    pipeline.run(
        searches.tiny(
            "timeseries",
            root / "wave.csv",
            root / "logs",
            "--target",
            "y",
            "--horizon",
            4,
            "--tuner",
            "random",
            "--max-trials",
            2,
        )
    )
    return root / "wave.csv"


SEARCHES = {"text": _text_search, "sequence": _sequence_search, "timeseries": _timeseries_search}


@pytest.fixture(scope="session")
def finished_searches(tmp_path_factory):
    """`get(task) -> (data, logdir)`: the session's finished search of `task`, made on first use."""
    made = {}

    def get(task):
        if task not in made:
            import keras

            keras.utils.set_random_seed(0)
            root = tmp_path_factory.mktemp(f"finished_{task}")
            made[task] = (SEARCHES[task](root), root / "logs")
        return made[task]

    return get


def _copy(finished_searches, task, tmp_path):
    data, original = finished_searches(task)
    shutil.copytree(original, tmp_path / "logs")
    return Finished(data, tmp_path / "logs", original)


@pytest.fixture
def finished_text_search(finished_searches, tmp_path):
    """A copy of the session's finished tiny text search (project `imdb`), in `tmp_path / "logs"`."""
    return _copy(finished_searches, "text", tmp_path)


@pytest.fixture
def finished_sequence_search(finished_searches, tmp_path):
    """A copy of the session's finished tiny sequence search (project `sequence`), in `tmp_path / "logs"`."""
    return _copy(finished_searches, "sequence", tmp_path)


@pytest.fixture
def finished_timeseries_search(finished_searches, tmp_path):
    """A copy of the session's finished tiny forecasting search (project `timeseries`), in `tmp_path / "logs"`."""
    return _copy(finished_searches, "timeseries", tmp_path)
