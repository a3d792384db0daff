"""Training-time regularizers: weight norms and Algorithm 1's property penalties."""

from __future__ import annotations

import numpy as np
import pytest

from miadeps.defenses import DEFENSES, train_defended
from miadeps.exceptions import ConfigError, DataError
from miadeps.models import MLPSpec
from miadeps.properties import group_fairness

N_RECORDS, N_FEATURES = 1200, 5
TRAIN_SETS = [np.arange(0, 400), np.arange(200, 600)]
TEST_ROWS = np.arange(600, N_RECORDS)
PROPERTY_DEFENSES = ("group-fairness", "predictive-fairness", "individual-fairness")


def make_data(seed: int = 0):
    """Features in [0, 1]; column 0 follows the group and weakly the label."""
    rng = np.random.default_rng(seed)
    groups = rng.integers(0, 2, N_RECORDS)
    X = rng.uniform(size=(N_RECORDS, N_FEATURES)).astype(np.float32)
    X[:, 0] = np.clip(0.5 * groups + 0.25 + 0.1 * rng.normal(size=N_RECORDS), 0, 1)
    score = 0.8 * (X[:, 0] - 0.5) + 2.0 * (X[:, 1] - 0.5)
    y = (score + 0.2 * rng.normal(size=N_RECORDS) > 0).astype(np.int64)
    return X, y, groups


def make_spec(**changes) -> MLPSpec:
    settings = dict(
        n_features=N_FEATURES, width=16, epochs=20, batch_size=50, learning_rate=0.01
    )
    return MLPSpec(**{**settings, **changes})


def train(defense: str, lam: float, *, spec: MLPSpec | None = None, **options):
    X, y, groups = make_data()
    options = {"groups": groups, "sample_size": 200, "random_state": 0, **options}
    return train_defended(
        X,
        y,
        TRAIN_SETS,
        spec or make_spec(),
        [1, 2],
        defense=defense,
        lam=lam,
        **options,
    )


def weight_l1(result) -> np.ndarray:
    params = result.stack.params
    return sum(np.abs(w).sum(axis=(1, 2)) for n, w in params.items() if n[0] == "W")


@pytest.mark.parametrize("variant", ["l1_exp", "l2_lin"])
@pytest.mark.parametrize("defense", PROPERTY_DEFENSES)
def test_train_defended_lam_zero_trains_as_none(defense, variant):
    spec = make_spec(epochs=5)
    X = make_data()[0][TEST_ROWS]
    plain = train("none", 0.0, spec=spec).stack.predict_proba(X)
    defended = train(defense, 0.0, spec=spec, variant=variant)

    np.testing.assert_array_equal(defended.stack.predict_proba(X), plain)
    assert np.isfinite(defended.r_history).all()


def test_train_defended_group_fairness_lowers_delta_g_and_keeps_utility():
    X, y, groups = make_data()
    delta_g, acc = {}, {}
    for defense, lam in (("none", 0.0), ("group-fairness", 0.02)):
        result = train(defense, lam)
        y_pred = result.stack.predict_proba(X[TEST_ROWS]).argmax(axis=2)
        delta_g[defense] = np.mean(
            [group_fairness(p, groups[TEST_ROWS], labels=[0, 1]) for p in y_pred]
        )
        acc[defense] = np.mean(y_pred == y[TEST_ROWS])

    assert delta_g["none"] > 0.1
    assert delta_g["group-fairness"] < 0.5 * delta_g["none"]
    # Majority class is about 0.51 of the test rows.
    assert acc["group-fairness"] > 0.85
    assert acc["none"] - acc["group-fairness"] < 0.05


@pytest.mark.parametrize("kind", ["l1", "l2"])
def test_train_defended_weight_norm_shrinks_l1_norm(kind):
    plain = weight_l1(train("none", 0.0))
    shrunk = weight_l1(train(kind, 0.02 if kind == "l1" else 0.05))
    assert (shrunk < 0.8 * plain).all()


def test_train_defended_records_r_per_epoch_per_net():
    result = train("predictive-fairness", 0.01, spec=make_spec(epochs=3))

    assert result.r_history.shape == (2, 3)
    assert result.r_initial.shape == (2,)
    assert ((result.r_history >= 0) & (result.r_history <= 1)).all()
    expected = (result.r_history[:, :1] - result.r_history).max(axis=1)
    np.testing.assert_array_equal(result.max_diff, expected)
    assert (result.max_diff >= 0).all()


def test_train_defended_same_random_state_same_numbers():
    first = train("individual-fairness", 0.01, spec=make_spec(epochs=3))
    second = train("individual-fairness", 0.01, spec=make_spec(epochs=3))
    other = train("individual-fairness", 0.01, spec=make_spec(epochs=3), random_state=1)

    np.testing.assert_array_equal(first.r_history, second.r_history)
    np.testing.assert_array_equal(first.stack.params["W0"], second.stack.params["W0"])
    assert not np.array_equal(first.r_history, other.r_history)


def test_train_defended_rejects_unknown_defense_listing_choices():
    with pytest.raises(ConfigError, match="'l3'") as info:
        train("l3", 0.1)
    for name in DEFENSES:
        assert repr(name) in str(info.value)


@pytest.mark.parametrize("defense", ["group-fairness", "predictive-fairness"])
def test_train_defended_requires_groups_for_group_measures(defense):
    with pytest.raises(ConfigError, match="pass groups"):
        train(defense, 0.1, groups=None)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"variant": "l3"}, "variant must be one of"),
        ({"repeats": 0}, "repeats must be an integer >= 1"),
        ({"sample_size": 1}, "sample_size must be an integer >= 2"),
    ],
)
def test_train_defended_rejects_bad_options(options, match):
    with pytest.raises(ConfigError, match=match):
        train("group-fairness", 0.1, **options)


@pytest.mark.parametrize("lam", [-0.1, float("nan"), True])
def test_train_defended_rejects_bad_lam(lam):
    with pytest.raises(ConfigError, match="lam must be a finite number"):
        train("l1", lam)


def test_train_defended_rejects_groups_outside_zero_one():
    groups = make_data()[2] + 1
    with pytest.raises(DataError, match="groups must hold only 0 and 1; got 2"):
        train("group-fairness", 0.1, groups=groups)
