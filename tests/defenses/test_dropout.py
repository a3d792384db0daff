"""Dropout as a defense through train_defended."""

from __future__ import annotations

import numpy as np
import pytest

from miadeps.defenses import DEFENSES, train_defended
from miadeps.exceptions import ConfigError
from miadeps.models import MLPSpec

N_RECORDS, N_FEATURES = 1100, 10
SETS = [np.arange(0, 100), np.arange(50, 150)]
TEST_ROWS = np.arange(150, N_RECORDS)


def make_data(seed: int = 0):
    """Label follows column 0 with heavy noise: a small set is easy to overfit."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(N_RECORDS, N_FEATURES)).astype(np.float32)
    y = (X[:, 0] + 0.8 * rng.normal(size=N_RECORDS) > 0).astype(np.int64)
    return X, y


def make_spec(**changes) -> MLPSpec:
    settings = dict(
        n_features=N_FEATURES, width=32, epochs=8, batch_size=25, learning_rate=0.01
    )
    return MLPSpec(**{**settings, **changes})


def train(defense: str = "dropout", spec: MLPSpec | None = None, **options):
    X, y = make_data()
    return train_defended(
        X, y, SETS, spec or make_spec(), [1, 2], defense=defense, **options
    )


def test_dropout_is_a_defense():
    assert "dropout" in DEFENSES


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_train_defended_dropout_zero_is_the_engine_net(optimizer):
    X, _ = make_data()
    spec = make_spec(optimizer=optimizer, depth=2)
    plain = train("none", spec).stack.predict_proba(X)
    dropped = train("dropout", spec, dropout=0.0)

    np.testing.assert_allclose(dropped.stack.predict_proba(X), plain, atol=1e-4)
    assert dropped.epsilon is None and dropped.delta is None
    assert dropped.defense == "dropout"


def test_train_defended_dropout_changes_weights_and_repeats_with_seed():
    plain = train(dropout=0.0).stack.params["W0"]
    first = train(dropout=0.3).stack.params["W0"]
    again = train(dropout=0.3).stack.params["W0"]

    np.testing.assert_array_equal(first, again)
    assert np.abs(first - plain).max() > 1e-3


def test_train_defended_dropout_narrows_the_gap_of_an_overfit_net():
    X, y = make_data()
    spec = make_spec(width=128, epochs=60)
    gaps = {}
    for rate in (0.0, 0.5):
        probs = train(spec=spec, dropout=rate).stack.predict_proba(X)
        train_acc = np.mean(
            [
                np.mean(probs[k, rows].argmax(1) == y[rows])
                for k, rows in enumerate(SETS)
            ]
        )
        test_acc = np.mean(probs[:, TEST_ROWS].argmax(2) == y[TEST_ROWS])
        gaps[rate] = train_acc - test_acc

    # Measured: gap about 0.25 without dropout, 0.15 with it.
    assert gaps[0.0] > 0.15
    assert gaps[0.5] < gaps[0.0] - 0.05


@pytest.mark.parametrize("rate", [-0.1, 1.0, 1.5, float("nan"), "0.5", True])
def test_train_defended_rejects_bad_dropout_rate(rate):
    with pytest.raises(ConfigError, match=r"dropout must be a rate in \[0, 1\)"):
        train(dropout=rate)
