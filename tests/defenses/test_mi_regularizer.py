"""The mutual-information property defense: membership MI scales the penalty."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from miadeps.defenses import PropertyPenalty, train_defended
from miadeps.defenses._membership import membership_bits
from miadeps.exceptions import ConfigError, DataError
from miadeps.models import MLPSpec
from miadeps.properties._leakage import _gaussian_mi_bits

N_FEATURES = 20
MEMBERS, REFERENCE, TEST = np.split(np.arange(400), [100, 200])


def make_data(seed: int = 0):
    """Label 1 when x0 + x1 > 1, a quarter of the labels flipped: easy to overfit."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(400, N_FEATURES)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 1).astype(np.int64)
    flipped = rng.uniform(size=400) < 0.25
    y[flipped] = 1 - y[flipped]
    return X, y


def make_spec(**changes) -> MLPSpec:
    settings = dict(
        n_features=N_FEATURES,
        width=128,
        epochs=100,
        batch_size=25,
        learning_rate=0.01,
    )
    return MLPSpec(**{**settings, **changes})


def train(lam: float, *, defense="mutual-information", spec=None, **options):
    X, y = make_data()
    seeds = [0, 1, 2]
    return train_defended(
        X,
        y,
        [MEMBERS] * len(seeds),
        spec or make_spec(),
        seeds,
        defense=defense,
        lam=lam,
        reference_sets=[REFERENCE] * len(seeds),
        random_state=0,
        **options,
    )


@pytest.mark.parametrize("variant", ["l1_exp", "l2_lin"])
def test_mutual_information_lam_zero_trains_as_none(variant):
    spec = make_spec(epochs=5)
    X = make_data()[0][TEST]
    plain = train(0.0, defense="none", spec=spec).stack.predict_proba(X)
    defended = train(0.0, spec=spec, variant=variant)

    np.testing.assert_array_equal(defended.stack.predict_proba(X), plain)
    assert defended.r_history.shape == (3, 5)
    assert np.isfinite(defended.r_history).all()


def test_mutual_information_r_rises_as_nets_overfit():
    result = train(0.0)

    assert ((result.r_history >= 0) & (result.r_history <= 1)).all()
    assert (result.r_history[:, -1] > result.r_history[:, 0] + 0.01).all()


@pytest.mark.parametrize(("variant", "lam"), [("l1_exp", 0.003), ("l2_lin", 1.0)])
def test_mutual_information_penalty_lowers_final_r(variant, lam):
    plain = train(0.0, variant=variant).r_history[:, -1]
    defended = train(lam, variant=variant).r_history[:, -1]

    assert (defended < 0.6 * plain).all()


def test_property_penalty_mutual_information_spans_zero_to_one_bit():
    # Logistic regression on one feature that is +1 on members, -1 on
    # reference rows: with weight a the confidence on label 0 is
    # sigmoid(2 a x), so members and reference rows get far-apart phi.
    X = np.where(np.arange(200) < 100, 1.0, -1.0).astype(np.float32)[:, None]
    y = np.zeros(200, dtype=np.int64)
    spec = MLPSpec(n_features=1, depth=0)
    penalty = PropertyPenalty(
        "mutual-information",
        0.0,
        "l1_exp",
        X,
        y,
        None,
        [np.arange(100)],
        spec,
        1,
        50,
        np.random.default_rng(0),
        reference_sets=[np.arange(100, 200)],
    )

    def r(weight: float) -> float:
        params = {
            "W0": torch.tensor([[[weight], [-weight]]]),
            "b0": torch.zeros(1, 2),
        }
        return float(penalty.measure(params)[0])

    assert r(0.0) == pytest.approx(0.0, abs=1e-9)
    assert r(3.0) == pytest.approx(1.0, abs=1e-3)


@pytest.mark.parametrize("shift", [0.0, 0.5, 2.0])
def test_membership_bits_matches_the_i_x_estimator_on_spread_scores(shift):
    rng = np.random.default_rng(1)
    member = np.arange(300) < 150
    scores = np.where(member, shift + rng.normal(size=300), 1.5 * rng.normal(size=300))

    expected = _gaussian_mi_bits(scores[:, None], member[:, None], 0.5)[0]
    assert membership_bits(scores, member) == pytest.approx(expected, abs=1e-6)


def test_membership_bits_resolves_a_narrow_component():
    rng = np.random.default_rng(2)
    member = np.arange(200) < 100
    scores = np.where(member, 16.1 + 1e-4 * rng.normal(size=200), rng.normal(size=200))

    assert membership_bits(scores, member) == pytest.approx(1.0, abs=1e-6)


def test_train_defended_mutual_information_requires_reference_sets():
    X, y = make_data()
    with pytest.raises(ConfigError, match="'mutual-information' needs reference_sets"):
        train_defended(
            X, y, [MEMBERS], make_spec(epochs=1), [0], defense="mutual-information"
        )


@pytest.mark.parametrize(
    ("reference", "match"),
    [
        (np.arange(50, 150), r"reference_sets\[0\] shares 50 rows"),
        (np.array([100, 400]), r"reference_sets\[0\] holds row 400, outside 0\.\.399"),
        (np.array([1.0, 2.0]), "must hold integer row indices"),
        (np.array([150]), "at least 2 row indices"),
    ],
)
def test_train_defended_mutual_information_rejects_bad_reference_sets(reference, match):
    X, y = make_data()
    with pytest.raises(DataError, match=match):
        train_defended(
            X,
            y,
            [MEMBERS],
            make_spec(epochs=1),
            [0],
            defense="mutual-information",
            reference_sets=[reference],
        )
