import itertools

import numpy as np
import pytest
from fairlearn.metrics import (
    demographic_parity_difference,
    equal_opportunity_difference,
    equalized_odds_difference,
    false_positive_rate_difference,
    true_positive_rate_difference,
)

from miadeps.exceptions import ConfigError, DataError, DegenerateMetricWarning
from miadeps.properties import group_fairness, individual_fairness, predictive_fairness


def _binary_case(seed, n=300):
    rng = np.random.default_rng(seed)
    groups = rng.choice(["female", "male"], size=n, p=[0.35, 0.65])
    y_true = rng.integers(0, 2, n)
    # Predictions that favour one group, so the gaps are not zero.
    bias = np.where(groups == "male", 0.15, -0.1)
    y_pred = (rng.random(n) < 0.5 + bias + 0.3 * (y_true - 0.5)).astype(int)
    return y_true, y_pred, groups


@pytest.mark.parametrize("seed", range(5))
def test_group_fairness_equals_fairlearn_demographic_parity(seed):
    y_true, y_pred, groups = _binary_case(seed)
    expected = demographic_parity_difference(y_true, y_pred, sensitive_features=groups)
    assert expected > 0
    assert group_fairness(y_pred, groups) == pytest.approx(expected, abs=1e-12)
    assert group_fairness(y_pred, groups, labels=[0, 1]) == pytest.approx(
        expected, abs=1e-12
    )


@pytest.mark.parametrize("seed", range(5))
def test_predictive_fairness_is_mean_of_fairlearn_rate_gaps(seed):
    y_true, y_pred, groups = _binary_case(seed)
    kwargs = {"sensitive_features": groups}
    tpr_gap = true_positive_rate_difference(y_true, y_pred, **kwargs)
    fpr_gap = false_positive_rate_difference(y_true, y_pred, **kwargs)
    got = predictive_fairness(y_true, y_pred, groups)

    assert got == pytest.approx((tpr_gap + fpr_gap) / 2, abs=1e-12)
    assert got == pytest.approx(
        equalized_odds_difference(y_true, y_pred, agg="mean", **kwargs), abs=1e-12
    )
    # Equal opportunity alone is the class-1 term; delta_p averages it with
    # the class-0 term, so it differs whenever the FPR gap does.
    assert equal_opportunity_difference(y_true, y_pred, **kwargs) == pytest.approx(
        tpr_gap, abs=1e-12
    )


def test_group_fairness_multiclass_by_hand():
    y_pred = np.array([0, 1, 2, 2, 0, 0, 1, 1])
    groups = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    # g0 shares (1/4, 1/4, 1/2), g1 shares (1/2, 1/2, 0): gaps 1/4, 1/4, 1/2.
    assert group_fairness(y_pred, groups) == pytest.approx(1 / 3)
    # A fourth class that nobody gets adds a zero gap and a larger divisor.
    assert group_fairness(y_pred, groups, labels=[0, 1, 2, 3]) == pytest.approx(1 / 4)


def test_predictive_fairness_by_hand():
    y_true = np.array([1, 1, 0, 0, 1, 1, 0, 0])
    y_pred = np.array([1, 1, 0, 1, 1, 0, 0, 0])
    groups = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    # Recall of class 1: g0 1, g1 1/2. Recall of class 0: g0 1/2, g1 1.
    assert predictive_fairness(y_true, y_pred, groups) == pytest.approx(0.5)


def test_fairness_is_zero_for_perfect_predictions_and_group_blind_ones():
    y_true, _, groups = _binary_case(0)
    assert predictive_fairness(y_true, y_true, groups) == 0.0
    assert group_fairness(np.ones_like(y_true), groups) == 0.0


def test_fairness_with_one_group_warns_and_is_nan():
    with pytest.warns(DegenerateMetricWarning, match="every record is in group 'a'"):
        assert np.isnan(group_fairness([0, 1, 1], ["a", "a", "a"]))
    with pytest.warns(DegenerateMetricWarning, match="every record is in group"):
        assert np.isnan(predictive_fairness([0, 1], [0, 1], [1, 1]))


def test_predictive_fairness_without_a_class_in_a_group_warns_and_is_nan():
    y_true = [1, 1, 0, 1]
    with pytest.warns(DegenerateMetricWarning, match="no record of class 0"):
        assert np.isnan(predictive_fairness(y_true, [1, 0, 0, 1], [0, 0, 1, 1]))


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (([0, 1, 1], [0, 1, 2]), r"two values, got 0, 1, 2; binarize"),
        (([0, 1, 1], [0, 1]), "groups has 2 values but there are 3"),
        (([0, 1], [0, np.nan]), "missing values"),
        (([0, 2], [0, 1]), None),
    ],
)
def test_group_fairness_rejects_bad_groups(args, match):
    if match is None:
        with pytest.raises(DataError, match=r"value 2 occurs but is not in labels"):
            group_fairness(*args, labels=[0, 1])
    else:
        with pytest.raises(DataError, match=match):
            group_fairness(*args)


def test_predictive_fairness_rejects_unequal_lengths():
    with pytest.raises(DataError, match="y_true has 3, y_pred has 2"):
        predictive_fairness([0, 1, 1], [0, 1], [0, 1])


def _brute_force_delta_i(proba, X):
    pairs = itertools.combinations(range(len(X)), 2)
    excess = [
        max(
            0.0,
            0.5 * np.abs(proba[i] - proba[j]).sum()
            - np.linalg.norm(X[i] - X[j]) / np.sqrt(X.shape[1]),
        )
        for i, j in pairs
    ]
    return np.mean(excess)


def test_individual_fairness_exact_for_few_records():
    rng = np.random.default_rng(0)
    X = rng.random((30, 4))
    p1 = rng.random(30)
    proba = np.column_stack([1 - p1, p1])
    expected = _brute_force_delta_i(proba, X)
    assert expected > 0
    assert individual_fairness(proba, X) == pytest.approx(expected, rel=1e-12)
    assert individual_fairness(p1, X) == pytest.approx(expected, rel=1e-12)


def test_individual_fairness_sampled_pairs_estimate_the_exact_value():
    rng = np.random.default_rng(1)
    X = rng.random((400, 3))
    proba = rng.dirichlet(np.ones(3), size=400)
    exact = individual_fairness(proba, X, n_pairs=400 * 399 // 2)
    sampled = individual_fairness(proba, X, n_pairs=20_000, random_state=2)
    assert sampled != exact
    assert sampled == pytest.approx(exact, abs=0.01)
    assert sampled == individual_fairness(proba, X, n_pairs=20_000, random_state=2)


@pytest.mark.parametrize("metric", ["euclidean", "manhattan", "chebyshev"])
def test_individual_fairness_zero_when_outputs_agree(metric):
    X = np.random.default_rng(0).random((50, 5))
    assert individual_fairness(np.full(50, 0.3), X, metric=metric) == 0.0


def test_individual_fairness_scaled_distances_differ_by_metric():
    X = np.array([[0.0, 0.0, 0.0, 0.0], [1.0, 0.0, 0.0, 0.0]])
    proba = np.array([0.0, 1.0])
    # TV = 1; distances: euclidean 1/2, manhattan 1/4, chebyshev 1.
    assert individual_fairness(proba, X, metric="euclidean") == pytest.approx(0.5)
    assert individual_fairness(proba, X, metric="manhattan") == pytest.approx(0.75)
    assert individual_fairness(proba, X, metric="chebyshev") == 0.0


def test_individual_fairness_one_record_warns_and_is_nan():
    with pytest.warns(DegenerateMetricWarning, match="needs two records, got 1"):
        assert np.isnan(individual_fairness([0.4], [[0.5]]))


@pytest.mark.parametrize(
    ("proba", "X", "kwargs", "error", "match"),
    [
        ([0.2, 1.3], [[0], [1]], {}, DataError, r"probabilities in \[0, 1\]"),
        ([[0.2, 0.2], [0.5, 0.5]], [[0], [1]], {}, DataError, "row 0 sums to 0.4"),
        ([0.2, 0.3], [[0], [2]], {}, DataError, "from 0 to 2; min-max scale"),
        ([0.2, 0.3], [[0], [np.nan]], {}, DataError, "NaN or infinite"),
        ([0.2, 0.3], [[0]], {}, DataError, "proba has 2, X has 1"),
        ([0.2, 0.3], [[0], [1]], {"n_pairs": 0}, ConfigError, "at least 1"),
        ([0.2, 0.3], [[0], [1]], {"metric": "cosine"}, ConfigError, "'cosine'"),
    ],
)
def test_individual_fairness_rejects_bad_input(proba, X, kwargs, error, match):
    with pytest.raises(error, match=match):
        individual_fairness(proba, X, **kwargs)
