"""Fairness of a model's predictions: group, predictive and individual.

Group and predictive fairness compare two groups of records (a protected
attribute such as sex, or the feature-vector groups of
:func:`~miadeps.properties.feature_vectors`). Individual fairness compares
pairs of records. All three are 0 for a perfectly fair model and at most 1.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence

import numpy as np

from miadeps._random import as_generator
from miadeps.exceptions import ConfigError, DataError, DegenerateMetricWarning
from miadeps.properties._checks import as_vector, class_labels, same_length, two_groups

__all__ = ["group_fairness", "individual_fairness", "predictive_fairness"]

#: Pairs compared per block, to bound memory at about 100k x n_encoded floats.
_PAIR_BLOCK = 100_000

_SCALES = {"euclidean", "manhattan", "chebyshev"}


def group_fairness(y_pred, groups, *, labels: Sequence | None = None) -> float:
    """Gap between two groups in how often each class is predicted.

    Parameters
    ----------
    y_pred : array-like of shape (n_records,)
        Predicted classes.
    groups : array-like of shape (n_records,)
        Group of each record; exactly two distinct values (0/1, bools or any
        two labels).
    labels : sequence, optional
        The classes to average over; defaults to every class in ``y_pred``.
        Pass all classes (e.g. ``[0, 1]``) to fix the divisor ``n``.

    Returns
    -------
    float
        delta_g in [0, 1]; 0 when both groups get each class equally often.
        NaN, with a :class:`~miadeps.exceptions.DegenerateMetricWarning`,
        when only one group occurs.

    Raises
    ------
    DataError
        If the arrays differ in length, have missing values, ``groups`` has
        more than two values, or ``y_pred`` holds a class not in ``labels``.

    Notes
    -----
    ``delta_g = (1/n) sum_y' |P[yhat = y' | g0] - P[yhat = y' | g1]|`` over
    the ``n`` classes (demographic parity). For binary predictions both
    classes contribute the same gap, so ``delta_g`` equals the difference in
    the rate of predicting class 1, i.e. fairlearn's
    ``demographic_parity_difference`` for two groups.
    """
    y_pred = as_vector("y_pred", y_pred)
    in_g1 = two_groups(groups, len(y_pred))
    if in_g1 is None:
        return float("nan")

    gaps = [
        abs(np.mean(y_pred[~in_g1] == c) - np.mean(y_pred[in_g1] == c))
        for c in class_labels(labels, y_pred)
    ]
    return float(np.mean(gaps))


def predictive_fairness(
    y_true, y_pred, groups, *, labels: Sequence | None = None
) -> float:
    """Gap between two groups in per-class recall (equal opportunity form).

    Parameters
    ----------
    y_true : array-like of shape (n_records,)
        True classes.
    y_pred : array-like of shape (n_records,)
        Predicted classes.
    groups : array-like of shape (n_records,)
        Group of each record; exactly two distinct values.
    labels : sequence, optional
        The classes to average over; defaults to every class in ``y_true``
        or ``y_pred``.

    Returns
    -------
    float
        delta_p in [0, 1]; 0 when each class is recognised equally well in
        both groups. NaN, with a
        :class:`~miadeps.exceptions.DegenerateMetricWarning`, when only one
        group occurs or a group has no record of some class.

    Raises
    ------
    DataError
        As :func:`group_fairness`, for any of the three arrays.

    Notes
    -----
    ``delta_p = (1/n) sum_y' |P[yhat = y' | y = y', g0] -
    P[yhat = y' | y = y', g1]|``. For binary labels the class-1 term is the
    gap in true-positive rate (equal opportunity) and the class-0 term the gap
    in true-negative rate, which equals the gap in false-positive rate; so
    ``delta_p`` is the mean of fairlearn's ``true_positive_rate_difference``
    and ``false_positive_rate_difference`` (its ``equalized_odds_difference``
    with ``agg="mean"``).

    A class absent from one group's true labels leaves its rate undefined.
    miadeps returns NaN then rather than drop the class, because dropping it
    would change the divisor and make values incomparable across samples.
    """
    y_true = as_vector("y_true", y_true)
    y_pred = as_vector("y_pred", y_pred)
    same_length(y_true=y_true, y_pred=y_pred)
    in_g1 = two_groups(groups, len(y_pred))
    if in_g1 is None:
        return float("nan")

    gaps = []
    for c in class_labels(labels, y_true, y_pred):
        rates = []
        for in_group in (~in_g1, in_g1):
            of_class = in_group & (y_true == c)
            if not of_class.any():
                warnings.warn(
                    f"a group has no record of class {c!r}; its recall is "
                    "undefined and predictive fairness is NaN",
                    DegenerateMetricWarning,
                    stacklevel=2,
                )
                return float("nan")
            rates.append(np.mean(y_pred[of_class] == c))
        gaps.append(abs(rates[0] - rates[1]))
    return float(np.mean(gaps))


def individual_fairness(
    proba,
    X,
    *,
    n_pairs: int = 10_000,
    random_state: int | np.random.Generator | None = 0,
    metric: str = "euclidean",
) -> float:
    """How much more a model's outputs differ than the records they describe.

    Parameters
    ----------
    proba : array-like of shape (n_records, n_classes) or (n_records,)
        Predicted class probabilities, rows summing to 1; a 1-d array is the
        probability of class 1 of a binary model.
    X : array-like of shape (n_records, n_encoded)
        The records as the model saw them, every value in [0, 1] (as
        ``Dataset.X``).
    n_pairs : int, default=10_000
        Pairs of records to compare (see Notes).
    random_state : int, numpy Generator or None, default=0
        Seeds the choice of pairs.
    metric : {"euclidean", "manhattan", "chebyshev"}, default="euclidean"
        Distance between records, scaled into [0, 1] (see Notes).

    Returns
    -------
    float
        delta_i in [0, 1]; 0 when no pair's outputs differ more than the
        pair's records. NaN, with a
        :class:`~miadeps.exceptions.DegenerateMetricWarning`, for fewer than
        two records.

    Raises
    ------
    DataError
        If shapes disagree, ``proba`` is not a probability table, or ``X``
        leaves [0, 1] or has no column.
    ConfigError
        If ``n_pairs`` or ``metric`` is invalid.

    Notes
    -----
    Dwork et al.'s condition asks ``TV(f(x_i), f(x_j)) <= d(x_i, x_j)``.
    ``delta_i`` is the mean, over pairs ``i != j``, of
    ``max(0, TV(f(x_i), f(x_j)) - d(x_i, x_j))``, where
    ``TV(p, q) = (1/2) sum_c |p_c - q_c|`` is the total-variation distance
    of the two output distributions and ``d`` the input distance divided by
    its largest possible value over ``[0, 1]^m`` (``m`` columns): Euclidean
    over ``sqrt(m)``, Manhattan over ``m``, Chebyshev as is. With one-hot
    columns the scaled distances are small (two records that differ in one
    category of 108 columns are ``sqrt(2/108) = 0.14`` apart), so the measure
    mostly reflects output gaps.

    When ``n (n - 1) / 2 <= n_pairs`` every unordered pair is compared once
    and the result is exact and independent of record order. Otherwise
    ``n_pairs`` ordered pairs are drawn uniformly with replacement among all
    pairs of distinct records, at O(n_pairs * m) cost instead of the
    O(n^2 * m) of all pairs; the result is then an unbiased estimate.
    """
    proba, X = _check_outputs(proba, X)
    if isinstance(n_pairs, bool) or not isinstance(n_pairs, (int, np.integer)):
        raise ConfigError(f"n_pairs must be an int, got {n_pairs!r}")
    if n_pairs < 1:
        raise ConfigError(f"n_pairs={n_pairs} must be at least 1")
    if metric not in _SCALES:
        raise ConfigError(
            f"metric={metric!r} is unknown; use one of {', '.join(sorted(_SCALES))}"
        )
    n = len(proba)
    if n < 2:
        warnings.warn(
            f"individual fairness needs two records, got {n}; returning NaN",
            DegenerateMetricWarning,
            stacklevel=2,
        )
        return float("nan")

    if n * (n - 1) // 2 <= n_pairs:
        first, second = np.triu_indices(n, k=1)
    else:
        rng = as_generator(random_state)
        first = rng.integers(0, n, size=n_pairs)
        # Drawing from n - 1 values and skipping ``first`` gives a uniform
        # choice among the other records, without rejection.
        second = rng.integers(0, n - 1, size=n_pairs)
        second += second >= first

    total = 0.0
    for start in range(0, first.size, _PAIR_BLOCK):
        i = first[start : start + _PAIR_BLOCK]
        j = second[start : start + _PAIR_BLOCK]
        tv = 0.5 * np.abs(proba[i] - proba[j]).sum(axis=1)
        excess = np.maximum(0.0, tv - _scaled_distance(X[i], X[j], metric))
        total += float(excess.sum())
    return total / first.size


def _scaled_distance(a: np.ndarray, b: np.ndarray, metric: str) -> np.ndarray:
    diff = np.abs(a - b)
    m = diff.shape[1]
    if metric == "euclidean":
        return np.sqrt((diff**2).sum(axis=1) / m)
    if metric == "manhattan":
        return diff.sum(axis=1) / m
    return diff.max(axis=1)


def _check_outputs(proba, X) -> tuple[np.ndarray, np.ndarray]:
    proba = np.asarray(proba, dtype=np.float64)
    if proba.ndim == 1:
        proba = np.column_stack([1.0 - proba, proba])
    X = np.asarray(X, dtype=np.float64)
    if proba.ndim != 2 or X.ndim != 2:
        raise DataError(
            f"proba must be (n_records, n_classes) and X (n_records, n_encoded); "
            f"got shapes {proba.shape} and {X.shape}"
        )
    same_length(proba=proba, X=X)
    if X.shape[1] == 0:
        raise DataError("X has no columns; pass the encoded features")
    if not np.isfinite(proba).all() or (proba < 0).any() or (proba > 1).any():
        raise DataError(
            "proba must hold probabilities in [0, 1]; pass predict_proba "
            "output, not scores or logits"
        )
    sums = proba.sum(axis=1)
    if not np.allclose(sums, 1.0, atol=1e-4):
        row = int(np.argmax(np.abs(sums - 1.0)))
        raise DataError(
            f"rows of proba must sum to 1, row {row} sums to {sums[row]:.6g}; "
            "pass the full predict_proba output"
        )
    if not np.isfinite(X).all():
        raise DataError(
            f"X has {int((~np.isfinite(X)).sum())} NaN or infinite values; "
            "impute them before measuring individual fairness"
        )
    # A small tolerance lets float32 rounding of min-max scaled data through.
    if X.size and (X.min() < -1e-6 or X.max() > 1 + 1e-6):
        raise DataError(
            f"X must lie in [0, 1], got values from {X.min():.4g} to {X.max():.4g}; "
            "min-max scale it, as Dataset.X is"
        )
    return proba, X
