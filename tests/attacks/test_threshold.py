import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import roc_auc_score

from miadeps.attacks import THRESHOLD_METRICS, ThresholdAttack, threshold_scores
from miadeps.exceptions import ConfigError, DataError, NotFittedError
from miadeps.models import fit_models
from miadeps.sampling import split_members

# Long, wide training on few records: a model that memorises.
OVERFIT = {"width": 256, "epochs": 100, "learning_rate": 0.01, "batch_size": 64}


def _data(n=1600, seed=0):
    X, y = make_classification(
        n_samples=n, n_features=30, n_informative=6, flip_y=0.15, random_state=seed
    )
    X = (X - X.mean(0)) / X.std(0)
    return X.astype(np.float32), y


class _DataBlindModel:
    """Outputs depend on the record only, never on any training set."""

    classes_ = np.array([0, 1])

    def predict_proba(self, X):
        p = 1.0 / (1.0 + np.exp(-(X @ np.linspace(-2, 2, X.shape[1]))))
        return np.column_stack([1 - p, p])


@pytest.fixture(scope="module")
def overfit_setting():
    X, y = _data()
    split = split_members(np.arange(800), 0.5, random_state=1)
    target = fit_models("ann", OVERFIT, X, y, [split.members], [3])[0]
    rows = split.indices
    return X, y, split, target.predict_proba(X[rows]), y[rows]


@pytest.mark.parametrize("metric", THRESHOLD_METRICS)
def test_threshold_attack_finds_members_of_an_overfit_target(overfit_setting, metric):
    X, y, split, proba, labels = overfit_setting
    attack = ThresholdAttack(metric=metric, shadow_params=OVERFIT, random_state=0)
    attack.fit(X[800:], y[800:])
    scores = attack.decision_function(proba, labels)
    assert roc_auc_score(split.membership, scores) > 0.6
    # The shadow-chosen threshold must also beat a coin on the target.
    predicted = attack.predict(proba, labels)
    accuracy = 0.5 * (
        predicted[split.membership == 1].mean()
        + 1
        - predicted[split.membership == 0].mean()
    )
    assert accuracy > 0.55


@pytest.mark.parametrize("metric", THRESHOLD_METRICS)
def test_threshold_scores_are_near_chance_on_a_target_blind_to_its_data(metric):
    X, y = _data(n=4000, seed=2)
    split = split_members(np.arange(4000), 0.5, random_state=1)
    rows = split.indices
    proba = _DataBlindModel().predict_proba(X[rows])
    scores = threshold_scores(proba, y[rows], metric)
    assert abs(roc_auc_score(split.membership, scores) - 0.5) < 0.04


def test_threshold_scores_loss_is_log_of_true_class_probability():
    proba = np.array([[0.9, 0.1], [0.3, 0.7], [0.25, 0.75]])
    labels = np.array([0, 0, 1])
    np.testing.assert_allclose(
        threshold_scores(proba, labels, "loss"), np.log([0.9, 0.3, 0.75])
    )
    np.testing.assert_allclose(
        threshold_scores(proba, labels, "confidence"), [0.9, 0.3, 0.75]
    )


def test_threshold_scores_entropy_by_hand():
    proba = np.array([[0.5, 0.5], [1.0, 0.0]])
    np.testing.assert_allclose(
        threshold_scores(proba, np.array([0, 1]), "entropy"), [-np.log(2), 0.0]
    )


def test_threshold_scores_modified_entropy_by_hand():
    # Mentr(p, y) = -(1 - p_y) log p_y - sum_{i != y} p_i log(1 - p_i)
    proba = np.array([[0.7, 0.2, 0.1]])
    right = -(0.3 * np.log(0.7)) - (0.2 * np.log(0.8) + 0.1 * np.log(0.9))
    wrong = -(0.8 * np.log(0.2)) - (0.7 * np.log(0.3) + 0.1 * np.log(0.9))
    np.testing.assert_allclose(
        threshold_scores(
            np.vstack([proba, proba]), np.array([0, 1]), "modified_entropy"
        ),
        [-right, -wrong],
    )
    # A confident wrong answer scores lowest, unlike plain entropy.
    sure = np.array([[0.99, 0.01], [0.99, 0.01]])
    mentr = threshold_scores(sure, np.array([0, 1]), "modified_entropy")
    assert mentr[0] > mentr[1]


def test_threshold_scores_stay_finite_at_hard_outputs():
    proba = np.array([[1.0, 0.0], [0.0, 1.0]])
    for metric in THRESHOLD_METRICS:
        assert np.isfinite(threshold_scores(proba, np.array([1, 1]), metric)).all()


def test_threshold_attack_same_seed_same_threshold():
    X, y = _data(n=400)
    kw = {"shadow_params": {"epochs": 5}, "n_shadows": 2, "random_state": 4}
    a = ThresholdAttack(**kw).fit(X, y)
    b = ThresholdAttack(**kw).fit(X, y)
    assert a.threshold_ == b.threshold_
    proba = np.column_stack([np.linspace(0, 1, 20), 1 - np.linspace(0, 1, 20)])
    labels = np.arange(20) % 2
    out = a.predict_proba(proba, labels)
    assert out.shape == (20, 2)
    np.testing.assert_allclose(out.sum(1), 1.0)
    np.testing.assert_array_equal(out, b.predict_proba(proba, labels))


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"metric": "gap"}, "unknown threshold metric 'gap'"),
        ({"shadow_model": "tree"}, "unknown shadow model kind 'tree'"),
        ({"n_shadows": 0}, "n_shadows must be a positive integer"),
        ({"member_rate": 0.0}, "member rate"),
    ],
)
def test_threshold_attack_bad_parameters(params, match):
    X, y = _data(n=100)
    with pytest.raises(ConfigError, match=match):
        ThresholdAttack(**params).fit(X, y)


def test_threshold_attack_refuses_bad_data_and_unfitted_use():
    X, _ = _data(n=100)
    with pytest.raises(DataError, match="one class only"):
        ThresholdAttack().fit(X, np.zeros(100, int))
    with pytest.raises(NotFittedError, match="not fitted"):
        ThresholdAttack().decision_function(np.ones((1, 2)), [0])
    with pytest.raises(ConfigError, match="unknown threshold metric 'gap'"):
        threshold_scores(np.ones((1, 2)), [0], "gap")


def test_threshold_attack_per_class_cuts_each_class_at_its_own_threshold(
    overfit_setting,
):
    X, y, _, proba, labels = overfit_setting
    common = {"metric": "loss", "shadow_params": OVERFIT, "random_state": 0}
    single = ThresholdAttack(**common).fit(X[800:], y[800:])
    per_class = ThresholdAttack(**common, per_class=True).fit(X[800:], y[800:])

    statistic = threshold_scores(proba, labels, "loss")
    # One threshold: the score is the statistic, and every class shares it.
    np.testing.assert_array_equal(single.decision_function(proba, labels), statistic)
    assert (single.class_thresholds_ == single.threshold_).all()
    # Same seed, same shadows: the global threshold is the same; each class
    # gets its own, and a record is cut at its class's.
    assert per_class.threshold_ == single.threshold_
    cuts = per_class.class_thresholds_[labels]
    np.testing.assert_allclose(
        per_class.decision_function(proba, labels), statistic - cuts
    )
    np.testing.assert_array_equal(
        per_class.predict(proba, labels), (statistic >= cuts).astype(np.int64)
    )
    assert per_class.class_thresholds_.shape == (2,)


def test_threshold_attack_per_class_must_be_a_bool():
    X, y = _data(n=200)
    with pytest.raises(ConfigError, match="per_class must be True or False"):
        ThresholdAttack(per_class="yes").fit(X, y)
