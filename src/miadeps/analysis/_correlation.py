"""Correlations between every pair of measured properties (the paper's Table 4)."""

from __future__ import annotations

import itertools
import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from miadeps.analysis._stats import rank_correlation

logger = logging.getLogger(__name__)

__all__ = ["ATTACK_PROPERTIES", "correlation_table", "property_columns"]

#: Attack results correlated with the data and model properties.
ATTACK_PROPERTIES = ("attack.accuracy", "attack.balanced_accuracy", "attack.auc")

_COLUMNS = [
    "first",
    "second",
    "n",
    "pearson_r",
    "pearson_p",
    "spearman_rho",
    "spearman_p",
]


def property_columns(rows: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The measured properties in the rows that can be correlated.

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
        Trial rows, of one study or many.

    Returns
    -------
    used : list of str
        Numeric ``data.*`` and ``model.*`` columns and the attack's accuracy,
        balanced accuracy and AUC, in that order, that vary over the rows.
    constant : list of str
        Candidates left out because they hold one value (or none).
    """
    candidates = [
        c
        for c in rows.columns
        if c.startswith(("data.", "model."))
        and pd.api.types.is_numeric_dtype(rows[c])
        and not pd.api.types.is_bool_dtype(rows[c])
    ]
    candidates += [c for c in ATTACK_PROPERTIES if c in rows.columns]
    used, constant = [], []
    for column in candidates:
        values = pd.to_numeric(rows[column], errors="coerce").to_numpy(float)
        values = values[np.isfinite(values)]
        (used if values.size and np.ptp(values) > 0 else constant).append(column)
    return used, constant


def correlation_table(
    rows: pd.DataFrame,
    columns: Sequence[str] | None = None,
    *,
    min_n: int = 4,
) -> pd.DataFrame:
    """Pearson and Spearman correlation of every pair of properties.

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
        Trial rows; with several studies, their rows stacked (columns a study
        lacks are NaN there).
    columns : sequence of str, optional
        The properties; default :func:`property_columns` (constant ones
        dropped).
    min_n : int, default=4
        Pairs observed together on fewer trials, or constant over the trials
        they share, are left out.

    Returns
    -------
    pandas.DataFrame
        One row per pair of columns, in the order of ``columns``:
        ``first``, ``second``, ``n`` (trials with both values), ``pearson_r``,
        ``pearson_p``, ``spearman_rho``, ``spearman_p``.

    Notes
    -----
    Each pair uses the trials that have both values, so ``n`` differs
    between pairs: a property measured by one study only is correlated over
    that study's trials. p-values are two-sided and not adjusted for the
    number of pairs.
    """
    if columns is None:
        columns, _ = property_columns(rows)
    numbers = {
        c: pd.to_numeric(rows[c], errors="coerce").to_numpy(float) for c in columns
    }
    out = []
    for first, second in itertools.combinations(columns, 2):
        pearson = rank_correlation(numbers[first], numbers[second], method="pearson")
        spearman = rank_correlation(numbers[first], numbers[second])
        if spearman.n < min_n or np.isnan(spearman.coefficient):
            continue
        out.append(
            [
                first,
                second,
                spearman.n,
                pearson.coefficient,
                pearson.p_value,
                spearman.coefficient,
                spearman.p_value,
            ]
        )
    return pd.DataFrame(out, columns=_COLUMNS)
