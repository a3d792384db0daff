import numpy as np
import pytest

from miadeps.exceptions import ConfigError, DataError, DegenerateMetricWarning
from miadeps.properties import (
    accuracy,
    accuracy_gap,
    group_fairness,
    individual_fairness,
    mia_indistinguishability,
    model_properties,
    predictive_fairness,
)


def test_mia_indistinguishability_by_hand():
    members = [0, 0, 0, 1]
    nonmembers = [0, 1, 1, 1]
    # Laplace: members (4/6, 2/6), non-members (2/6, 4/6): |log 2| both ways.
    assert mia_indistinguishability(members, nonmembers) == pytest.approx(np.log(2))
    # Smaller pseudo-count, sharper estimate: (3.1/4.2) / (1.1/4.2).
    assert mia_indistinguishability(members, nonmembers, eps=0.1) == pytest.approx(
        np.log(3.1 / 1.1)
    )


def test_mia_indistinguishability_is_finite_for_unseen_classes():
    value = mia_indistinguishability([0, 0, 0], [2, 2, 2], n_classes=3)
    # Class 0: (4/6) / (1/6); class 2 the reverse; class 1 equal.
    assert value == pytest.approx(np.log(4))


def test_mia_indistinguishability_zero_for_same_counts():
    rng = np.random.default_rng(0)
    members = rng.integers(0, 4, 200)
    assert mia_indistinguishability(members, rng.permutation(members), n_classes=4) == 0


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        (([0, 2], [0, 1]), {}, DataError, "holds 2, not a class in 0..1"),
        (([0, 1], []), {}, DataError, "y_pred_nonmembers is empty"),
        (([0.5], [0]), {}, DataError, "holds 0.5"),
        (([0, 1], [0, 1]), {"n_classes": 1}, ConfigError, "at least 2"),
        (([0, 1], [0, 1]), {"eps": 0}, ConfigError, "positive pseudo-count"),
        (([0, 1], [0, 1]), {"eps": "1"}, ConfigError, "positive pseudo-count"),
    ],
)
def test_mia_indistinguishability_rejects_bad_input(args, kwargs, error, match):
    with pytest.raises(error, match=match):
        mia_indistinguishability(*args, **kwargs)


def test_accuracy_and_gap():
    assert accuracy([0, 1, 1, 0], [0, 1, 0, 0]) == 0.75
    assert accuracy_gap(0.9, 0.75) == pytest.approx(0.15)
    assert accuracy_gap(0.5, 0.6) == pytest.approx(-0.1)


@pytest.mark.parametrize("bad", [1.5, -0.1, "0.9", None])
def test_accuracy_gap_rejects_non_accuracies(bad):
    with pytest.raises(DataError, match="train_accuracy"):
        accuracy_gap(bad, 0.5)


def _trial_arrays(seed=0):
    rng = np.random.default_rng(seed)
    n_train, n_test = 300, 100
    y_train = rng.integers(0, 2, n_train)
    y_test = rng.integers(0, 2, n_test)
    # A model right on 90% of members and 70% of non-members.
    pred_train = np.where(rng.random(n_train) < 0.9, y_train, 1 - y_train)
    pred_test = np.where(rng.random(n_test) < 0.7, y_test, 1 - y_test)
    p1 = np.clip(pred_test * 0.6 + rng.random(n_test) * 0.4, 0, 1)
    return {
        "y_true_train": y_train,
        "y_pred_train": pred_train,
        "y_true_test": y_test,
        "y_pred_test": pred_test,
        "proba_test": np.column_stack([1 - p1, p1]),
        "X_test": rng.random((n_test, 6)).astype(np.float32),
        "groups_test": rng.integers(0, 2, n_test),
    }


def test_model_properties_gathers_each_measure():
    arrays = _trial_arrays()
    row = model_properties(**arrays, random_state=3)
    assert row["train_accuracy"] == accuracy(
        arrays["y_true_train"], arrays["y_pred_train"]
    )
    assert row["accuracy_gap"] == pytest.approx(
        row["train_accuracy"] - row["test_accuracy"]
    )
    assert row["accuracy_gap"] > 0.1
    assert row["group_fairness"] == group_fairness(
        arrays["y_pred_test"], arrays["groups_test"]
    )
    assert row["predictive_fairness"] == predictive_fairness(
        arrays["y_true_test"], arrays["y_pred_test"], arrays["groups_test"]
    )
    assert row["individual_fairness"] == individual_fairness(
        arrays["proba_test"], arrays["X_test"], random_state=3
    )
    assert row["mia_indistinguishability"] == mia_indistinguishability(
        arrays["y_pred_train"], arrays["y_pred_test"]
    )
    assert all(isinstance(v, float) for v in row.values())


def test_model_properties_nan_fairness_when_groups_degenerate():
    arrays = _trial_arrays()
    arrays["groups_test"] = np.zeros(100, dtype=int)
    with pytest.warns(DegenerateMetricWarning):
        row = model_properties(**arrays)
    assert np.isnan(row["group_fairness"]) and np.isnan(row["predictive_fairness"])
    assert np.isfinite(row["individual_fairness"])
