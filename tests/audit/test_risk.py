import numpy as np
import pandas as pd
import pytest

from miadeps.audit import disparate_vulnerability, record_risk, sensitive_groups


def test_record_risk_ranks_by_score_then_lower_loss():
    proba = np.array([[0.1, 0.9], [0.5, 0.5], [0.3, 0.7], [0.2, 0.8]])
    ranking = record_risk(
        np.array(["a", "b", "c", "d"]),
        scores=np.array([1.0, 3.0, 1.0, 2.0]),
        proba=proba,
        labels=np.array([1, 1, 1, 1]),
    )
    assert ranking["id"].tolist() == ["b", "d", "a", "c"]
    assert ranking["rank"].tolist() == [1, 2, 3, 4]
    assert ranking["loss"].tolist() == pytest.approx(
        [-np.log(0.5), -np.log(0.8), -np.log(0.9), -np.log(0.7)]
    )
    assert (ranking["loss"] >= 0).all()


def test_disparate_vulnerability_finds_the_exposed_group():
    rng = np.random.default_rng(0)
    membership = np.tile([1, 0], 200)
    groups = np.repeat(["exposed", "safe"], 200)
    scores = rng.normal(size=400)
    # The attack separates the first group perfectly and the second not at all.
    scores[:200] = membership[:200] * 10.0 + rng.normal(size=200)

    result = disparate_vulnerability(membership, scores, groups)
    by_group = {g["group"]: g for g in result["groups"]}
    assert by_group["exposed"]["auc"] == 1.0
    assert abs(by_group["safe"]["auc"] - 0.5) < 0.1
    assert (
        by_group["exposed"]["n_members"] == by_group["exposed"]["n_nonmembers"] == 100
    )
    gap = result["gaps"]["auc"]
    assert gap["highest"] == "exposed" and gap["lowest"] == "safe"
    assert gap["gap"] == pytest.approx(1.0 - by_group["safe"]["auc"])


def test_disparate_vulnerability_one_sided_group_is_nan_not_a_warning():
    result = disparate_vulnerability(
        np.array([1, 0, 1, 0, 1]),
        np.array([0.9, 0.1, 0.8, 0.2, 0.7]),
        np.array(["a", "a", "a", "a", "b"]),
    )
    by_group = {g["group"]: g for g in result["groups"]}
    assert np.isnan(by_group["b"]["auc"]) and by_group["a"]["auc"] == 1.0
    assert result["gaps"]["auc"] is None


def test_sensitive_groups_cuts_numbers_at_the_median_and_keeps_categories():
    ages = pd.Series(np.arange(20, 40, dtype=float))
    groups, rule = sensitive_groups(ages, "age")
    assert set(groups) == {"age <= 29.5", "age > 29.5"}
    assert (groups == "age > 29.5").sum() == 10 and "median" in rule

    groups, _ = sensitive_groups(pd.Series(["f", "m", None, "f"]), "sex")
    assert groups.tolist() == ["sex = f", "sex = m", "sex = <missing>", "sex = f"]
