"""The statistics behind the claim checks, as small pure functions of arrays.

Rank correlation with an interval, Welch intervals for differences of means
(also stratified), and the Student-t interval of one mean. Each returns NaN
parts, never raises or warns, when its input is too small or constant: the
checks turn that into an "inconclusive" verdict with the reason.
"""

from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
from scipy import stats

from miadeps.exceptions import ConfigError

logger = logging.getLogger(__name__)

__all__ = [
    "Correlation",
    "Difference",
    "mean_interval",
    "rank_correlation",
    "welch_difference",
]

_NAN = float("nan")


@dataclass(frozen=True)
class Correlation:
    """A correlation coefficient with its p-value and 95% interval.

    Attributes
    ----------
    coefficient : float
        Spearman's rho (or Pearson's r), NaN when undefined.
    p_value : float
        Two-sided p-value of "no correlation".
    n : int
        Pairs used (both values finite).
    low, high : float
        The interval of the coefficient (Fisher z, see
        :func:`rank_correlation`).
    """

    coefficient: float
    p_value: float
    n: int
    low: float
    high: float


@dataclass(frozen=True)
class Difference:
    """A difference of two means with its interval.

    Attributes
    ----------
    estimate : float
        Mean of the first group minus mean of the second.
    low, high : float
        Its Welch (Student-t) interval.
    p_value : float
        Two-sided p-value of "no difference".
    n_first, n_second : int
        Finite values in each group.
    """

    estimate: float
    low: float
    high: float
    p_value: float
    n_first: int
    n_second: int


def _finite_pairs(x, y) -> tuple[np.ndarray, np.ndarray]:
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = np.isfinite(x) & np.isfinite(y)
    return x[keep], y[keep]


def rank_correlation(
    x, y, *, method: str = "spearman", confidence: float = 0.95
) -> Correlation:
    """Spearman's rho or Pearson's r of two columns, with p-value and interval.

    Parameters
    ----------
    x, y : array-like of shape (n_samples,)
        Paired values; pairs with a NaN or infinity are left out.
    method : {"spearman", "pearson"}, default="spearman"
        The coefficient.
    confidence : float, default=0.95
        Coverage of the interval.

    Returns
    -------
    Correlation
        All parts NaN (and ``n`` the pairs seen) when fewer than four pairs
        remain or either column is constant.

    Notes
    -----
    The p-value is scipy's (Student t approximation). The interval is the
    Fisher z interval ``tanh(atanh(r) +- z * se)``; for Pearson
    ``se = 1 / sqrt(n - 3)``, for Spearman Bonett and Wright's (2000)
    ``se = sqrt((1 + rho**2 / 2) / (n - 3))``, which keeps its coverage for
    rank correlations.
    """
    x, y = _finite_pairs(x, y)
    n = int(x.size)
    if n < 4 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return Correlation(_NAN, _NAN, n, _NAN, _NAN)
    if method not in ("spearman", "pearson"):
        raise ConfigError(f"method must be spearman or pearson; got {method!r}")
    with warnings.catch_warnings():
        # Nearly constant columns (a property that rarely changes) still give
        # a valid, if imprecise, coefficient; the interval says how imprecise.
        warnings.simplefilter("ignore", stats.NearConstantInputWarning)
        warnings.simplefilter("ignore", stats.ConstantInputWarning)
        test = stats.spearmanr if method == "spearman" else stats.pearsonr
        result = test(x, y)
    r, p = float(result[0]), float(result[1])

    factor = 1.0 + r**2 / 2.0 if method == "spearman" else 1.0
    se = np.sqrt(factor / (n - 3))
    z = stats.norm.ppf((1 + confidence) / 2)
    centre = np.arctanh(np.clip(r, -0.999999, 0.999999))
    low, high = np.tanh(centre - z * se), np.tanh(centre + z * se)
    return Correlation(r, p, n, float(low), float(high))


def mean_interval(values, *, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean of the finite values and its Student-t interval.

    Parameters
    ----------
    values : array-like of shape (n_samples,)
    confidence : float, default=0.95

    Returns
    -------
    mean, low, high : float
        ``low`` and ``high`` are NaN with fewer than two values.
    """
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return _NAN, _NAN, _NAN
    mean = float(values.mean())
    if values.size < 2:
        return mean, _NAN, _NAN
    half = stats.t.ppf((1 + confidence) / 2, values.size - 1) * values.std(ddof=1)
    half /= np.sqrt(values.size)
    return mean, mean - float(half), mean + float(half)


def welch_difference(
    first, second, *, strata=None, confidence: float = 0.95
) -> Difference:
    """Difference of two means with Welch's interval, optionally stratified.

    Parameters
    ----------
    first, second : array-like of shape (n_first,) and (n_second,)
        The two groups' values; NaN left out.
    strata : tuple of two array-likes, optional
        A stratum label for every value of ``first`` and of ``second``.
        The estimate is then the mean over strata of the within-stratum
        differences, so that a factor crossed with both groups (the target
        model kind, say) adds no noise to the comparison.
    confidence : float, default=0.95

    Returns
    -------
    Difference
        NaN parts when a group (or a stratum's group) has fewer than two
        values. When no group has any spread the interval is the estimate
        itself, and the p-value 1 (equal means) or 0.

    Notes
    -----
    The variance of the estimate is ``sum_s w_s**2 (v1_s / n1_s + v2_s /
    n2_s)`` with equal weights ``w_s = 1 / S``; its degrees of freedom are
    Welch and Satterthwaite's.
    """
    first = np.asarray(first, dtype=float)
    second = np.asarray(second, dtype=float)
    if strata is None:
        parts = [(first, second)]
    else:
        s1, s2 = (np.asarray(s, dtype=object) for s in strata)
        labels = list(dict.fromkeys([*s1.tolist(), *s2.tolist()]))
        parts = [(first[s1 == s], second[s2 == s]) for s in labels]
    parts = [(a[np.isfinite(a)], b[np.isfinite(b)]) for a, b in parts]
    n1 = sum(a.size for a, _ in parts)
    n2 = sum(b.size for _, b in parts)
    if not parts or any(a.size < 2 or b.size < 2 for a, b in parts):
        return Difference(_NAN, _NAN, _NAN, _NAN, n1, n2)

    weight = 1.0 / len(parts)
    estimate = weight * sum(a.mean() - b.mean() for a, b in parts)
    terms = [
        (a.var(ddof=1) / a.size, b.var(ddof=1) / b.size, a.size, b.size)
        for a, b in parts
    ]
    variance = weight**2 * sum(ta + tb for ta, tb, _, _ in terms)
    if variance <= 0:
        # No spread at all: the difference is known exactly.
        p = 1.0 if estimate == 0 else 0.0
        return Difference(float(estimate), float(estimate), float(estimate), p, n1, n2)
    dof = variance**2 / sum(
        weight**4 * (ta**2 / (na - 1) + tb**2 / (nb - 1)) for ta, tb, na, nb in terms
    )
    se = np.sqrt(variance)
    half = stats.t.ppf((1 + confidence) / 2, dof) * se
    p = 2 * stats.t.sf(abs(estimate) / se, dof)
    return Difference(
        float(estimate),
        float(estimate - half),
        float(estimate + half),
        float(p),
        n1,
        n2,
    )
