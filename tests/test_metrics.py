import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from miadeps.exceptions import DataError, DegenerateMetricWarning
from miadeps.metrics import (
    attack_report,
    membership_advantage_score,
    tpr_at_fpr_score,
)


def test_attack_report_perfect_attack():
    membership = np.array([1, 1, 1, 0])
    scores = np.array([0.9, 0.8, 0.7, 0.1])
    report = attack_report(membership, scores)
    assert report["accuracy"] == 1.0
    assert report["member_rate"] == 0.75
    assert report["balanced_accuracy"] == 1.0
    assert report["auc"] == 1.0
    assert report["advantage"] == 1.0
    assert report["tpr_at_fpr"] == {"0.001": 1.0, "0.01": 1.0}


def test_attack_report_always_member_scores_the_member_rate_only():
    membership = np.array([1] * 75 + [0] * 25)
    report = attack_report(membership, np.full(100, 0.9))
    assert report["accuracy"] == pytest.approx(0.75)
    assert report["balanced_accuracy"] == pytest.approx(0.5)
    assert report["auc"] == pytest.approx(0.5)
    assert report["advantage"] == pytest.approx(0.0)
    assert report["tpr_at_fpr"]["0.01"] == 0.0


def test_tpr_at_fpr_counts_false_positives():
    # 100 non-members; one scores above every member: at 1% FPR all members
    # are found, at 0.1% FPR (no false positive allowed) none is.
    membership = np.array([1] * 10 + [0] * 100)
    scores = np.concatenate([np.full(10, 0.8), [0.9], np.full(99, 0.1)])
    assert tpr_at_fpr_score(membership, scores, fpr=0.01) == 1.0
    assert tpr_at_fpr_score(membership, scores, fpr=0.001) == 0.0


def test_advantage_is_max_tpr_minus_fpr():
    membership = np.array([1, 1, 0, 0])
    scores = np.array([0.9, 0.2, 0.5, 0.1])
    # threshold 0.9: TPR .5 FPR 0; threshold 0.5: TPR .5 FPR .5; 0.2: 1, .5
    assert membership_advantage_score(membership, scores) == pytest.approx(0.5)


def test_metrics_one_class_warn_and_return_nan():
    with pytest.warns(DegenerateMetricWarning, match="every record is a member"):
        report = attack_report(np.ones(5, int), np.linspace(0, 1, 5))
    assert math.isnan(report["auc"])
    assert report["accuracy"] == pytest.approx(0.6)


@pytest.mark.parametrize(
    ("membership", "scores", "match"),
    [
        ([0, 2], [0.1, 0.2], "got 2"),
        ([0, 1], [0.1], "one length"),
        ([0, 1], [0.1, float("nan")], "NaN"),
    ],
)
def test_metrics_bad_input(membership, scores, match):
    with pytest.raises(DataError, match=match):
        attack_report(membership, scores)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(4, 60))
def test_attack_report_invariant_to_record_order(seed, n):
    rng = np.random.default_rng(seed)
    membership = np.r_[1, 0, rng.integers(0, 2, n - 2)]
    scores = rng.random(n)
    order = rng.permutation(n)
    a = attack_report(membership, scores)
    b = attack_report(membership[order], scores[order])
    assert a == b
    assert a["auc"] == pytest.approx(roc_auc_score(membership, scores))
    assert 0.0 <= a["advantage"] <= 1.0
    for tpr in a["tpr_at_fpr"].values():
        assert 0.0 <= tpr <= 1.0
