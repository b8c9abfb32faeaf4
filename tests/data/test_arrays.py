import numpy as np
import pytest

from kt_rnn.config import Config
from kt_rnn.data import arrays
from kt_rnn.errors import DataError


def _config(tmp_path, path=None, **kwargs):
    return Config.of("sequence", path=None if path is None else str(path), logdir=str(tmp_path / "logs"), **kwargs)


def _npz(tmp_path, **saved):
    path = tmp_path / "data.npz"
    np.savez(path, **saved)
    return path


def _walks(n=100, timesteps=6, features=2, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, timesteps, features)).astype("float32")
    return x, (x.mean(axis=(1, 2)) > 0).astype("int64")


def _numpy(split):
    xs, ys = zip(*((x.numpy(), y.numpy()) for x, y in split.batch(1000)))
    return np.concatenate(xs), np.concatenate(ys)


def _error(arrays_):
    with pytest.raises(DataError) as info:
        arrays.validate(arrays_)
    return str(info.value)


def test_read_npz_reshapes_one_feature_sequences_and_column_labels(tmp_path):
    read = arrays.read(_npz(tmp_path, x=np.zeros((5, 7)), y=np.zeros((5, 1))))
    assert read.x.shape == (5, 7, 1) and read.y.shape == (5,)
    assert read.x_test is None and read.y_test is None
    assert read.source == str((tmp_path / "data.npz").resolve())


def test_read_directory_of_npy_files_with_test_arrays(tmp_path):
    x, y = _walks(10)
    for name, array in {"x": x, "y": y, "x_test": x[:4], "y_test": y[:4], "notes": np.ones(2)}.items():
        np.save(tmp_path / f"{name}.npy", array)
    read = arrays.validate(arrays.read(tmp_path))
    assert np.array_equal(read.x, x) and np.array_equal(read.y_test, y[:4])
    assert read.found == ("notes", "x", "x_test", "y", "y_test")


def test_read_missing_path_says_what_is_accepted(tmp_path):
    with pytest.raises(DataError, match=r"not found at .*missing\.npz.*\.npz file with arrays x.*x\.npy and y\.npy"):
        arrays.read(tmp_path / "missing.npz")


def test_read_object_arrays_are_refused_with_how_to_save_numbers(tmp_path):
    ragged = np.array([np.zeros(3), np.zeros(5)], dtype=object)
    with pytest.raises(DataError, match=r"Save numeric numpy arrays.*pad sequences"):
        arrays.read(_npz(tmp_path, x=ragged, y=np.array([0, 1])))


def test_read_single_npy_file_says_to_save_an_npz(tmp_path):
    np.save(tmp_path / "x.npy", np.zeros((4, 3)))
    with pytest.raises(DataError, match=r"one array \(\.npy\), not x and y.*np\.savez"):
        arrays.read(tmp_path / "x.npy")


def test_read_other_file_says_it_is_not_an_npz(tmp_path):
    (tmp_path / "data.csv").write_text("x,y\n1,2\n")
    with pytest.raises(DataError, match=r"data\.csv' is not an \.npz file\. Expected an \.npz file with arrays x"):
        arrays.read(tmp_path / "data.csv")


def test_validate_missing_array_lists_the_arrays_found(tmp_path):
    message = _error(arrays.read(_npz(tmp_path, inputs=np.zeros((4, 3)), y=np.zeros(4))))
    assert "Array x is missing" in message and "['inputs', 'y']" in message and "x.npy" in message


@pytest.mark.parametrize("given, missing", [("x_test", "y_test"), ("y_test", "x_test")])
def test_validate_test_arrays_come_both_or_neither(given, missing):
    x, y = _walks(10)
    message = _error(arrays.Arrays(x, y, **{given: x if given == "x_test" else y}))
    assert f"{given} is given without {missing}" in message and "Give both" in message


@pytest.mark.parametrize(
    "x_shape, y_shape, expected",
    [
        ((10,), (10,), r"x of shape \[n, timesteps, features\] or \[n, timesteps\].*x\.shape=\(10,\)"),
        ((10, 3, 2, 2), (10,), r"x\.shape=\(10, 3, 2, 2\)"),
        ((10, 0, 2), (10,), r"timesteps and features >= 1"),
        ((10, 3, 2), (10, 2), r"y of shape \[n\] or \[n, 1\].*y\.shape=\(10, 2\)"),
    ],
)
def test_validate_wrong_rank_says_the_expected_shapes(x_shape, y_shape, expected):
    with pytest.raises(DataError, match=expected):
        arrays.validate(arrays.Arrays(np.zeros(x_shape), np.zeros(y_shape)))


def test_validate_nan_in_x_counts_them_and_names_the_first():
    x, y = _walks(10, timesteps=4, features=3)
    x[7, 2, 1], x[8, 0, 0] = np.nan, np.inf
    message = _error(arrays.Arrays(x, y))
    assert "x holds 2 NaN or infinite value(s), the first at x[7, 2, 1]" in message and "nan_to_num" in message


def test_validate_nan_in_y_and_in_test_arrays_is_named():
    x, y = _walks(10)
    assert "y holds 1 NaN" in _error(arrays.Arrays(x, np.where(np.arange(10) == 3, np.nan, 1.0)))
    bad = x[:2].copy()
    bad[1, 0, 0] = -np.inf
    assert "x_test[1, 0, 0]" in _error(arrays.Arrays(x, y, bad, y[:2]))


def test_validate_length_mismatch_names_both_lengths():
    x, y = _walks(10)
    assert "x holds 10 examples, y holds 9" in _error(arrays.Arrays(x, y[:9]))
    assert "x_test holds 3 examples, y_test holds 2" in _error(arrays.Arrays(x, y, x[:3], y[:2]))


def test_validate_x_test_with_other_timesteps_or_features_is_refused():
    x, y = _walks(10, timesteps=6, features=2)
    message = _error(arrays.Arrays(x, y, x[:3, :5], y[:3]))
    assert "Expected x_test of shape [n, 6, 2] like x. Received: x_test.shape=(3, 5, 2)" in message


def test_validate_non_numeric_arrays_are_refused(tmp_path):
    x, _ = _walks(4)
    read = arrays.read(_npz(tmp_path, x=x, y=np.array(["cat", "dog", "cat", "dog"])))
    message = _error(read)
    assert "Expected y to hold numbers" in message and "<U3" in message and "np.savez" in message


def test_validate_too_few_examples_for_the_splits():
    x, y = _walks(2)
    assert "training, validation and test splits need at least 3" in _error(arrays.Arrays(x, y))
    arrays.validate(arrays.Arrays(x, y, x[:1], y[:1]))  # a test split of one's own: 2 suffice


@pytest.mark.parametrize(
    "y, expected",
    [
        (np.array([0, 1, 1]), "classification"),
        (np.array([True, False, True]), "classification"),
        (np.array([0.5, 1.0, 2.0]), "regression"),
        (np.array([0.0, 1.0, 2.0], dtype="float32"), "regression"),
    ],
)
def test_problem_of_infers_the_problem_from_the_dtype(y, expected):
    assert arrays.problem_of(y).kind == expected


def test_problem_of_classification_sorts_labels_and_accepts_integral_floats():
    problem = arrays.problem_of(np.array([10.0, 2.0, 7.0, 2.0]), "classification")
    assert problem.class_names == ("2", "7", "10")
    assert problem.targets(np.array([10.0, 2.0, 7.0])).tolist() == [2, 0, 1]
    with pytest.raises(DataError, match=r"integer class labels in y.*y\[1\]=0.5.*--task regression"):
        arrays.problem_of(np.array([1.0, 0.5]), "classification")
    assert arrays.problem_of(np.array([1, 2, 3]), "regression").class_names is None


def test_problem_of_one_class_is_an_error():
    with pytest.raises(DataError, match=r"at least 2 classes, but every label in y is \[4\]"):
        arrays.problem_of(np.array([4, 4, 4]))


def test_build_holds_out_test_then_validation(tmp_path):
    x, _ = _walks(100)
    dataset = arrays.load(_config(tmp_path, _npz(tmp_path, x=x, y=x.sum(axis=(1, 2)))))
    assert dataset.sizes == {"train": 64, "validation": 16, "test": 20}
    assert dataset.problem == "regression" and dataset.class_names is None and dataset.class_counts is None
    assert dataset.spec["timesteps"] == 6 and dataset.spec["features"] == 2


def test_build_classification_splits_are_stratified_and_counted(tmp_path):
    x, _ = _walks(100)
    y = np.repeat([3, 9], [80, 20])
    dataset = arrays.load(_config(tmp_path, _npz(tmp_path, x=x, y=y)))
    assert dataset.class_names == ("3", "9")
    assert dataset.class_counts == {
        "train": {"3": 51, "9": 13},
        "validation": {"3": 13, "9": 3},
        "test": {"3": 16, "9": 4},
    }
    assert set(_numpy(dataset.test)[1].tolist()) == {0, 1}  # class ids, not the raw labels


def test_build_uses_given_test_arrays_and_subsamples_sizes(tmp_path):
    x, y = _walks(100)
    config = _config(tmp_path, train_size=50, test_size=7)
    dataset = arrays.load(config, arrays.Arrays(x, y, x[:30] + 10, y[:30]))
    assert dataset.sizes == {"train": 40, "validation": 10, "test": 7}
    assert _numpy(dataset.test)[0].mean() > 5  # drawn from x_test
    assert arrays.load(config, arrays.Arrays(x, y, x[:30] + 10, y[:30])).fingerprint == dataset.fingerprint


def test_build_normalization_statistics_come_from_the_training_part_only(tmp_path):
    x, y = _walks(100, features=3)
    x_test = x[:40] * 5 + 100  # a test part far from the training part
    dataset = arrays.load(_config(tmp_path), arrays.Arrays(x, y, x_test, y[:40]))
    train_x = _numpy(dataset.train)[0].reshape(-1, 3)
    np.testing.assert_allclose(dataset.spec["mean"], train_x.mean(axis=0), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dataset.spec["variance"], train_x.var(axis=0), rtol=1e-4)
    np.testing.assert_allclose(_numpy(dataset.test)[0], x_test)  # raw: the export normalizes


def test_build_constant_feature_gets_variance_one(tmp_path):
    x, y = _walks(20)
    x[..., 1] = 4.0
    spec = arrays.load(_config(tmp_path), arrays.Arrays(x, y)).spec
    assert spec["mean"][1] == 4.0 and spec["variance"][1] == 1.0


def test_build_regression_targets_are_standardized_for_training_only(tmp_path):
    x, _ = _walks(100)
    y = 1000 + 50 * x.sum(axis=(1, 2))
    dataset = arrays.load(_config(tmp_path), arrays.Arrays(x, y))
    train_y, test_y = _numpy(dataset.train)[1], _numpy(dataset.test)[1]
    mean, std = dataset.spec["target_mean"], dataset.spec["target_std"]
    assert abs(train_y.mean()) < 1e-5 and abs(train_y.std() - 1) < 1e-5
    assert 500 < mean < 1500 and std > 10
    assert set(np.round(test_y, 2)) <= set(np.round(y.astype("float32"), 2))  # user's units


def test_build_unknown_label_in_y_test_is_an_error(tmp_path):
    x, y = _walks(20)
    with pytest.raises(DataError, match=r"y_test holds labels that y does not have: y_test\[1\]=5"):
        arrays.load(_config(tmp_path), arrays.Arrays(x, y, x[:2], np.array([0, 5])))


def test_load_without_data_says_to_pass_data(tmp_path):
    with pytest.raises(DataError, match=r"needs --data FILE\.npz"):
        arrays.load(_config(tmp_path))
