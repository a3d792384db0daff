"""The five model kinds of the study, with the defaults of its Table 1."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from sklearn.base import BaseEstimator
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.utils import _safe_indexing

from miadeps.exceptions import ConfigError
from miadeps.models._ann import ANNClassifier, fit_ann_batch
from miadeps.models._checks import check_index_sets, check_same_length
from miadeps.models._svm import SVMClassifier

logger = logging.getLogger(__name__)

__all__ = ["MODEL_KINDS", "fit_models", "make_model"]

MODEL_KINDS = ("ann", "lr", "svm", "rf", "knn")

# Table 1 of the paper; the ANN's defaults live in ANNClassifier itself.
_DEFAULTS = {
    "ann": (ANNClassifier, {}),
    "lr": (LogisticRegression, {"C": 0.01, "solver": "lbfgs", "max_iter": 1000}),
    "svm": (SVMClassifier, {"C": 0.01, "kernel": "rbf"}),
    "rf": (
        RandomForestClassifier,
        {"n_estimators": 100, "criterion": "gini", "max_depth": 2},
    ),
    "knn": (KNeighborsClassifier, {"n_neighbors": 3, "p": 2}),
}


def make_model(kind: str, *, random_state=None, **params) -> BaseEstimator:
    """An unfitted model of one of the study's five kinds.

    Parameters
    ----------
    kind : {"ann", "lr", "svm", "rf", "knn"}
        Neural net (:class:`ANNClassifier`), logistic regression, SVM,
        random forest or k-nearest neighbours.
    random_state : int, numpy Generator or RandomState, or None, default=None
        Passed to the kinds that take one (all but ``"knn"``, which has no
        randomness). scikit-learn's own models do not accept a numpy
        Generator.
    **params
        Hyper-parameters overriding the defaults, by the estimator's own
        parameter names.

    Returns
    -------
    estimator
        A scikit-learn classifier with the study's defaults: ``"ann"`` one
        hidden layer of 50 tanh units (see :class:`ANNClassifier`); ``"lr"``
        C=0.01 with L-BFGS (max_iter=1000); ``"svm"`` C=0.01, RBF kernel,
        probabilities by Platt scaling (:class:`SVMClassifier`); ``"rf"``
        100 trees, gini, max_depth=2; ``"knn"`` k=3, Euclidean (p=2).

    Notes
    -----
    The paper's SVM is ``SVC(C=0.01, kernel="rbf", probability=True)``;
    scikit-learn 1.9 deprecates ``probability=True``, and
    :class:`SVMClassifier` does the same calibration without it.

    Raises
    ------
    ConfigError
        If ``kind`` is unknown, or a parameter is not one of the estimator's.
    """
    if kind not in _DEFAULTS:
        raise ConfigError(
            f"unknown model kind {kind!r}; choose one of "
            f"{', '.join(map(repr, MODEL_KINDS))}"
        )
    cls, defaults = _DEFAULTS[kind]
    valid = cls().get_params(deep=False)
    unknown = sorted(set(params) - set(valid))
    if unknown:
        raise ConfigError(
            f"unknown parameter {unknown[0]!r} for model kind {kind!r}; valid "
            f"parameters: {', '.join(sorted(valid))}"
        )
    settings = {**defaults, **params}
    if "random_state" in valid:
        settings["random_state"] = random_state
    return cls(**settings)


def fit_models(
    kind: str,
    params: Mapping | None,
    X,
    y,
    index_sets: Sequence,
    random_states: Sequence,
) -> list[BaseEstimator]:
    """Fit K models of one kind, model ``k`` on rows ``index_sets[k]``.

    Neural nets are trained together in one pass of the batched engine
    (:func:`fit_ann_batch`); the other kinds one after the other.

    Parameters
    ----------
    kind : {"ann", "lr", "svm", "rf", "knn"}
        Model kind (see :func:`make_model`).
    params : mapping or None
        Hyper-parameters for :func:`make_model`; must not hold
        ``random_state``.
    X : array-like of shape (n_samples, n_features)
        Features shared by the K models.
    y : array-like of shape (n_samples,)
        Labels shared by the K models.
    index_sets : sequence of K array-like of int
        Rows each model is fitted on; lengths may differ.
    random_states : sequence of K random states
        Model ``k``'s ``random_state`` (ignored by ``"knn"``).

    Returns
    -------
    list of K fitted estimators

    Raises
    ------
    ConfigError
        If the kind or a parameter is unknown, ``params`` holds
        ``random_state``, or the index sets or random states are invalid.
        For ``"ann"``, also if two index sets see different label sets;
        the other kinds allow it, and their ``classes_`` then differ.
    """
    params = dict(params or {})
    if "random_state" in params:
        raise ConfigError(
            "params must not hold random_state; pass one per model in random_states"
        )
    template = make_model(kind, **params)
    n_records = len(X)
    sets = check_index_sets(index_sets, n_records)
    random_states = list(random_states)
    check_same_length("random_states", len(random_states), len(sets))
    logger.debug("fitting %d %s model(s)", len(sets), kind)

    if kind == "ann":
        return fit_ann_batch(template, X, y, sets, random_states)
    return [
        make_model(kind, random_state=state, **params).fit(
            _safe_indexing(X, rows), _safe_indexing(y, rows)
        )
        for rows, state in zip(sets, random_states, strict=True)
    ]
