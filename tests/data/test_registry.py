"""The data kinds' registry (`kt_rnn.data`): the dataset a path or in-memory data is, and its loader's arguments."""

import numpy as np
import pytest

from kt_rnn import data
from kt_rnn.errors import UsageError


@pytest.mark.parametrize(
    "name, expected", [("x.npz", "sequence"), ("X.NPY", "sequence"), ("t.csv", "text"), ("reviews", "text")]
)
def test_dataset_of_a_path_by_its_suffix(tmp_path, name, expected):
    assert data.dataset_of(path=str(tmp_path / name)) == expected


def test_dataset_of_a_folder_of_npy_arrays_is_sequence(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((4, 3, 1)))
    assert data.dataset_of(path=str(tmp_path)) == "sequence"


def test_dataset_of_data_in_memory_texts_or_numbers():
    assert data.dataset_of(pair=(["good", "bad"], ["pos", "neg"])) == "text"
    assert data.dataset_of(pair=(np.zeros((2, 3, 1)), np.arange(2))) == "sequence"


def test_in_memory_gives_the_loaders_arguments_and_refuses_a_path_only_dataset():
    arrays = data.in_memory("sequence", (np.zeros((4, 3, 1)), np.arange(4)), None)["arrays"]
    assert arrays.x.shape == (4, 3, 1) and arrays.x_test is None
    assert data.in_memory("text", (["a b", "c"], ["x", "y"]), None)["labelled"].labels == ["x", "y"]
    assert data.in_memory("timeseries", None, None) is None
    with pytest.raises(UsageError, match="The timeseries dataset does not take data in memory"):
        data.in_memory("timeseries", ([1.0], [2.0]), None)


def test_register_refuses_a_name_taken_and_a_malformed_target():
    with pytest.raises(ValueError, match="Expected a new dataset name"):
        data.register("text", "m:f")
    with pytest.raises(ValueError, match="'module:function'"):
        data.register("new-kind", "no_function")


@pytest.mark.parametrize(
    "name, path, expected",
    [
        ("text", "data/tickets.csv", "tickets"),
        ("text", "reviews/", "reviews"),
        ("sequence", "/x/sensors.v2.npz", "sensors.v2"),
        ("timeseries", "sales.csv", "sales"),
        ("imdb", "/data/aclImdb_v1.tar.gz", "imdb"),  # a named corpus keeps its name
        ("sequence", None, "sequence"),  # data in memory
    ],
)
def test_default_project_is_named_after_the_data(name, path, expected):
    assert data.default_project(name, path) == expected
