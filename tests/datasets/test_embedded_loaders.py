"""The datasets shipped in the package: UCI Adult and German Credit."""

from __future__ import annotations

import gzip
import hashlib
from importlib import resources

import numpy as np
import pytest

from miadeps.datasets import Dataset, load_adult, load_german


@pytest.fixture(scope="module")
def adult() -> Dataset:
    return load_adult()


def test_adult_size_and_label_balance(adult: Dataset) -> None:
    assert adult.n_records == 48_842
    assert adult.n_features == 14
    assert adult.label_name == "income"
    assert adult.label_rule == "income is >50K"
    assert adult.class_balance == pytest.approx(0.2393, abs=5e-4)
    assert int(adult.y.sum()) == 7_841 + 3_846


def test_adult_test_split_labels_are_stripped(adult: Dataset) -> None:
    assert set(adult.frame["income"]) == {"<=50K", ">50K"}
    np.testing.assert_array_equal(adult.y, (adult.frame["income"] == ">50K").to_numpy())


def test_adult_encoding_is_finite_and_in_unit_range(adult: Dataset) -> None:
    assert adult.X.dtype == np.float32
    assert not np.isnan(adult.X).any()
    assert adult.X.min() == 0.0 and adult.X.max() == 1.0


def test_adult_missing_values_are_kept_and_flagged(adult: Dataset) -> None:
    counts = adult.frame[["workclass", "occupation", "native-country"]].isna().sum()
    assert counts.tolist() == [1_836 + 963, 1_843 + 966, 583 + 274]
    assert adult.frame.isna().any(axis=1).sum() == 3_620
    column = adult.feature_names.index("workclass=<missing>")
    assert adult.X[:, column].sum() == 1_836 + 963


def test_adult_sensitive_attributes(adult: Dataset) -> None:
    assert adult.sensitive.columns.tolist() == ["sex", "race", "age"]
    assert len(adult.sensitive) == 48_842
    assert adult.sensitive["sex"].value_counts().to_dict() == {
        "Male": 21_790 + 10_860,
        "Female": 10_771 + 5_421,
    }
    assert adult.sensitive["age"].between(17, 90).all()
    assert {"sex", "race", "age"} <= set(adult.raw_features)


def test_adult_feature_groups_map_every_column(adult: Dataset) -> None:
    groups = adult.feature_groups
    assert groups.shape == (adult.n_encoded,)
    assert set(groups.tolist()) == set(range(adult.n_features))
    for name, group in zip(adult.feature_names, groups, strict=True):
        assert name.split("=")[0] == adult.raw_features[group]
    categorical = [c for c, k in adult.feature_kinds.items() if k == "categorical"]
    assert len(categorical) == 8
    for column in categorical:
        block = adult.X[:, groups == adult.raw_features.index(column)]
        np.testing.assert_array_equal(block.sum(axis=1), 1)


def test_adult_drop_sensitive(adult: Dataset) -> None:
    dropped = load_adult(drop_sensitive=True)
    assert dropped.n_features == 11
    assert not {"sex", "race", "age"} & set(dropped.raw_features)
    assert dropped.sensitive.equals(adult.sensitive)
    assert dropped.n_records == adult.n_records


def test_adult_repeated_loads_are_equal_and_independent(adult: Dataset) -> None:
    again = load_adult()
    assert again.equals(adult)
    again.frame.loc[0, "age"] = -1
    again.feature_names.append("oops")
    assert load_adult().equals(adult)
    with pytest.raises(ValueError, match="read-only"):
        again.X[0, 0] = 5


def test_adult_subset_and_select_features(adult: Dataset) -> None:
    rng = np.random.default_rng(0)
    idx = rng.choice(adult.n_records, size=1_000, replace=False)
    part = adult.subset(idx)
    assert part.n_records == 1_000
    np.testing.assert_array_equal(part.y, adult.y[idx])
    assert part.sensitive["race"].tolist() == adult.sensitive["race"].iloc[idx].tolist()

    chosen = adult.select_features(["education", "age"])
    assert chosen.raw_features == ["age", "education"]
    assert chosen.n_encoded == 1 + 16


def test_german_size_label_and_sex() -> None:
    german = load_german()
    assert german.n_records == 1_000
    assert german.n_features == 20
    assert int(german.y.sum()) == 700
    assert german.label_rule == "credit_risk is good"
    assert german.sensitive.columns.tolist() == ["sex", "age", "foreign_worker"]
    assert (german.sensitive["sex"] == "female").sum() == 310
    female = german.frame["personal_status_sex"] == "A92"
    assert (german.sensitive["sex"][female] == "female").all()
    assert german.sensitive["age"].between(19, 75).all()


def test_german_drop_sensitive_removes_the_sex_field_too() -> None:
    german = load_german(drop_sensitive=True)
    assert german.n_features == 17
    assert "personal_status_sex" not in german.raw_features
    assert (german.sensitive["sex"] == "female").sum() == 310


def test_embedded_files_are_unchanged() -> None:
    data = resources.files("miadeps.datasets") / "data"
    expected = {
        "adult.data.gz": "5d7c39d7b8804f071cdd1f2a7c460872",
        "adult.test.gz": "35238206dfdf7f1fe215bbb874adecdc",
        "german.data.gz": "6b94c2e35480e671545e52a808a8a549",
    }
    for name, md5 in expected.items():
        content = gzip.decompress((data / name).read_bytes())
        assert hashlib.md5(content, usedforsecurity=False).hexdigest() == md5
    assert "CC BY 4.0" in (data / "ATTRIBUTION.md").read_text()
