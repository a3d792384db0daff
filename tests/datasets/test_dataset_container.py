"""The Dataset container: invariants, subset, select_features."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from miadeps.datasets import Dataset, from_frame
from miadeps.exceptions import DataError


@pytest.fixture
def small() -> Dataset:
    df = pd.DataFrame(
        {
            "age": [20, 30, 40, 50, 60],
            "city": ["a", "b", "a", None, "c"],
            "sex": ["f", "m", "f", "m", "f"],
            "y": [0, 1, 1, 0, 1],
        }
    )
    return from_frame(df, "y", sensitive=["sex"], name="small")


def test_dataset_properties(small: Dataset) -> None:
    assert small.n_records == 5
    assert small.n_features == 3
    assert small.n_encoded == small.X.shape[1] == 1 + 4 + 2
    assert small.class_balance == pytest.approx(0.6)
    assert "small" in repr(small) and "n_records=5" in repr(small)


def test_dataset_arrays_are_read_only(small: Dataset) -> None:
    for array in (small.X, small.y, small.feature_groups):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        small.name = "other"  # type: ignore[misc]


def test_dataset_subset_slices_every_part(small: Dataset) -> None:
    part = small.subset([4, 0, 4])

    assert part.n_records == 3
    np.testing.assert_array_equal(part.X, small.X[[4, 0, 4]])
    np.testing.assert_array_equal(part.y, [1, 0, 1])
    assert part.frame["age"].tolist() == [60, 20, 60]
    assert part.frame.index.tolist() == [0, 1, 2]
    assert part.sensitive["sex"].tolist() == ["f", "f", "f"]
    assert part.feature_names == small.feature_names
    assert small.n_records == 5


def test_dataset_subset_keeps_the_encoding(small: Dataset) -> None:
    # Re-scaling on the subset would make age of record 1 equal to 0.
    part = small.subset([1, 2])
    assert part.X[0, 0] == pytest.approx(0.25)


def test_dataset_subset_boolean_mask(small: Dataset) -> None:
    part = small.subset(small.y == 1)
    assert part.n_records == 3
    assert part.y.tolist() == [1, 1, 1]


@pytest.mark.parametrize(
    ("indices", "match"),
    [
        ([0, 5], "index 5 is out of range for 5 records"),
        ([True, False], r"boolean mask has shape \(2,\)"),
        ([0.5], "must be integers"),
    ],
)
def test_dataset_subset_rejects_bad_indices(small: Dataset, indices, match) -> None:
    with pytest.raises(DataError, match=match):
        small.subset(indices)


def test_dataset_select_features(small: Dataset) -> None:
    chosen = small.select_features(["sex", "age"])

    assert chosen.raw_features == ["age", "sex"]
    assert chosen.feature_names == ["age", "sex=f", "sex=m"]
    assert chosen.feature_groups.tolist() == [0, 1, 1]
    assert chosen.feature_kinds == {"age": "numeric", "sex": "categorical"}
    keep = [small.feature_names.index(n) for n in chosen.feature_names]
    np.testing.assert_array_equal(chosen.X, small.X[:, keep])
    assert chosen.frame.equals(small.frame)


@pytest.mark.parametrize(
    ("names", "match"),
    [(["height"], "'height' is not a feature of dataset 'small'"), ([], "no feature")],
)
def test_dataset_select_features_rejects_bad_names(small, names, match) -> None:
    with pytest.raises(DataError, match=match):
        small.select_features(names)


def test_dataset_rejects_mismatched_parts(small: Dataset) -> None:
    with pytest.raises(DataError, match="X has shape"):
        dataclasses.replace(small, X=small.X[:3])
    with pytest.raises(DataError, match="y must hold only 0 and 1"):
        dataclasses.replace(small, y=np.array([0, 1, 2, 0, 1]))
    with pytest.raises(DataError, match="feature_groups must index raw_features"):
        dataclasses.replace(small, raw_features=["age"])


def test_dataset_equals(small: Dataset) -> None:
    assert small.equals(small.subset(np.arange(5)))
    assert not small.equals(small.subset([1, 0, 2, 3, 4]))
    assert not small.equals("small")
