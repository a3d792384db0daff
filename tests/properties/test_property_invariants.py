"""Properties every measure must keep, checked on generated inputs."""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from miadeps.exceptions import DegenerateMetricWarning
from miadeps.properties import (
    class_balance,
    feature_balance,
    feature_entropies,
    feature_vectors,
    group_fairness,
    individual_fairness,
    mia_indistinguishability,
    predictive_fairness,
)

FAST = settings(max_examples=40, deadline=None)

bits = st.lists(st.integers(0, 1), min_size=2, max_size=60)


def _same(a: float, b: float) -> bool:
    return (np.isnan(a) and np.isnan(b)) or a == pytest.approx(b, abs=1e-12)


@st.composite
def labelled(draw, n_classes=2):
    """y_true, y_pred, groups of one length, and a permutation of records."""
    n = draw(st.integers(2, 60))
    classes = st.integers(0, n_classes - 1)
    y_true = np.array(draw(st.lists(classes, min_size=n, max_size=n)))
    y_pred = np.array(draw(st.lists(classes, min_size=n, max_size=n)))
    groups = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    groups[:2] = (0, 1)
    order = np.array(draw(st.permutations(range(n))))
    return y_true, y_pred, groups, order


@FAST
@given(bits, st.randoms(use_true_random=False))
def test_class_balance_in_unit_interval_and_order_free(y, rnd):
    shuffled = list(y)
    rnd.shuffle(shuffled)
    assert 0 <= class_balance(y) <= 1
    assert class_balance(y) == class_balance(shuffled)


@FAST
@given(
    st.lists(st.integers(0, 31), min_size=1, max_size=80),
    st.randoms(use_true_random=False),
)
def test_feature_balance_range_and_order_free(codes, rnd):
    value = feature_balance(np.array(codes))
    assert 1 / len(set(codes)) <= value <= 1
    shuffled = list(codes)
    rnd.shuffle(shuffled)
    assert feature_balance(np.array(shuffled)) == value


@FAST
@given(labelled(n_classes=3))
def test_group_fairness_range_and_order_free(case):
    _, y_pred, groups, order = case
    value = group_fairness(y_pred, groups)
    assert 0 <= value <= 1
    assert _same(value, group_fairness(y_pred[order], groups[order]))


@FAST
@given(
    st.lists(st.integers(0, 2), min_size=1, max_size=40),
    st.randoms(use_true_random=False),
)
def test_group_fairness_zero_for_same_prediction_distribution(y_pred, rnd):
    other = list(y_pred)
    rnd.shuffle(other)
    groups = [0] * len(y_pred) + [1] * len(other)
    assert group_fairness(y_pred + other, groups) == 0


@FAST
@given(labelled())
def test_predictive_fairness_range_and_order_free(case):
    y_true, y_pred, groups, order = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateMetricWarning)
        value = predictive_fairness(y_true, y_pred, groups)
        again = predictive_fairness(y_true[order], y_pred[order], groups[order])
    assert np.isnan(value) or 0 <= value <= 1
    assert _same(value, again)


classes3 = st.lists(st.integers(0, 2), min_size=1, max_size=60)


@FAST
@given(classes3, classes3, st.randoms(use_true_random=False))
def test_mia_indistinguishability_nonnegative_symmetric_order_free(a, b, rnd):
    members, nonmembers = np.array(a), np.array(b)
    shuffled = rnd.sample(a, len(a))
    value = mia_indistinguishability(members, nonmembers, n_classes=3)
    assert value >= 0
    assert value == mia_indistinguishability(nonmembers, members, n_classes=3)
    assert value == mia_indistinguishability(shuffled, nonmembers, n_classes=3)
    assert mia_indistinguishability(members, shuffled, n_classes=3) == 0


@st.composite
def tables(draw):
    n = draw(st.integers(1, 50))
    numbers = st.floats(-1e6, 1e6) | st.just(float("nan"))
    numeric = draw(st.lists(numbers, min_size=n, max_size=n))
    words = draw(
        st.lists(st.sampled_from(["a", "b", "c", None]), min_size=n, max_size=n)
    )
    frame = pd.DataFrame({"x": np.array(numeric, dtype=float), "w": words})
    order = np.array(draw(st.permutations(range(n))))
    return frame, order


@FAST
@given(tables(), st.sampled_from([10, 3, "sturges"]), st.integers(0, 30))
def test_feature_entropies_bounds_and_order_free(case, bins, max_distinct):
    frame, order = case
    values = feature_entropies(frame, bins=bins, max_distinct=max_distinct)
    shuffled = frame.iloc[order].reset_index(drop=True)
    np.testing.assert_array_equal(
        values, feature_entropies(shuffled, bins=bins, max_distinct=max_distinct)
    )
    n_values = [frame[c].nunique(dropna=False) for c in frame.columns]
    assert (values >= 0).all()
    assert (values <= np.log2(n_values) + 1e-9).all()


@FAST
@given(tables(), st.sampled_from(["median", "midrange", 0.3]))
def test_feature_vectors_follow_the_records(case, cut):
    frame, order = case
    codes, groups = feature_vectors(frame, ["x", "w"], cut=cut)
    shuffled = frame.iloc[order].reset_index(drop=True)
    codes_after, groups_after = feature_vectors(shuffled, ["x", "w"], cut=cut)
    np.testing.assert_array_equal(codes[order], codes_after)
    np.testing.assert_array_equal(groups[order], groups_after)
    assert ((0 <= codes) & (codes < 4)).all()


@FAST
@given(st.integers(2, 25), st.integers(1, 4), st.integers(0, 2**16))
def test_individual_fairness_range_and_order_free(n, m, seed):
    rng = np.random.default_rng(seed)
    X = rng.random((n, m))
    proba = rng.dirichlet(np.ones(3), size=n)
    order = rng.permutation(n)
    value = individual_fairness(proba, X)
    assert 0 <= value <= 1
    assert value == pytest.approx(
        individual_fairness(proba[order], X[order]), abs=1e-12
    )
