"""Claim checks about how a metric moves with one variable.

Each check takes the result rows of a study (one row per trial), decides
``holds``, ``does not hold`` or ``inconclusive`` by a fixed rule written in
its docstring, and returns a :class:`~miadeps.analysis.Verdict` whose
sentence is built from the numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from miadeps._random import as_generator
from miadeps.analysis._labels import column_label
from miadeps.analysis._stats import rank_correlation
from miadeps.analysis._verdict import FAILS, HOLDS, INCONCLUSIVE, Verdict, format_p
from miadeps.exceptions import ConfigError

logger = logging.getLogger(__name__)

__all__ = [
    "LOWER_BOUND_QUANTILE",
    "check_lower_bound",
    "check_no_effect",
    "check_spread_grows",
    "check_strongest",
    "check_trend",
]

_DIRECTIONS = {"increases": 1, "decreases": -1}
#: The quantile of a setting's trials that :func:`check_lower_bound` takes as
#: its lower bound.
LOWER_BOUND_QUANTILE = 0.1


def _direction(direction: str) -> int:
    if direction not in _DIRECTIONS:
        raise ConfigError(
            f"direction must be 'increases' or 'decreases'; got {direction!r}"
        )
    return _DIRECTIONS[direction]


def missing_columns(rows: pd.DataFrame, columns: Sequence[str]) -> list[str]:
    """Columns absent from ``rows`` or without a single finite number."""
    out = []
    for column in columns:
        if column not in rows.columns:
            out.append(column)
            continue
        values = pd.to_numeric(rows[column], errors="coerce").to_numpy(float)
        if not np.isfinite(values).any():
            out.append(column)
    return out


def unusable(claim: str, metric: str, test: str, reason: str, n: int = 0) -> Verdict:
    """An inconclusive verdict that says why no test could run."""
    return Verdict(
        claim=claim,
        outcome=INCONCLUSIVE,
        evidence=f"{test} not run",
        rule=reason,
        test=test,
        metric=metric,
        n=n,
    )


def _numbers(rows: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(rows[column], errors="coerce").to_numpy(float)


def _correlation_evidence(corr, x: str, metric: str) -> str:
    return (
        f"Spearman rho = {corr.coefficient:.2f} (95% CI {corr.low:.2f} to "
        f"{corr.high:.2f}, {format_p(corr.p_value)}, n = {corr.n}) between "
        f"{column_label(x)} and {column_label(metric)}"
    )


def _too_few(rows: pd.DataFrame, x: str, metric: str, min_n: int) -> str | None:
    """Why a rank correlation of ``metric`` on ``x`` cannot be tested, or None."""
    missing = missing_columns(rows, [x, metric])
    if missing:
        return f"the results have no values in column {missing[0]!r}"
    xs, ys = _numbers(rows, x), _numbers(rows, metric)
    keep = np.isfinite(xs) & np.isfinite(ys)
    if keep.sum() < min_n:
        return f"only {int(keep.sum())} trials, at least {min_n} are needed"
    if np.unique(xs[keep]).size < 3:
        return f"{column_label(x)} takes fewer than 3 distinct values"
    if np.ptp(ys[keep]) == 0:
        return f"{column_label(metric)} is the same in every trial"
    return None


def check_trend(
    rows: pd.DataFrame,
    x: str,
    metric: str,
    *,
    direction: str = "increases",
    alpha: float = 0.05,
    negligible: float = 0.1,
    min_n: int = 8,
) -> Verdict:
    """Does ``metric`` rise (or fall) with ``x``? Spearman's rho over all trials.

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
        One row per trial (every repetition, not setting means).
    x : str
        The column of the varied or measured variable.
    metric : str
        The column the claim is about.
    direction : {"increases", "decreases"}, default="increases"
        The claimed direction.
    alpha : float, default=0.05
        Significance level.
    negligible : float, default=0.1
        A trend whose rho lies within ``+-negligible`` counts as none.
    min_n : int, default=8
        Fewest trials to test.

    Returns
    -------
    Verdict

    Notes
    -----
    With rho, its p-value and 95% interval (see
    :func:`~miadeps.analysis.rank_correlation`):

    - holds: ``p < alpha`` and rho has the claimed sign;
    - does not hold: ``p < alpha`` and rho has the other sign, or the whole
      interval lies within ``+-negligible`` (no trend worth the name);
    - inconclusive: otherwise (no significant trend, but one of the
      claimed size is not ruled out), or too few trials, fewer than three
      distinct values of ``x``, or a constant metric.
    """
    sign = _direction(direction)
    verb = "rises" if sign > 0 else "falls"
    claim = f"{column_label(metric)} {verb} with {column_label(x)}"
    test = "Spearman rank correlation over all trials"
    reason = _too_few(rows, x, metric, min_n)
    if reason is not None:
        return unusable(claim, metric, test, reason, len(rows))

    corr = rank_correlation(_numbers(rows, x), _numbers(rows, metric))
    significant = corr.p_value < alpha
    if significant and np.sign(corr.coefficient) == sign:
        outcome = HOLDS
        rule = f"rho {'>' if sign > 0 else '<'} 0 and p < {alpha:g}"
    elif significant:
        outcome = FAILS
        rule = f"a significant trend the other way (p < {alpha:g})"
    elif -negligible < corr.low and corr.high < negligible:
        outcome = FAILS
        rule = f"no trend: the interval of rho lies within +-{negligible:g}"
    else:
        outcome = INCONCLUSIVE
        rule = (
            f"no significant trend (p >= {alpha:g}), but the interval of rho "
            f"does not rule one out"
        )
    return Verdict(
        claim=claim,
        outcome=outcome,
        evidence=_correlation_evidence(corr, x, metric),
        rule=rule,
        test=test,
        metric=metric,
        n=corr.n,
        statistic=corr.coefficient,
        low=corr.low,
        high=corr.high,
        p_value=corr.p_value,
    )


def check_no_effect(
    rows: pd.DataFrame,
    x: str,
    metric: str,
    *,
    alpha: float = 0.05,
    moderate: float = 0.3,
    min_n: int = 8,
) -> Verdict:
    """Is there no clear effect of ``x`` on ``metric``? Spearman's rho, all trials.

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
    x, metric : str
        Columns, as in :func:`check_trend`.
    alpha : float, default=0.05
    moderate : float, default=0.3
        The smallest |rho| counted as a clear (moderate) effect.
    min_n : int, default=8

    Returns
    -------
    Verdict

    Notes
    -----
    - holds: the 95% interval of rho lies within ``+-moderate``, so a
      moderate monotone effect is ruled out (a weak one may be significant);
    - does not hold: ``p < alpha`` and ``|rho| >= moderate``;
    - inconclusive: otherwise; with few trials the interval is too wide to
      rule a moderate effect out, and the verdict says so rather than read
      "not significant" as "no effect".
    """
    claim = f"{column_label(x)} has no clear effect on {column_label(metric)}"
    test = "Spearman rank correlation over all trials"
    reason = _too_few(rows, x, metric, min_n)
    if reason is not None:
        return unusable(claim, metric, test, reason, len(rows))

    corr = rank_correlation(_numbers(rows, x), _numbers(rows, metric))
    if -moderate < corr.low and corr.high < moderate:
        outcome, rule = HOLDS, f"the interval of rho lies within +-{moderate:g}"
    elif corr.p_value < alpha and abs(corr.coefficient) >= moderate:
        outcome = FAILS
        rule = f"|rho| >= {moderate:g} and p < {alpha:g}"
    else:
        outcome = INCONCLUSIVE
        rule = f"the interval of rho reaches beyond +-{moderate:g}: too few trials"
        if corr.p_value < alpha:
            rule = f"a weak but significant trend, |rho| < {moderate:g}"
    return Verdict(
        claim=claim,
        outcome=outcome,
        evidence=_correlation_evidence(corr, x, metric),
        rule=rule,
        test=test,
        metric=metric,
        n=corr.n,
        statistic=corr.coefficient,
        low=corr.low,
        high=corr.high,
        p_value=corr.p_value,
    )


def _lower_bound_slope(
    values: list[np.ndarray], imbalance: np.ndarray, quantile: float
) -> float:
    bounds = np.array([np.quantile(v, quantile) for v in values])
    return float(np.polyfit(imbalance, bounds, 1)[0])


def check_lower_bound(
    rows: pd.DataFrame,
    x: str,
    metric: str,
    *,
    centre: float = 0.5,
    quantile: float = LOWER_BOUND_QUANTILE,
    n_boot: int = 2000,
    min_reps: int = 3,
    random_state=0,
) -> Verdict:
    """Does more imbalance raise the lower bound of ``metric``?

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
    x : str
        A balance column (a share in [0, 1]); imbalance is ``|x - centre|``.
    metric : str
    centre : float, default=0.5
        The balanced value of ``x``.
    quantile : float, default=0.1
        The lower bound of a setting is this quantile of its trials' metric.
    n_boot : int, default=2000
        Bootstrap resamples.
    min_reps : int, default=3
        Fewest trials per setting.
    random_state : int or numpy.random.Generator, default=0
        Seeds the bootstrap.

    Returns
    -------
    Verdict

    Notes
    -----
    Trials are grouped by the value of ``x`` (a setting). The statistic is
    the least-squares slope of the settings' lower bounds against their
    imbalance. Its 95% interval is a percentile bootstrap that resamples
    the trials within each setting.

    - holds: the interval lies above 0;
    - does not hold: the interval lies below 0;
    - inconclusive: the interval contains 0, or fewer than two distinct
      imbalances, or a setting with fewer than ``min_reps`` trials.
    """
    x_label = f"imbalance |{column_label(x)} - {centre:g}|"
    claim = (
        f"the {quantile:.0%} quantile of {column_label(metric)} rises with {x_label}"
    )
    test = f"slope of the per-setting {quantile:.0%} quantile, bootstrap interval"
    missing = missing_columns(rows, [x, metric])
    if missing:
        reason = f"the results have no values in column {missing[0]!r}"
        return unusable(claim, metric, test, reason, len(rows))

    frame = pd.DataFrame({"x": _numbers(rows, x), "y": _numbers(rows, metric)})
    frame = frame[np.isfinite(frame["x"]) & np.isfinite(frame["y"])]
    groups = [(value, g["y"].to_numpy()) for value, g in frame.groupby("x")]
    imbalance = np.array([abs(value - centre) for value, _ in groups])
    values = [v for _, v in groups]
    if np.unique(np.round(imbalance, 12)).size < 2:
        reason = "fewer than two distinct imbalances"
        return unusable(claim, metric, test, reason, len(frame))
    if min(v.size for v in values) < min_reps:
        reason = f"a setting has fewer than {min_reps} trials"
        return unusable(claim, metric, test, reason, len(frame))
    if np.ptp(frame["y"]) == 0:
        reason = f"{column_label(metric)} is the same in every trial"
        return unusable(claim, metric, test, reason, len(frame))

    slope = _lower_bound_slope(values, imbalance, quantile)
    rng = as_generator(random_state)
    boots = np.empty(n_boot)
    for b in range(n_boot):
        resampled = [v[rng.integers(0, v.size, v.size)] for v in values]
        boots[b] = _lower_bound_slope(resampled, imbalance, quantile)
    low, high = (float(q) for q in np.quantile(boots, [0.025, 0.975]))

    if low > 0:
        outcome, rule = HOLDS, "the interval of the slope lies above 0"
    elif high < 0:
        outcome, rule = FAILS, "the interval of the slope lies below 0"
    else:
        outcome, rule = INCONCLUSIVE, "the interval of the slope contains 0"
    evidence = (
        f"slope of the per-setting {quantile:.0%} quantile of "
        f"{column_label(metric)} against {x_label} = {slope:.3f} per unit "
        f"(95% bootstrap CI {low:.3f} to {high:.3f}; {len(values)} settings, "
        f"{len(frame)} trials)"
    )
    return Verdict(
        claim=claim,
        outcome=outcome,
        evidence=evidence,
        rule=rule,
        test=test,
        metric=metric,
        n=len(frame),
        statistic=slope,
        low=low,
        high=high,
    )


def check_spread_grows(
    rows: pd.DataFrame,
    x: str,
    metric: str,
    *,
    alpha: float = 0.05,
    min_n: int = 8,
) -> Verdict:
    """Is ``metric`` more spread out where ``x`` is large?

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
    x, metric : str
    alpha : float, default=0.05
    min_n : int, default=8
        Fewest trials in all.

    Returns
    -------
    Verdict

    Notes
    -----
    Trials are split at the median of ``x`` (ties go to the lower half).
    The Brown-Forsythe test (Levene's test about the median) compares the
    spread of ``metric`` in the two halves.

    - holds: ``p < alpha`` and the upper half has the larger standard
      deviation (large ``x`` does not always mean a high metric);
    - does not hold: ``p < alpha`` and the upper half has the smaller one;
    - inconclusive: ``p >= alpha``, or too few trials.
    """
    claim = f"{column_label(metric)} varies more where {column_label(x)} is large"
    test = "Brown-Forsythe test, trials split at the median"
    reason = _too_few(rows, x, metric, min_n)
    if reason is not None:
        return unusable(claim, metric, test, reason, len(rows))

    xs, ys = _numbers(rows, x), _numbers(rows, metric)
    keep = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    upper = xs > np.median(xs)
    if upper.sum() < 2 or (~upper).sum() < 2:
        return unusable(claim, metric, test, "a half has fewer than 2 trials", xs.size)
    low_sd, high_sd = ys[~upper].std(ddof=1), ys[upper].std(ddof=1)
    if low_sd == 0 and high_sd == 0:
        return unusable(claim, metric, test, "no spread in either half", xs.size)
    p = float(stats.levene(ys[upper], ys[~upper], center="median").pvalue)

    if p < alpha and high_sd > low_sd:
        outcome, rule = HOLDS, f"larger spread in the upper half, p < {alpha:g}"
    elif p < alpha:
        outcome, rule = FAILS, f"smaller spread in the upper half, p < {alpha:g}"
    else:
        outcome, rule = INCONCLUSIVE, f"no significant difference (p >= {alpha:g})"
    evidence = (
        f"standard deviation of {column_label(metric)} {high_sd:.3f} above the "
        f"median {column_label(x)} ({int(upper.sum())} trials) against "
        f"{low_sd:.3f} below ({int((~upper).sum())} trials), Brown-Forsythe "
        f"{format_p(p)}"
    )
    return Verdict(
        claim=claim,
        outcome=outcome,
        evidence=evidence,
        rule=rule,
        test=test,
        metric=metric,
        n=int(xs.size),
        statistic=float(high_sd - low_sd),
        p_value=p,
    )


def check_strongest(
    rows: pd.DataFrame,
    candidates: Sequence[str],
    which: str,
    metric: str,
    *,
    direction: str = "increases",
    n_boot: int = 1000,
    min_n: int = 8,
    random_state=0,
) -> Verdict:
    """Is ``which`` the candidate with the clearest trend of ``metric``?

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
    candidates : sequence of str
        Columns to compare, ``which`` among them.
    which : str
        The column claimed to have the clearest trend.
    metric : str
    direction : {"increases", "decreases"}, default="increases"
        The claimed direction of every candidate's trend.
    n_boot : int, default=1000
    min_n : int, default=8
    random_state : int or numpy.random.Generator, default=0
        Seeds the bootstrap.

    Returns
    -------
    Verdict

    Notes
    -----
    The statistic is ``s * rho(which) - max over the others of s * rho``,
    with ``s`` the claimed sign, over the trials that have every column. Its
    95% interval is a percentile bootstrap over trials.

    - holds: the interval lies above 0;
    - does not hold: it lies below 0 (another candidate is clearer);
    - inconclusive: it contains 0, or too few trials.
    """
    sign = _direction(direction)
    others = [c for c in candidates if c != which]
    claim = (
        f"{column_label(metric)} follows {column_label(which)} more closely than "
        + " or ".join(column_label(c) for c in others)
    )
    test = "difference of Spearman rho, bootstrap interval over trials"
    missing = missing_columns(rows, [which, *others, metric])
    if missing:
        reason = f"the results have no values in column {missing[0]!r}"
        return unusable(claim, metric, test, reason, len(rows))

    table = np.column_stack([_numbers(rows, c) for c in [which, *others, metric]])
    table = table[np.isfinite(table).all(axis=1)]
    if len(table) < min_n:
        reason = f"only {len(table)} trials, at least {min_n} are needed"
        return unusable(claim, metric, test, reason, len(table))

    def gap(sample: np.ndarray) -> tuple[float, list[float]]:
        ranks = stats.rankdata(sample, axis=0)
        # A resample can hold one value of a column: its rho is undefined
        # (NaN), and so is the gap, which is then left out.
        with np.errstate(invalid="ignore", divide="ignore"):
            rhos = np.corrcoef(ranks, rowvar=False)[-1, :-1] * sign
        return float(rhos[0] - rhos[1:].max()), rhos.tolist()

    estimate, rhos = gap(table)
    if not np.isfinite(estimate):
        reason = "a column is constant over the trials"
        return unusable(claim, metric, test, reason, len(table))
    rng = as_generator(random_state)
    boots = np.array(
        [gap(table[rng.integers(0, len(table), len(table))])[0] for _ in range(n_boot)]
    )
    boots = boots[np.isfinite(boots)]
    if boots.size < n_boot // 2:
        reason = "most bootstrap resamples hold a constant column"
        return unusable(claim, metric, test, reason, len(table))
    low, high = (float(q) for q in np.quantile(boots, [0.025, 0.975]))

    if low > 0:
        outcome, rule = HOLDS, "the interval of the difference lies above 0"
    elif high < 0:
        outcome, rule = FAILS, "the interval of the difference lies below 0"
    else:
        outcome, rule = INCONCLUSIVE, "the interval of the difference contains 0"
    listed = ", ".join(
        f"{column_label(c)} {sign * r:.2f}"
        for c, r in zip([which, *others], rhos, strict=True)
    )
    evidence = (
        f"Spearman rho with {column_label(metric)}: {listed}; "
        f"{column_label(which)} minus the best other = {estimate:.2f} (95% "
        f"bootstrap CI {low:.2f} to {high:.2f}, n = {len(table)})"
    )
    return Verdict(
        claim=claim,
        outcome=outcome,
        evidence=evidence,
        rule=rule,
        test=test,
        metric=metric,
        n=len(table),
        statistic=estimate,
        low=low,
        high=high,
    )
