"""Adversarial regularization (Nasr et al. 2018) through train_defended."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from miadeps.defenses import train_defended
from miadeps.exceptions import ConfigError, DataError
from miadeps.models import MLPSpec


def threshold_task(n_rows: int, n_features: int, flip: float, seed: int = 0):
    """Label 1 when x0 + x1 > 1, a share ``flip`` of labels flipped at random."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n_rows, n_features)).astype(np.float32)
    y = (X[:, 0] + X[:, 1] > 1).astype(np.int64)
    flipped = rng.uniform(size=n_rows) < flip
    y[flipped] = 1 - y[flipped]
    return X, y


def adversarial(X, y, members, reference, spec, seeds, lam, **options):
    return train_defended(
        X,
        y,
        [members] * len(seeds),
        spec,
        seeds,
        defense="adversarial",
        lam=lam,
        reference_sets=[reference] * len(seeds),
        random_state=0,
        **options,
    )


def loss_attack_auc(stack, X, y, members, non_members) -> np.ndarray:
    """AUC of the attack 'member when the loss is low', per net."""
    rows = np.concatenate([members, non_members])
    proba = stack.predict_proba(X[rows])
    confidence = proba[:, np.arange(rows.size), y[rows]]
    is_member = np.arange(rows.size) < members.size
    return np.array([roc_auc_score(is_member, c) for c in confidence])


def test_train_defended_adversarial_lam_zero_learns_the_task_as_the_engine():
    X, y = threshold_task(800, 5, flip=0.0)
    members, reference, test = np.split(np.arange(800), [200, 400])
    spec = MLPSpec(n_features=5, width=16, epochs=30, batch_size=50, learning_rate=0.01)
    result = adversarial(X, y, members, reference, spec, [3], 0.0)
    plain = train_defended(X, y, [members], spec, [3])

    proba = result.stack.predict_proba(X[test])
    assert (proba[0].argmax(axis=1) == y[test]).mean() > 0.8
    # The adversary draws from its own stream and, at lam = 0, never reaches
    # the classifier: same batches, same net, up to float rounding.
    np.testing.assert_allclose(proba, plain.stack.predict_proba(X[test]), atol=1e-3)


def test_train_defended_adversarial_lowers_loss_attack_auc_of_overfit_nets():
    # Labels are coin flips (flip = 0.5): a wide net can only memorise them,
    # so its loss separates members from unseen rows.
    X, y = threshold_task(180, 20, flip=0.5)
    members, reference, unseen = np.split(np.arange(180), [60, 120])
    spec = MLPSpec(
        n_features=20, width=128, epochs=100, batch_size=20, learning_rate=0.01
    )
    seeds = [0, 1]
    auc = {
        lam: loss_attack_auc(
            adversarial(X, y, members, reference, spec, seeds, lam).stack,
            X,
            y,
            members,
            unseen,
        )
        for lam in (0.0, 1.0)
    }

    assert (auc[0.0] > 0.62).all()
    # The fall is modest (about 0.02-0.05 over seeds 0-3): the classifier
    # learns to fool its own inference model more than to stop memorising.
    assert (auc[1.0] < auc[0.0] - 0.01).all()


def test_train_defended_adversarial_records_auc_per_epoch():
    X, y = threshold_task(300, 5, flip=0.1)
    members, reference = np.arange(100), np.arange(100, 300)
    spec = MLPSpec(n_features=5, width=8, epochs=4, batch_size=50)
    result = adversarial(X, y, members, reference, spec, [0, 1], 1.0)

    assert result.defense == "adversarial" and result.variant is None
    assert result.r_initial.shape == (2,)
    assert result.r_history.shape == (2, 4)
    assert ((result.r_history >= 0) & (result.r_history <= 1)).all()
    expected = (result.r_history[:, :1] - result.r_history).max(axis=1)
    np.testing.assert_array_equal(result.max_diff, expected)


def test_train_defended_adversarial_same_seed_same_numbers():
    X, y = threshold_task(300, 5, flip=0.1)
    members, reference = np.arange(100), np.arange(100, 300)
    spec = MLPSpec(n_features=5, width=8, epochs=3, batch_size=25)
    first, second, other = (
        adversarial(X, y, members, reference, spec, seeds, 1.0)
        for seeds in ([5], [5], [6])
    )

    for name, value in first.stack.params.items():
        np.testing.assert_array_equal(value, second.stack.params[name])
    np.testing.assert_array_equal(first.r_history, second.r_history)
    assert not np.array_equal(first.stack.params["W0"], other.stack.params["W0"])


def test_train_defended_adversarial_requires_reference_sets():
    X, y = threshold_task(100, 5, flip=0.0)
    spec = MLPSpec(n_features=5, width=4, epochs=1)
    with pytest.raises(ConfigError, match="'adversarial' needs reference_sets"):
        train_defended(X, y, [np.arange(50)], spec, [0], defense="adversarial")


def test_train_defended_adversarial_rejects_reference_rows_it_trains_on():
    X, y = threshold_task(100, 5, flip=0.0)
    spec = MLPSpec(n_features=5, width=4, epochs=1)
    with pytest.raises(DataError, match=r"reference_sets\[0\] shares 10 rows"):
        adversarial(X, y, np.arange(50), np.arange(40, 100), spec, [0], 1.0)
