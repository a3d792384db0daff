"""Claim checks that compare settings: differences, a dip, a best choice.

As in :mod:`miadeps.analysis._trend_checks`, each check states its rule in
its docstring and builds its sentence from the numbers.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import stats

from miadeps.analysis._labels import column_label, setting_label
from miadeps.analysis._stats import mean_interval, welch_difference
from miadeps.analysis._trend_checks import missing_columns, unusable
from miadeps.analysis._verdict import FAILS, HOLDS, INCONCLUSIVE, Verdict, format_p

logger = logging.getLogger(__name__)

__all__ = [
    "check_best_varies",
    "check_difference",
    "check_dip",
    "check_many_moderate",
    "check_no_overfit",
    "check_settings_differ",
]


def _values(rows: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(rows[column], errors="coerce").to_numpy(float)


def _points(value: float) -> str:
    return f"{100 * value:+.1f} points"


def check_difference(
    rows: pd.DataFrame,
    column: str,
    treated,
    metric: str,
    *,
    within: str | None = None,
    expected: tuple[float, float] = (0.05, 0.15),
) -> Verdict:
    """Does setting ``column == treated`` add about ``expected`` to ``metric``?

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
    column : str
        The column that tells the settings apart (e.g. ``"spec.shadow.kind"``).
    treated
        Its value in the claimed better setting (e.g. ``"all"``); every
        other value is the comparison.
    metric : str
    within : str, optional
        A column crossed with ``column`` (e.g. the target kind): the
        difference is taken within each of its values and averaged.
    expected : tuple of two floats, default=(0.05, 0.15)
        The claimed range of the difference, in metric units (0.05 is 5
        points of accuracy).

    Returns
    -------
    Verdict

    Notes
    -----
    With the difference of means and its 95% Welch interval (see
    :func:`~miadeps.analysis.welch_difference`):

    - holds: the interval lies above 0 and overlaps ``expected``;
    - does not hold: the interval lies wholly below or wholly above
      ``expected``;
    - inconclusive: otherwise (it contains 0 and reaches into the range),
      or a group has fewer than two trials.
    """
    lo, hi = expected
    claim = (
        f"{column_label(metric)} is {100 * lo:.0f} to {100 * hi:.0f} points "
        f"higher with {column_label(column)} {treated} than with the others"
    )
    test = "difference of means, Welch interval" + (
        f" within each {column_label(within)}" if within else ""
    )
    missing = missing_columns(rows, [metric])
    needed = [column] + ([within] if within else [])
    absent = [c for c in needed if c not in rows.columns]
    if missing or absent:
        reason = f"the results have no values in column {(missing + absent)[0]!r}"
        return unusable(claim, metric, test, reason, len(rows))

    chosen = (rows[column] == treated).to_numpy()
    strata = None
    if within:
        labels = rows[within].astype(str).to_numpy()
        strata = (labels[chosen], labels[~chosen])
    values = _values(rows, metric)
    diff = welch_difference(values[chosen], values[~chosen], strata=strata)
    if np.isnan(diff.low):
        reason = "a group has fewer than two trials"
        return unusable(claim, metric, test, reason, len(rows))

    if diff.low > 0 and diff.high >= lo and diff.low <= hi:
        outcome = HOLDS
        rule = "the interval lies above 0 and overlaps the claimed range"
    elif diff.high < lo:
        outcome, rule = FAILS, "the interval lies below the claimed range"
    elif diff.low > hi:
        outcome, rule = FAILS, "the interval lies above the claimed range"
    else:
        outcome, rule = INCONCLUSIVE, "the interval contains 0"
    evidence = (
        f"{column_label(metric)} with {column_label(column)} {treated} minus the "
        f"others = {_points(diff.estimate)} (95% CI {_points(diff.low)} to "
        f"{_points(diff.high)}, {format_p(diff.p_value)}; {diff.n_first} against "
        f"{diff.n_second} trials)"
    )
    return Verdict(
        claim=claim,
        outcome=outcome,
        evidence=evidence,
        rule=rule,
        test=test,
        metric=metric,
        n=diff.n_first + diff.n_second,
        statistic=diff.estimate,
        low=diff.low,
        high=diff.high,
        p_value=diff.p_value,
    )


def check_dip(rows: pd.DataFrame, x: str, metric: str) -> Verdict:
    """Does ``metric`` fall as ``x`` grows from its smallest value, then rise?

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
    x : str
        The varied parameter (e.g. the L2 weight), at three or more values.
    metric : str

    Returns
    -------
    Verdict

    Notes
    -----
    Let ``x*`` be the value with the lowest mean ``metric``. With 95% Welch
    intervals of the mean at the smallest and at the largest ``x`` minus the
    mean at ``x*``:

    - holds: ``x*`` is an inner value and both intervals lie above 0;
    - does not hold: ``x*`` is the smallest or the largest value and the
      two ends differ (their interval excludes 0): the metric only rises
      or only falls over the range;
    - inconclusive: otherwise, or fewer than three values of ``x`` or two
      trials per value.

    Choosing ``x*`` from the same data favours finding a dip; with three
    to seven values the effect is small next to the intervals.
    """
    claim = (
        f"{column_label(metric)} first falls, then rises, as {column_label(x)} grows"
    )
    test = "Welch intervals of both ends against the lowest setting"
    missing = missing_columns(rows, [x, metric])
    if missing:
        reason = f"the results have no values in column {missing[0]!r}"
        return unusable(claim, metric, test, reason, len(rows))

    xs, ys = _values(rows, x), _values(rows, metric)
    keep = np.isfinite(xs) & np.isfinite(ys)
    xs, ys = xs[keep], ys[keep]
    levels = np.unique(xs)
    groups = [ys[xs == v] for v in levels]
    if levels.size < 3 or min(g.size for g in groups) < 2:
        reason = "fewer than three values or two trials per value"
        return unusable(claim, metric, test, reason, int(xs.size))

    means = np.array([g.mean() for g in groups])
    best = int(np.argmin(means))
    left = welch_difference(groups[0], groups[best])
    right = welch_difference(groups[-1], groups[best])
    ends = welch_difference(groups[-1], groups[0])
    inner = 0 < best < levels.size - 1
    if inner and left.low > 0 and right.low > 0:
        outcome, rule = HOLDS, "lowest at an inner value, both ends significantly above"
    elif not inner and (ends.low > 0 or ends.high < 0):
        outcome = FAILS
        rule = "lowest at an end of the range, and the two ends differ"
    else:
        outcome, rule = INCONCLUSIVE, "the intervals do not settle the shape"

    def interval(d) -> str:
        if np.isnan(d.low):
            return "n/a"
        return f"{d.estimate:+.3f} (95% CI {d.low:+.3f} to {d.high:+.3f})"

    evidence = (
        f"mean {column_label(metric)} lowest at {column_label(x)} {levels[best]:g} "
        f"({means[best]:.3f}); smallest value {levels[0]:g} minus it "
        f"{interval(left)}, largest value {levels[-1]:g} minus it "
        f"{interval(right)}; {int(xs.size)} trials"
    )
    return Verdict(
        claim=claim,
        outcome=outcome,
        evidence=evidence,
        rule=rule,
        test=test,
        metric=metric,
        n=int(xs.size),
        statistic=float(levels[best]),
    )


def _group_arrays(rows: pd.DataFrame, by: Sequence[str], metric: str):
    frame = rows[[*by]].copy()
    frame["_y"] = _values(rows, metric)
    frame = frame[np.isfinite(frame["_y"])]
    return [
        (key if isinstance(key, tuple) else (key,), g["_y"].to_numpy())
        for key, g in frame.groupby(list(by), sort=True)
    ]


def check_settings_differ(
    rows: pd.DataFrame,
    by: Sequence[str],
    metric: str,
    *,
    alpha: float = 0.05,
    negligible: float = 0.01,
) -> Verdict:
    """Does ``metric`` differ between the settings given by ``by``?

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
    by : sequence of str
        The columns whose value combinations are the settings.
    metric : str
    alpha : float, default=0.05
    negligible : float, default=0.01
        A gap between settings smaller than this counts as none.

    Returns
    -------
    Verdict

    Notes
    -----
    - holds: the Kruskal-Wallis test across settings gives ``p < alpha``;
    - does not hold: ``p >= alpha`` and the 95% Welch interval of the
      highest minus the lowest setting mean lies within ``+-negligible``;
    - inconclusive: otherwise, or fewer than two settings with two trials.
    """
    names = " and ".join(column_label(c) for c in by)
    claim = f"{column_label(metric)} differs between settings of {names}"
    test = "Kruskal-Wallis test across settings"
    missing = missing_columns(rows, [metric]) + [c for c in by if c not in rows]
    if missing:
        reason = f"the results have no values in column {missing[0]!r}"
        return unusable(claim, metric, test, reason, len(rows))
    groups = _group_arrays(rows, by, metric)
    n = sum(g.size for _, g in groups)
    if len(groups) < 2 or min(g.size for _, g in groups) < 2:
        reason = "fewer than two settings with two trials each"
        return unusable(claim, metric, test, reason, n)

    pooled = np.concatenate([g for _, g in groups])
    p = 1.0 if np.ptp(pooled) == 0 else float(stats.kruskal(*(g for _, g in groups))[1])
    means = [g.mean() for _, g in groups]
    top, bottom = groups[int(np.argmax(means))], groups[int(np.argmin(means))]
    gap = welch_difference(top[1], bottom[1])
    if p < alpha:
        outcome, rule = HOLDS, f"p < {alpha:g}"
    elif -negligible < gap.low and gap.high < negligible:
        outcome = FAILS
        rule = f"no difference: the largest gap lies within +-{negligible:g}"
    else:
        outcome, rule = INCONCLUSIVE, f"p >= {alpha:g}, but a gap is not ruled out"
    gap_text = (
        f"{gap.estimate:.3f} (95% CI {gap.low:.3f} to {gap.high:.3f})"
        if np.isfinite(gap.low)
        else f"{gap.estimate:.3f}"
    )
    evidence = (
        f"Kruskal-Wallis {format_p(p)} over {len(groups)} settings ({n} trials); "
        f"highest mean {column_label(metric)} at {setting_label(by, top[0])}, "
        f"lowest at {setting_label(by, bottom[0])}, gap {gap_text}"
    )
    return Verdict(
        claim=claim,
        outcome=outcome,
        evidence=evidence,
        rule=rule,
        test=test,
        metric=metric,
        n=n,
        statistic=gap.estimate,
        low=gap.low,
        high=gap.high,
        p_value=p,
    )


def check_no_overfit(
    rows: pd.DataFrame,
    by: Sequence[str],
    metric: str = "model.accuracy_gap",
    *,
    max_gap: float = 0.05,
) -> Verdict:
    """Is the train-test accuracy gap below ``max_gap`` in every setting?

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
    by : sequence of str
        The columns whose value combinations are the settings.
    metric : str, default="model.accuracy_gap"
        The gap column (train minus test accuracy of the target).
    max_gap : float, default=0.05
        A mean gap above this counts as overfitting (5 points).

    Returns
    -------
    Verdict

    Notes
    -----
    With the Student-t 95% interval of each setting's mean gap:

    - holds: every interval lies below ``max_gap``;
    - does not hold: some interval lies above ``max_gap``;
    - inconclusive: otherwise, or a setting with fewer than two trials.
    """
    claim = f"no setting overfits (mean {column_label(metric)} < {max_gap:g})"
    test = "Student-t interval of each setting's mean gap"
    missing = missing_columns(rows, [metric]) + [c for c in by if c not in rows]
    if missing:
        reason = f"the results have no values in column {missing[0]!r}"
        return unusable(claim, metric, test, reason, len(rows))
    groups = _group_arrays(rows, by, metric)
    n = sum(g.size for _, g in groups)
    if not groups or min(g.size for _, g in groups) < 2:
        return unusable(claim, metric, test, "a setting has fewer than 2 trials", n)

    intervals = [(key, *mean_interval(g)) for key, g in groups]
    worst = max(intervals, key=lambda item: item[1])
    if all(high < max_gap for *_, high in intervals):
        outcome, rule = HOLDS, f"every interval lies below {max_gap:g}"
    elif any(low > max_gap for _, _, low, _ in intervals):
        outcome, rule = FAILS, f"an interval lies above {max_gap:g}"
    else:
        outcome, rule = INCONCLUSIVE, f"an interval contains {max_gap:g}"
    evidence = (
        f"largest mean {column_label(metric)} {worst[1]:.3f} (95% CI "
        f"{worst[2]:.3f} to {worst[3]:.3f}) at {setting_label(by, worst[0])}; "
        f"{len(groups)} settings, {n} trials"
    )
    return Verdict(
        claim=claim,
        outcome=outcome,
        evidence=evidence,
        rule=rule,
        test=test,
        metric=metric,
        n=n,
        statistic=float(worst[1]),
        low=float(worst[2]),
        high=float(worst[3]),
    )


def check_best_varies(
    rows: pd.DataFrame,
    target: str,
    shadow: str,
    metric: str,
    *,
    exclude: Sequence[str] = ("all",),
    alpha: float = 0.05,
) -> Verdict:
    """Does the best shadow kind depend on the target kind?

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
    target, shadow : str
        Columns of the target's and the shadows' kind.
    metric : str
    exclude : sequence of str, default=("all",)
        Shadow values that are not one kind (all kinds at once).
    alpha : float, default=0.05

    Returns
    -------
    Verdict

    Notes
    -----
    For each target kind, the *top set* holds the shadow kind with the
    highest mean ``metric`` and every kind not significantly below it
    (Welch test, ``p >= alpha``).

    - holds: no shadow kind is in the top set of every target kind;
    - does not hold: every top set is the same single kind;
    - inconclusive: otherwise (some kind is among the best everywhere, or
      a group has fewer than two trials).
    """
    claim = f"the shadow kind with the highest {column_label(metric)} varies"
    claim += " with the target kind"
    test = f"top set per target kind: Welch tests against the best, alpha {alpha:g}"
    missing = missing_columns(rows, [metric]) + [
        c for c in (target, shadow) if c not in rows
    ]
    if missing:
        reason = f"the results have no values in column {missing[0]!r}"
        return unusable(claim, metric, test, reason, len(rows))
    single = rows[~rows[shadow].isin(list(exclude))]
    tops, bests = {}, {}
    for kind, group in single.groupby(target, sort=True):
        by_shadow = {s: _values(g, metric) for s, g in group.groupby(shadow, sort=True)}
        by_shadow = {s: v[np.isfinite(v)] for s, v in by_shadow.items()}
        if len(by_shadow) < 2 or min(v.size for v in by_shadow.values()) < 2:
            reason = f"target {kind}: fewer than two shadow kinds with two trials"
            return unusable(claim, metric, test, reason, len(single))
        best = max(by_shadow, key=lambda s: by_shadow[s].mean())
        bests[kind] = (best, float(by_shadow[best].mean()))
        tops[kind] = {
            s
            for s, v in by_shadow.items()
            if s == best or not welch_difference(by_shadow[best], v).p_value < alpha
        }
    if len(tops) < 2:
        return unusable(claim, metric, test, "fewer than two target kinds", len(single))

    shared = set.intersection(*tops.values())
    if not shared:
        outcome, rule = HOLDS, "no shadow kind is among the best for every target"
    elif all(len(t) == 1 for t in tops.values()) and len(shared) == 1:
        outcome, rule = FAILS, "one shadow kind is significantly best for every target"
    else:
        outcome = INCONCLUSIVE
        rule = f"{', '.join(sorted(shared))} cannot be told from the best anywhere"
    listed = "; ".join(
        f"{kind}: {best} ({mean:.3f}), top set {{{', '.join(sorted(tops[kind]))}}}"
        for kind, (best, mean) in bests.items()
    )
    evidence = (
        f"best shadow kind by mean {column_label(metric)} per target kind: "
        f"{listed} ({len(single)} trials)"
    )
    return Verdict(
        claim=claim,
        outcome=outcome,
        evidence=evidence,
        rule=rule,
        test=test,
        metric=metric,
        n=len(single),
        statistic=float(len(shared)),
    )


def check_many_moderate(
    correlations: pd.DataFrame,
    *,
    band: tuple[float, float] = (0.3, 0.7),
    share: float = 0.25,
    alpha: float = 0.05,
    min_n: int = 30,
) -> Verdict:
    """Are many pairs of properties moderately correlated?

    Parameters
    ----------
    correlations : pandas.DataFrame
        :func:`~miadeps.analysis.correlation_table`'s output: one row per
        pair with ``n``, ``spearman_rho`` and ``spearman_p``.
    band : tuple of two floats, default=(0.3, 0.7)
        ``|rho|`` in ``[band[0], band[1])`` is moderate.
    share : float, default=0.25
        "Many" means at least this share of the pairs.
    alpha : float, default=0.05
        Level of the Benjamini-Hochberg adjusted p-values.
    min_n : int, default=30
        Pairs measured on fewer trials are left out.

    Returns
    -------
    Verdict

    Notes
    -----
    A pair counts when its Spearman rho is moderate and significant after
    the Benjamini-Hochberg adjustment over all pairs kept (many pairs are
    tested at once).

    - holds: at least ``share`` of the pairs count;
    - does not hold: fewer do;
    - inconclusive: no pair has ``min_n`` trials.
    """
    claim = f"many (>= {share:.0%}) pairs of properties correlate moderately"
    test = "share of pairs with moderate Spearman rho, Benjamini-Hochberg"
    metric = "spearman_rho"
    kept = correlations[
        (correlations["n"] >= min_n) & np.isfinite(correlations["spearman_p"])
    ]
    if kept.empty:
        reason = f"no pair of properties has {min_n} trials"
        return unusable(claim, metric, test, reason)
    adjusted = stats.false_discovery_control(kept["spearman_p"].to_numpy(float))
    rho = kept["spearman_rho"].abs().to_numpy(float)
    counted = (rho >= band[0]) & (rho < band[1]) & (adjusted < alpha)
    strong = (rho >= band[1]) & (adjusted < alpha)
    found = float(counted.mean())
    if found >= share:
        outcome, rule = HOLDS, f"at least {share:.0%} of the pairs"
    else:
        outcome, rule = FAILS, f"fewer than {share:.0%} of the pairs"
    evidence = (
        f"{int(counted.sum())} of {len(kept)} pairs ({found:.0%}) have "
        f"{band[0]:g} <= |rho| < {band[1]:g} with adjusted p < {alpha:g}, "
        f"{int(strong.sum())} have |rho| >= {band[1]:g}; pairs measured on at "
        f"least {min_n} trials"
    )
    return Verdict(
        claim=claim,
        outcome=outcome,
        evidence=evidence,
        rule=rule,
        test=test,
        metric=metric,
        n=len(kept),
        statistic=found,
    )
