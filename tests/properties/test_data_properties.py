import numpy as np
import pandas as pd
import pytest
from sklearn.feature_selection import mutual_info_classif

from miadeps.datasets import from_frame, load_german
from miadeps.exceptions import ConfigError, DataError
from miadeps.properties import (
    class_balance,
    data_properties,
    dataset_entropy,
    feature_balance,
    feature_vectors,
    label_mutual_information,
    top_mi_features,
)


def _informative_frame(n=600, seed=0):
    """Label driven by 'signal' (numeric) and 'colour' (categorical)."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    colour = np.where(rng.random(n) < 0.8, np.where(y == 1, "red", "blue"), "green")
    frame = pd.DataFrame(
        {
            "noise_a": rng.normal(size=n),
            "signal": y * 2.0 + rng.normal(scale=0.5, size=n),
            "noise_b": rng.choice(list("pqrs"), size=n),
            "colour": colour,
            "noise_c": rng.uniform(size=n),
            "label": y,
        }
    )
    return frame, y


def test_class_balance_is_share_of_ones():
    assert class_balance([0, 1, 1, 1]) == 0.75
    assert class_balance(np.array([True, False])) == 0.5


@pytest.mark.parametrize(
    ("y", "match"),
    [
        ([], "is empty"),
        ([0, 2], "found 2"),
        ([[0, 1]], "must be 1-d"),
        ([0, np.nan], "missing"),
    ],
)
def test_class_balance_rejects_bad_labels(y, match):
    with pytest.raises(DataError, match=match):
        class_balance(y)


def test_label_mutual_information_matches_sklearn_on_arrays():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 400)
    X = np.column_stack(
        [rng.normal(size=400), y + rng.normal(size=400), rng.integers(0, 3, 400)]
    )
    got = label_mutual_information(X, y, kinds={2: "categorical"}, random_state=3)

    # Same representation by hand: numerics min-max scaled, codes discrete.
    scaled = (X[:, :2] - X[:, :2].min(0)) / np.ptp(X[:, :2], axis=0)
    direct = np.column_stack([scaled, X[:, 2]])
    expected = mutual_info_classif(
        direct, y, discrete_features=np.array([False, False, True]), random_state=3
    )
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_top_mi_features_follow_sklearn_ranking_on_a_dataset():
    frame, y = _informative_frame()
    dataset = from_frame(frame, "label")
    top = top_mi_features(dataset, k=5, random_state=0)

    codes = {
        c: pd.Categorical(frame[c].astype(str)).codes for c in ("noise_b", "colour")
    }
    direct = np.column_stack(
        [
            dataset.X[:, dataset.feature_names.index("noise_a")],
            dataset.X[:, dataset.feature_names.index("signal")],
            codes["noise_b"],
            codes["colour"],
            dataset.X[:, dataset.feature_names.index("noise_c")],
        ]
    ).astype(np.float64)
    mi = mutual_info_classif(
        direct, y, discrete_features=np.array([0, 0, 1, 1, 0], bool), random_state=0
    )
    np.testing.assert_allclose(
        label_mutual_information(dataset, random_state=0), mi, rtol=1e-12
    )
    assert top == list(np.argsort(-mi, kind="stable"))
    assert set(top[:2]) == {1, 3}
    assert [dataset.raw_features[i] for i in top[:2]] in (
        ["signal", "colour"],
        ["colour", "signal"],
    )


def test_label_mutual_information_same_seed_same_numbers():
    frame, _ = _informative_frame(seed=4)
    dataset = from_frame(frame, "label")
    a = label_mutual_information(dataset, random_state=5)
    b = label_mutual_information(dataset, random_state=5)
    c = label_mutual_information(dataset, random_state=np.random.default_rng(5))
    d = label_mutual_information(dataset, random_state=np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(c, d)
    assert (a >= 0).all()


@pytest.mark.parametrize("k", [0, 6, 2.5])
def test_top_mi_features_rejects_bad_k(k):
    frame, _ = _informative_frame(n=100)
    with pytest.raises(ConfigError, match="k"):
        top_mi_features(from_frame(frame, "label"), k=k)


def test_label_mutual_information_needs_y_for_arrays():
    with pytest.raises(DataError, match="y is required"):
        label_mutual_information(np.zeros((4, 2)))
    with pytest.raises(DataError, match="3 labels but data has 4 records"):
        label_mutual_information(np.zeros((4, 2)), [0, 1, 0])


def test_feature_vectors_code_bits_in_feature_order():
    frame = pd.DataFrame(
        {
            "num": [1.0, 2.0, 3.0, 4.0, 5.0, np.nan],
            "cat": ["a", "b", "b", "b", None, "a"],
        }
    )
    codes, groups = feature_vectors(frame, ["num", "cat"])
    # num: median of [1..5, 3 for NaN] is 3 -> above for 4 and 5 (bit 1).
    # cat: 'b' is most frequent -> bit value 2.
    np.testing.assert_array_equal(codes, [0, 2, 2, 3, 1, 0])
    np.testing.assert_array_equal(groups, codes == 0)
    reversed_codes, _ = feature_vectors(frame, [1, 0])
    np.testing.assert_array_equal(reversed_codes, [0, 1, 1, 3, 2, 0])


@pytest.mark.parametrize(
    ("cut", "expected"),
    [
        ("median", [0, 0, 0, 1, 1]),
        ("midrange", [0, 0, 0, 0, 1]),
        (0.2, [0, 1, 1, 1, 1]),
    ],
)
def test_feature_vectors_cut_rules(cut, expected):
    values = np.array([[0.0], [1.0], [2.0], [3.0], [10.0]])
    codes, _ = feature_vectors(values, [0], cut=cut)
    np.testing.assert_array_equal(codes, expected)


def test_feature_vectors_groups_mark_the_chosen_combination():
    X = np.array([[0, 0], [0, 9], [9, 9], [9, 9], [0, 0], [0, 0]], dtype=float)
    codes, groups = feature_vectors(X, [0, 1], cut="midrange")
    np.testing.assert_array_equal(codes, [0, 2, 3, 3, 0, 0])
    np.testing.assert_array_equal(groups, [1, 0, 0, 0, 1, 1])
    _, chosen = feature_vectors(X, [0, 1], cut="midrange", combination=3)
    np.testing.assert_array_equal(chosen, [0, 0, 1, 1, 0, 0])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"features": []}, ConfigError, "distinct features"),
        ({"features": [0, 0]}, ConfigError, "distinct features"),
        ({"features": [5]}, ConfigError, "position 5 is out of range"),
        ({"features": ["x"]}, ConfigError, "'x' is not a feature"),
        ({"features": [0], "cut": "mean"}, ConfigError, "cut='mean' is unknown"),
        ({"features": [0], "cut": 1.0}, ConfigError, "not a quantile"),
        ({"features": [0], "combination": 2}, ConfigError, "use 0..1"),
    ],
)
def test_feature_vectors_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        feature_vectors(np.zeros((3, 2)), **kwargs)


def test_feature_balance_default_is_most_frequent_share():
    codes = np.array([3, 1, 1, 3, 0, 1])
    assert feature_balance(codes) == 0.5
    assert feature_balance(codes, combination=0) == pytest.approx(1 / 6)
    assert feature_balance(codes, combination=7) == 0.0
    # Ties go to the smaller code.
    assert feature_balance([2, 2, 5, 5, 1]) == 0.4


@pytest.mark.parametrize(
    ("codes", "error", "match"),
    [
        ([], DataError, "is empty"),
        ([0.5, 1.0], DataError, "non-negative ints"),
        ([-1, 2], DataError, "non-negative ints"),
    ],
)
def test_feature_balance_rejects_bad_codes(codes, error, match):
    with pytest.raises(error, match=match):
        feature_balance(np.asarray(codes))


def test_data_properties_on_german_agree_with_each_measure():
    german = load_german()
    row = data_properties(german, random_state=0)
    assert set(row) == {
        "size",
        "class_balance",
        "feature_balance",
        "n_features",
        "entropy",
    }
    assert row["size"] == 1000 and row["n_features"] == 20
    assert row["class_balance"] == pytest.approx(0.7)
    codes, _ = feature_vectors(german, top_mi_features(german, k=5, random_state=0))
    assert row["feature_balance"] == feature_balance(codes)
    assert row["entropy"] == dataset_entropy(german)
    assert all(isinstance(v, (int, float)) for v in row.values())


def test_data_properties_follow_subsets_and_feature_choice():
    german = load_german()
    subset = german.subset(np.flatnonzero(german.y == 1)[:200])
    row = data_properties(subset)
    assert row["size"] == 200 and row["class_balance"] == 1.0

    few = german.select_features(["age", "purpose", "credit_amount"])
    row = data_properties(few)
    assert row["n_features"] == 3
    assert 1 / 8 <= row["feature_balance"] <= 1


def test_data_properties_keep_given_features_on_subsets():
    german = load_german()
    features = top_mi_features(german, k=4)
    subset = german.subset(np.arange(0, 1000, 3))
    row = data_properties(subset, features=features)
    codes, _ = feature_vectors(subset, features)
    assert row["feature_balance"] == feature_balance(codes)
    named = [german.raw_features[i] for i in features]
    assert data_properties(subset, features=named) == row
    with pytest.raises(ConfigError, match="'salary' is not a feature"):
        data_properties(subset, features=["salary"])


def test_data_properties_needs_a_dataset():
    with pytest.raises(DataError, match="needs a miadeps Dataset, got ndarray"):
        data_properties(np.zeros((3, 2)))
