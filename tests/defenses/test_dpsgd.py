"""DP-SGD (through Opacus) as a defense through train_defended."""

from __future__ import annotations

import math

import numpy as np
import pytest
from opacus.accountants.analysis import rdp

from miadeps.defenses import DEFENSES, initial_module, train_defended
from miadeps.exceptions import ConfigError
from miadeps.models import MLPSpec

N_RECORDS, N_FEATURES = 600, 5
SETS = [np.arange(0, 300), np.arange(100, 500)]
TEST_ROWS = np.arange(500, N_RECORDS)


def make_data(seed: int = 0):
    """Two classes split by a plane with a margin: separable."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_RECORDS, N_FEATURES)).astype(np.float32)
    score = X[:, 0] + X[:, 1]
    X[:, 0] += 0.5 * np.sign(score)
    y = (score > 0).astype(np.int64)
    return X, y


def make_spec(**changes) -> MLPSpec:
    settings = dict(
        n_features=N_FEATURES, width=16, epochs=5, batch_size=50, learning_rate=0.02
    )
    return MLPSpec(**{**settings, **changes})


def train(spec: MLPSpec | None = None, seeds=(1, 2), **options):
    X, y = make_data()
    return train_defended(
        X, y, SETS, spec or make_spec(), list(seeds), defense="dp-sgd", **options
    )


def test_dpsgd_is_a_defense():
    assert "dp-sgd" in DEFENSES


def test_train_defended_dpsgd_epsilon_falls_as_noise_rises():
    epsilons = [
        train(noise_multiplier=sigma, delta=1e-5).epsilon for sigma in (0.5, 1.0, 2.0)
    ]

    assert all(np.isfinite(eps).all() and (eps > 0).all() for eps in epsilons)
    assert (epsilons[0] > epsilons[1]).all()
    assert (epsilons[1] > epsilons[2]).all()


def test_train_defended_dpsgd_epsilon_is_the_accountants_for_the_steps_taken():
    result = train(noise_multiplier=1.0, delta=1e-5)

    # Net k: rate 50 / n_k, ceil(n_k / 50) steps per epoch, 5 epochs.
    for k, rows in enumerate(SETS):
        rate = 50 / rows.size
        orders = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64))
        steps = 5 * math.ceil(rows.size / 50)
        spent = rdp.compute_rdp(
            q=rate, noise_multiplier=1.0, steps=steps, orders=orders
        )
        expected, _ = rdp.get_privacy_spent(orders=orders, rdp=spent, delta=1e-5)
        assert result.epsilon[k] == pytest.approx(expected, rel=1e-12)


def test_train_defended_dpsgd_logs_the_accountants_edge_order_warning(caplog):
    # So much noise that the best RDP order is the largest of Opacus's grid:
    # Opacus warns (an error under pytest's -W error); we log it instead.
    with caplog.at_level("INFO", logger="miadeps.defenses._dpsgd"):
        result = train(make_spec(epochs=1), noise_multiplier=50.0, delta=1e-5)

    assert np.isfinite(result.epsilon).all() and (result.epsilon < 0.5).all()
    assert "Optimal order is the largest alpha" in caplog.text


def test_train_defended_dpsgd_without_noise_has_infinite_epsilon():
    # sigma = 0 clips but adds no noise: no differential privacy at all.
    result = train(noise_multiplier=0.0)
    assert np.isinf(result.epsilon).all()


def test_train_defended_dpsgd_zero_epochs_spends_nothing():
    spec = make_spec(epochs=0)
    result = train(spec, seeds=(7, 8))

    np.testing.assert_array_equal(result.epsilon, [0.0, 0.0])
    initial = initial_module(spec, 7)[0].weight.detach().numpy()
    np.testing.assert_array_equal(result.stack.params["W0"][0], initial)


def test_train_defended_dpsgd_with_small_noise_still_learns():
    X, y = make_data()
    result = train(make_spec(epochs=10), noise_multiplier=0.3)

    accuracy = np.mean(
        result.stack.predict_proba(X[TEST_ROWS]).argmax(2) == y[TEST_ROWS]
    )
    assert accuracy > 0.8
    assert np.isfinite(result.epsilon).all()


def test_train_defended_dpsgd_same_seed_same_weights_bit_for_bit():
    first = train(noise_multiplier=1.0).stack.params
    again = train(noise_multiplier=1.0).stack.params
    other = train(noise_multiplier=1.0, seeds=(1, 3)).stack.params

    for name, value in first.items():
        np.testing.assert_array_equal(again[name], value)
    np.testing.assert_array_equal(other["W0"][0], first["W0"][0])
    assert not np.array_equal(other["W0"][1], first["W0"][1])


def test_train_defended_dpsgd_clips_each_step():
    # One full-batch step of plain SGD without noise moves the weights by
    # lr times the mean of gradients clipped to norm C: at most lr * C.
    spec = make_spec(optimizer="sgd", epochs=1, batch_size=1000, l2=0.0)
    clipped = train(spec, noise_multiplier=0.0, max_grad_norm=1e-3).stack
    start = initial_module(spec, 1)

    moved = np.sqrt(
        sum(
            np.sum((clipped.params[name][0] - value.detach().numpy()) ** 2)
            for name, value in zip(clipped.params, start.parameters(), strict=True)
        )
    )
    assert 0 < moved <= spec.learning_rate * 1e-3 * (1 + 1e-4)


def test_train_defended_dpsgd_delta_defaults_per_net():
    result = train(spec=make_spec(epochs=1))
    np.testing.assert_allclose(result.delta, [1 / 3000, 1 / 4000])

    given = train(spec=make_spec(epochs=1), delta=1e-4)
    np.testing.assert_array_equal(given.delta, [1e-4, 1e-4])
    # A smaller delta costs a larger epsilon for the same training.
    assert (given.epsilon > result.epsilon).all()


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"noise_multiplier": -0.5}, "noise_multiplier must be a finite number >= 0"),
        ({"noise_multiplier": float("inf")}, "noise_multiplier must be a finite"),
        ({"max_grad_norm": 0.0}, r"max_grad_norm must be a finite number > 0"),
        ({"max_grad_norm": -1}, r"max_grad_norm must be .*; got -1"),
        ({"delta": 0.0}, r"delta must be in \(0, 1\)"),
        ({"delta": 1.0}, r"delta must be in \(0, 1\).*got 1.0"),
        ({"delta": "1e-5"}, r"delta must be in \(0, 1\)"),
    ],
)
def test_train_defended_dpsgd_rejects_bad_options(options, match):
    with pytest.raises(ConfigError, match=match):
        train(**options)


def test_train_defended_rejects_reference_sets_of_wrong_count():
    with pytest.raises(ConfigError, match=r"one array of held-out rows per net \(2\)"):
        train(reference_sets=[np.arange(500, 600)])
