import numpy as np
import pytest

from kt_rnn.data import splits
from kt_rnn.errors import DataError, UsageError

SIZES = [(100, 0.2, 20), (10, 0.25, 3), (7, 0.5, 4), (50, 0.03, 2), (10, 0.99, 9)]


@pytest.mark.parametrize("n, fraction, expected", SIZES + [(50, 0.001, 1)])
def test_holdout_size_rounds_fraction_half_up_and_keeps_both_sides(n, fraction, expected):
    assert splits.holdout(n, fraction, seed=0).sum() == expected


@pytest.mark.parametrize("n, fraction, expected", SIZES[:-1] + [(10, 0.8, 8)])
def test_stratified_holdout_size_rounds_fraction_half_up(n, fraction, expected):
    mask = splits.stratified_holdout(np.arange(n) % 2, fraction, seed=0, what="test split")
    assert mask.sum() == expected


def test_stratified_holdout_sizes_and_proportions():
    labels = np.array(["ham"] * 80 + ["spam"] * 20)
    mask = splits.stratified_holdout(labels, 0.25, seed=1, what="test split")
    assert mask.dtype == bool and mask.shape == (100,) and mask.sum() == 25
    assert (labels[mask] == "spam").sum() == 5 and (labels[~mask] == "spam").sum() == 15


def test_stratified_holdout_is_seeded():
    labels = np.repeat([0, 1, 2], 30)
    first = splits.stratified_holdout(labels, 0.2, seed=7, what="validation split")
    assert np.array_equal(first, splits.stratified_holdout(labels, 0.2, seed=7, what="validation split"))
    assert not np.array_equal(first, splits.stratified_holdout(labels, 0.2, seed=8, what="validation split"))


def test_holdout_is_seeded():
    assert np.array_equal(splits.holdout(50, 0.3, seed=3), splits.holdout(50, 0.3, seed=3))
    assert not np.array_equal(splits.holdout(50, 0.3, seed=3), splits.holdout(50, 0.3, seed=4))


def test_stratified_holdout_too_few_examples_names_classes_and_fix():
    labels = np.array([0] * 20 + [1] + [2])
    with pytest.raises(DataError) as info:
        splits.stratified_holdout(labels, 0.2, seed=0, what="test split", class_names=("ham", "spam", "eggs"))
    message = str(info.value)
    assert "stratified test split" in message and "'spam' has 1, 'eggs' has 1" in message
    assert "Add examples of these classes" in message and "--test-split" in message and "drop" in message


def test_stratified_holdout_side_smaller_than_class_count_says_which_fraction():
    labels = np.repeat(np.arange(5), 4)  # 20 examples, 5 classes
    expected = r"validation split of 2 of 20 .*fewer than the 5 classes.*between 0.25 and 0.75"
    with pytest.raises(DataError, match=expected):
        splits.stratified_holdout(labels, 0.1, seed=0, what="validation split")


@pytest.mark.parametrize("fraction", [0, 1, 1.5, -0.2])
def test_holdout_fraction_outside_0_1_is_a_usage_error(fraction):
    with pytest.raises(UsageError, match=f"between 0 and 1. Received: fraction={fraction}"):
        splits.stratified_holdout([0, 1, 0, 1], fraction, seed=0, what="test split")


def test_holdout_needs_two_examples():
    with pytest.raises(DataError, match="from 1 example.*Use more examples"):
        splits.holdout(1, 0.5, seed=0)


def test_class_counts_follow_class_names_order():
    assert splits.class_counts([2, 0, 2, 2], ("neg", "neutral", "pos")) == {"neg": 1, "neutral": 0, "pos": 3}
