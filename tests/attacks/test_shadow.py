import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import roc_auc_score

from miadeps.attacks import ShadowModelAttack
from miadeps.exceptions import ConfigError, DataError, NotFittedError
from miadeps.models import fit_models
from miadeps.sampling import split_members

# Long, wide training on few records: a model that memorises.
OVERFIT = {"width": 256, "epochs": 100, "learning_rate": 0.01, "batch_size": 64}


def _data(n=1600, seed=0):
    # Many noise features and noisy labels: room for a wide net to memorise.
    X, y = make_classification(
        n_samples=n, n_features=30, n_informative=6, flip_y=0.15, random_state=seed
    )
    X = (X - X.mean(0)) / X.std(0)
    return X.astype(np.float32), y


def _target_auc(target, attack, X, y, split):
    rows = split.indices
    scores = attack.decision_function(target.predict_proba(X[rows]), y[rows])
    return roc_auc_score(split.membership, scores)


def test_shadow_attack_finds_members_of_an_overfit_target():
    X, y = _data()
    target_split = split_members(np.arange(800), 0.5, random_state=1)
    target = fit_models("ann", OVERFIT, X, y, [target_split.members], [3])[0]
    attack = ShadowModelAttack(shadow_params=OVERFIT, random_state=0)
    attack.fit(X[800:], y[800:])
    assert _target_auc(target, attack, X, y, target_split) > 0.65


class _DataBlindModel:
    """Outputs depend on the record only, never on any training set."""

    classes_ = np.array([0, 1])

    def predict_proba(self, X):
        p = 1.0 / (1.0 + np.exp(-(X @ np.linspace(-2, 2, X.shape[1]))))
        return np.column_stack([1 - p, p])


def test_shadow_attack_is_near_chance_on_a_target_blind_to_its_data():
    X, y = _data(n=5000, seed=2)
    split = split_members(np.arange(4000), 0.5, random_state=1)
    attack = ShadowModelAttack(shadow_params={"epochs": 30}, random_state=0)
    attack.fit(X[4000:], y[4000:])
    assert abs(_target_auc(_DataBlindModel(), attack, X, y, split) - 0.5) < 0.04


def test_shadow_attack_same_seed_same_scores():
    X, y = _data(n=600)
    proba = np.column_stack([np.linspace(0, 1, 50), 1 - np.linspace(0, 1, 50)])
    labels = np.arange(50) % 2
    kw = {"shadow_params": {"epochs": 5}, "n_shadows": 2, "random_state": 4}
    a = ShadowModelAttack(**kw).fit(X, y).decision_function(proba, labels)
    b = ShadowModelAttack(**kw).fit(X, y).decision_function(proba, labels)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("combine", ["pool", "stack"])
def test_shadow_attack_all_kinds(combine):
    X, y = _data(n=500)
    attack = ShadowModelAttack(
        shadow_model="all",
        shadow_params={"ann": {"epochs": 5}},
        combine=combine,
        attack_model="lr",
        random_state=0,
    ).fit(X, y)
    assert attack.shadow_kinds_ == ("ann", "lr", "svm", "rf", "knn")
    assert len(attack.shadow_models_) == 5
    assert (attack.meta_model_ is not None) == (combine == "stack")
    scores = attack.decision_function(np.full((4, 2), 0.5), np.array([0, 1, 0, 1]))
    assert scores.shape == (4,) and ((0 <= scores) & (scores <= 1)).all()


def test_shadow_attack_single_attack_model_sees_the_class():
    X, y = _data(n=400)
    attack = ShadowModelAttack(
        per_class=False, shadow_params={"epochs": 5}, random_state=0
    ).fit(X, y)
    assert list(attack.attack_models_) == [(None, None, None)]


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"shadow_model": "tree"}, "unknown shadow model kind 'tree'"),
        ({"attack_model": "gbm"}, "unknown attack model kind 'gbm'"),
        ({"combine": "mean"}, "unknown combine mode 'mean'"),
        ({"n_shadows": 0}, "n_shadows must be a positive integer"),
        ({"member_rate": 1.0}, "member rate"),
    ],
)
def test_shadow_attack_bad_parameters(params, match):
    X, y = _data(n=100)
    with pytest.raises(ConfigError, match=match):
        ShadowModelAttack(**params).fit(X, y)


def test_shadow_attack_refuses_one_class_and_unfitted_use():
    X, _ = _data(n=100)
    with pytest.raises(DataError, match="one class only"):
        ShadowModelAttack().fit(X, np.zeros(100, int))
    with pytest.raises(NotFittedError, match="not fitted"):
        ShadowModelAttack().decision_function(np.ones((1, 2)), [0])


def test_shadow_attack_checks_prediction_vectors():
    X, y = _data(n=300)
    attack = ShadowModelAttack(shadow_params={"epochs": 3}, random_state=0).fit(X, y)
    with pytest.raises(DataError, match=r"shape \(n_records, 2\)"):
        attack.decision_function(np.ones((3, 3)), [0, 1, 0])
    with pytest.raises(DataError, match="label 5 was never seen"):
        attack.decision_function(np.ones((1, 2)) / 2, [5])
