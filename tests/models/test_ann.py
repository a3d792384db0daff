"""ANNClassifier (and SVMClassifier) as scikit-learn estimators; batch fitting."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.utils.estimator_checks import parametrize_with_checks

from miadeps.exceptions import ConfigError, DataError, NotFittedError
from miadeps.models import ANNClassifier, SVMClassifier, fit_ann_batch
from miadeps.models._ann import seed_from


def make_data(n: int = 200, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 5))
    y = np.where(X[:, 0] + X[:, 2] > 0, "yes", "no")
    return X, y


def quick(**params) -> ANNClassifier:
    return ANNClassifier(epochs=15, batch_size=32, learning_rate=0.02, **params)


# scikit-learn's suite; a higher learning rate so that its accuracy check
# (> 0.83 on blobs) passes in a few epochs.
def inapplicable_checks(estimator) -> dict[str, str]:
    if isinstance(estimator, SVMClassifier):
        return {
            "check_fit2d_1feature": (
                "fits 10 records spread over several classes; the Platt "
                "calibration's 5 folds need 5 records of every class"
            )
        }
    return {}


@parametrize_with_checks(
    [quick(), quick(depth=0, optimizer="momentum"), SVMClassifier(C=1.0)],
    expected_failed_checks=inapplicable_checks,
)
def test_classifiers_pass_sklearn_checks(estimator, check):
    check(estimator)


def test_annclassifier_fits_and_predicts_string_labels():
    X, y = make_data()
    model = quick(random_state=0).fit(X, y)
    assert model.classes_.tolist() == ["no", "yes"]
    assert model.n_features_in_ == 5 and len(model.stack_) == 1
    proba = model.predict_proba(X)
    assert proba.shape == (200, 2)
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert model.score(X, y) > 0.9
    assert set(model.predict(X)) <= {"no", "yes"}


def test_annclassifier_same_int_seed_same_model_and_generators_differ():
    X, y = make_data()
    first = quick(random_state=3).fit(X, y).predict_proba(X)
    second = quick(random_state=3).fit(X, y).predict_proba(X)
    np.testing.assert_array_equal(first, second)

    rng = np.random.default_rng(0)
    one = quick(random_state=rng).fit(X, y).predict_proba(X)
    two = quick(random_state=rng).fit(X, y).predict_proba(X)
    assert np.abs(one - two).max() > 1e-4


def test_annclassifier_rejects_bad_input():
    X, y = make_data()
    with pytest.raises(DataError, match="at least two classes.*one class"):
        quick().fit(X, np.zeros(200))
    with pytest.raises(ConfigError, match="activation must be one of"):
        quick(activation="swish").fit(X, y)
    with pytest.raises(NotFittedError, match="not fitted yet"):
        quick().predict(X)
    with pytest.raises(ConfigError, match="random_state must be an int"):
        quick(random_state="seven").fit(X, y)


def test_annclassifier_pickles():
    X, y = make_data()
    model = quick(random_state=1).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict_proba(X), model.predict_proba(X))


def test_seed_from_is_deterministic_for_ints_and_advances_generators():
    assert seed_from(5) == seed_from(5) != seed_from(6)
    rng = np.random.default_rng(1)
    assert seed_from(rng) != seed_from(rng)
    state = np.random.RandomState(2)
    assert 0 <= seed_from(state) < 2**31 - 1


@pytest.mark.parametrize("states", [[1, 2, 3], "generator"])
def test_fit_ann_batch_equals_fitting_each_alone(states):
    X, y = make_data()
    rng = np.random.default_rng(4)
    sets = [rng.choice(200, size=size, replace=False) for size in (60, 150, 97)]
    template = quick(depth=2, width=12)
    if states == "generator":
        states = [np.random.default_rng(7)] * 3
        loop_states = [np.random.default_rng(7)] * 3
    else:
        loop_states = states

    together = fit_ann_batch(template, X, y, sets, states)

    assert template.get_params() == quick(depth=2, width=12).get_params()
    for k, rows in enumerate(sets):
        alone = clone(template).set_params(random_state=loop_states[k])
        alone.fit(X[rows], y[rows])
        assert together[k].random_state is states[k]
        assert together[k].classes_.tolist() == alone.classes_.tolist()
        np.testing.assert_allclose(
            together[k].predict_proba(X), alone.predict_proba(X), rtol=0, atol=1e-5
        )


def test_fit_ann_batch_keeps_feature_names():
    X, y = make_data()
    frame = pd.DataFrame(X, columns=list("abcde"))
    models = fit_ann_batch(quick(), frame, y, [np.arange(100)], [0])
    assert models[0].feature_names_in_.tolist() == list("abcde")
    assert models[0].predict(frame).shape == (200,)


def test_fit_ann_batch_rejects_sets_with_different_labels():
    X, y = make_data()
    only_no = np.flatnonzero(y == "no")[:20]
    with pytest.raises(ConfigError, match=r"index set 1 has labels \['no'\]"):
        fit_ann_batch(quick(), X, y, [np.arange(50), only_no], [0, 1])


def test_fit_ann_batch_rejects_wrong_estimator_and_counts():
    X, y = make_data()
    from sklearn.linear_model import LogisticRegression

    with pytest.raises(ConfigError, match="needs an ANNClassifier; got Logistic"):
        fit_ann_batch(LogisticRegression(), X, y, [np.arange(50)], [0])
    with pytest.raises(ConfigError, match="random_states must have one entry"):
        fit_ann_batch(quick(), X, y, [np.arange(50)], [0, 1])
