"""Defenses compared: the paper's Table 5 and its claim, from trial rows.

A row of the ``defenses`` study names its defense in ``spec.defense.name``
and the defense's settings in ``spec.defense.*``. The target's own recipe
(width, target set size...) may vary too: every ``spec.target.*`` or
``spec.sampling.*`` column with more than one value splits the rows into
target configurations, and defenses are only compared within one.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from miadeps.analysis._labels import column_label, setting_label
from miadeps.analysis._stats import mean_interval, welch_difference
from miadeps.analysis._tables import summary_table
from miadeps.analysis._trend_checks import missing_columns, unusable
from miadeps.analysis._verdict import FAILS, HOLDS, INCONCLUSIVE, Verdict

logger = logging.getLogger(__name__)

__all__ = [
    "DEFENSE_COLUMN",
    "DEFENSE_TABLE_METRICS",
    "FAIRNESS_DEFENSES",
    "check_defense_tradeoff",
    "defense_parameter",
    "defense_table",
    "target_columns",
]

#: The column that names a trial's defense.
DEFENSE_COLUMN = "spec.defense.name"
#: The regularizers of the paper's Algorithm 1 that its Table 5 is about.
FAIRNESS_DEFENSES = ("group-fairness", "predictive-fairness", "individual-fairness")
#: Columns of the Table 5 equivalent: utility, attack, and what the
#: defense measured.
DEFENSE_TABLE_METRICS = (
    "target.train_accuracy",
    "target.test_accuracy",
    "attack.accuracy",
    "attack.balanced_accuracy",
    "attack.auc",
    "attack.tpr_at_fpr.0.01",
    # When the study also runs online LiRA (the defenses study does): the
    # shadow-model attack finds almost no member at 1% FPR even undefended.
    "attacks.lira_online.auc",
    "attacks.lira_online.tpr_at_fpr.0.01",
    "defense.max_diff",
    "defense.epsilon",
)
_UNDEFENDED = "none"
_UTILITY = "target.test_accuracy"
# The setting each defense is tuned by; the others keep their defaults.
_PARAMETER = {"dp-sgd": "noise_multiplier", "dropout": "dropout"}
_SYMBOL = {"lam": "lambda", "noise_multiplier": "sigma", "dropout": "rate"}


def defense_parameter(defense: str) -> str | None:
    """The ``spec.defense`` field a defense is tuned by (None for ``"none"``)."""
    if defense == _UNDEFENDED:
        return None
    return _PARAMETER.get(defense, "lam")


def target_columns(rows: pd.DataFrame) -> list[str]:
    """The dataset and target-recipe columns that take more than one value."""
    return [
        c
        for c in rows.columns
        if (
            c == "spec.dataset.name" or c.startswith(("spec.target.", "spec.sampling."))
        )
        and rows[c].astype(str).nunique(dropna=False) > 1
    ]


def _setting_text(defense: str, value) -> str:
    parameter = defense_parameter(defense)
    if parameter is None or value is None or pd.isna(value):
        return defense
    return f"{defense}, {_SYMBOL[parameter]} {float(value):g}"


def _labelled(rows: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with ``defense`` (name and value) and ``defense_value``."""
    names = rows[DEFENSE_COLUMN].astype(str)
    values = []
    for name, (_, row) in zip(names, rows.iterrows(), strict=True):
        parameter = defense_parameter(name)
        column = f"spec.defense.{parameter}"
        values.append(row[column] if parameter and column in rows else np.nan)
    out = rows.assign(defense_value=pd.to_numeric(pd.Series(values, rows.index)))
    labels = [
        _setting_text(n, v) for n, v in zip(names, out["defense_value"], strict=True)
    ]
    return out.assign(defense=labels)


def defense_table(
    rows: pd.DataFrame, metrics: Sequence[str] = DEFENSE_TABLE_METRICS
) -> pd.DataFrame:
    """Mean and 95% interval of each metric per target configuration and defense.

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
        Trials with a ``spec.defense.name`` column.
    metrics : sequence of str, default=DEFENSE_TABLE_METRICS
        Those present and numeric are summarised.

    Returns
    -------
    pandas.DataFrame
        Long format as :func:`summary_table`, grouped by the columns of
        :func:`target_columns`, then ``defense`` (its name and tuned value,
        e.g. ``"l2, lambda 0.001"``): per target, no defense first, then
        the defenses by name and tuned value.
    """
    if rows.empty or DEFENSE_COLUMN not in rows.columns:
        return summary_table(rows.iloc[0:0], [], metrics)
    by = target_columns(rows)
    table = summary_table(_labelled(rows), [*by, "defense"], metrics)
    # Each target's undefended row first, then the defenses by name and value.
    order = table.assign(
        _defended=table["defense"] != _UNDEFENDED,
        _metric=table["metric"].map(list(metrics).index),
    ).sort_values(
        [*by, "_defended", "defense", "_metric"], kind="stable", na_position="first"
    )
    return table.loc[order.index].reset_index(drop=True)


def _pair_outcome(lowered, kept: bool, margin: float) -> str:
    if lowered.high < 0 and kept:
        return HOLDS
    if lowered.low > -margin or (lowered.high < 0 and not kept):
        return FAILS
    return INCONCLUSIVE


def check_defense_tradeoff(
    rows: pd.DataFrame,
    metric: str,
    *,
    defenses: Sequence[str] = FAIRNESS_DEFENSES,
    max_utility_loss: float = 0.01,
    margin: float = 0.01,
    leak_metric: str = "attack.auc",
    baseline: str = _UNDEFENDED,
) -> Verdict:
    """Do the regularizers lower ``metric`` below a baseline and keep utility?

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
        Trials of the settings compared (the paper's Table 5: one setting
        per defense and target configuration).
    metric : str
        The attack metric the defenses should lower.
    defenses : sequence of str, default=FAIRNESS_DEFENSES
        Every one of them is tested against ``baseline``.
    max_utility_loss : float, default=0.01
        Largest fall of mean test accuracy that still "keeps utility" (one
        point).
    margin : float, default=0.01
        A cut smaller than this (one point) counts as no cut.
    leak_metric : str, default="attack.auc"
        A target configuration is tested only where the undefended attack
        is better than chance on this metric (interval above 0.5): a
        defense cannot lower a leak that is not there.

    Returns
    -------
    Verdict

    Notes
    -----
    Each pair of a defense setting and a target configuration whose
    undefended attack leaks is decided with the 95% Welch interval of its
    mean ``metric`` minus that of no defense, and the difference of mean
    test accuracy:

    - the pair holds: the interval lies below 0 and test accuracy fell by
      at most ``max_utility_loss``;
    - the pair fails: the interval lies above ``-margin`` (any cut is
      smaller than ``margin``), or the cut came with a larger loss of test
      accuracy;
    - otherwise it is undecided.

    The claim holds when every pair holds, does not hold when a pair
    fails, and is inconclusive otherwise, or when no target configuration
    leaks, or a defense is missing from the rows.
    """
    against = "no defense" if baseline == _UNDEFENDED else f"plain {baseline}"
    claim = (
        f"{', '.join(defenses)} each lower {column_label(metric)} below "
        f"{against} while test accuracy falls by at most "
        f"{100 * max_utility_loss:g} point(s)"
    )
    test = f"difference of means against {against}, Welch interval"
    missing = missing_columns(rows, [metric, leak_metric, _UTILITY])
    if DEFENSE_COLUMN not in rows.columns:
        missing.append(DEFENSE_COLUMN)
    if missing:
        reason = f"the results have no values in column {missing[0]!r}"
        return unusable(claim, metric, test, reason, len(rows))
    wanted = dict.fromkeys((_UNDEFENDED, baseline, *defenses))
    absent = [d for d in wanted if d not in set(rows[DEFENSE_COLUMN])]
    if absent:
        return unusable(
            claim, metric, test, f"no trial of defense {absent[0]!r}", len(rows)
        )

    by = target_columns(rows)
    groups = rows.groupby(by, sort=False, dropna=False) if by else [((), rows)]
    pairs, quiet = [], []
    for values, target in groups:
        values = values if isinstance(values, tuple) else (values,)
        where = setting_label(by, values) if by else "the target"
        undefended = target[target[DEFENSE_COLUMN] == _UNDEFENDED]
        leak = pd.to_numeric(undefended[leak_metric], errors="coerce")
        if not mean_interval(leak)[1] > 0.5:
            quiet.append(where)
            continue
        base = target[target[DEFENSE_COLUMN] == baseline]
        base_metric = pd.to_numeric(base[metric], errors="coerce")
        base_utility = float(pd.to_numeric(base[_UTILITY], errors="coerce").mean())
        chosen = target[target[DEFENSE_COLUMN].isin(defenses)]
        for label, setting in _labelled(chosen).groupby("defense", sort=False):
            diff = welch_difference(
                pd.to_numeric(setting[metric], errors="coerce"), base_metric
            )
            loss = base_utility - float(
                pd.to_numeric(setting[_UTILITY], errors="coerce").mean()
            )
            pairs.append((f"{label} ({where})", diff, loss))

    n = len(rows)
    if not pairs:
        reason = (
            "no target configuration leaks (undefended "
            f"{column_label(leak_metric)} interval not above 0.5: "
            f"{'; '.join(quiet)}), so there is nothing for a defense to cut"
        )
        return unusable(claim, metric, test, reason, n)
    if any(np.isnan(d.low) for _, d, _ in pairs):
        return unusable(claim, metric, test, "a setting has fewer than two trials", n)

    # TODO(issue-6): utility is judged by the difference of mean test
    # accuracy alone; with a few repetitions of a 250-record test set its
    # interval spans several points, so "kept utility" is weakly supported.
    # An equivalence test (interval within the allowed loss) needs more reps.
    outcomes = [
        _pair_outcome(d, loss <= max_utility_loss, margin) for _, d, loss in pairs
    ]
    if all(o == HOLDS for o in outcomes):
        outcome, rule = HOLDS, "every regularizer cut it and kept utility"
    elif FAILS in outcomes:
        outcome = FAILS
        rule = "a regularizer cut it by under one point, or cost more utility"
    else:
        outcome, rule = INCONCLUSIVE, "an interval contains 0"
    evidence = "; ".join(
        f"{name}: {100 * d.estimate:+.1f} points (95% CI {100 * d.low:+.1f} to "
        f"{100 * d.high:+.1f}), test accuracy {-100 * loss:+.1f} points"
        for name, d, loss in pairs
    )
    worst = max(range(len(pairs)), key=lambda i: pairs[i][1].estimate)
    diff = pairs[worst][1]
    return Verdict(
        claim=claim,
        outcome=outcome,
        evidence=f"{column_label(metric)} minus {against}, {evidence}",
        rule=rule,
        test=test,
        metric=metric,
        n=n,
        statistic=diff.estimate,
        low=diff.low,
        high=diff.high,
        p_value=diff.p_value,
    )
