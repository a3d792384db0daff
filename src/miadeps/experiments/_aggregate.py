"""Means and confidence intervals of result columns, per setting."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from miadeps.exceptions import ConfigError
from miadeps.experiments._runner import open_run
from miadeps.experiments._trials import expand_trials

logger = logging.getLogger(__name__)

__all__ = ["aggregate", "study_table", "varied_columns"]


def _interval(values: np.ndarray, confidence: float) -> tuple[int, float, float]:
    """n, mean and Student-t half-width of the finite values."""
    values = values[np.isfinite(values)]
    n = values.size
    if n == 0:
        return 0, float("nan"), float("nan")
    mean = float(values.mean())
    if n == 1:
        return 1, mean, float("nan")
    sem = float(values.std(ddof=1)) / np.sqrt(n)
    return n, mean, float(stats.t.ppf((1 + confidence) / 2, n - 1)) * sem


def aggregate(
    rows: pd.DataFrame,
    by: Sequence[str],
    metrics: Sequence[str],
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Mean and confidence interval of each metric in each group of rows.

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
        One row per trial, e.g. :meth:`ResultStore.rows`.
    by : sequence of str
        Columns that define a group (a setting); missing values form groups
        of their own. Empty: one group of all rows.
    metrics : sequence of str
        Numeric columns to summarise.
    confidence : float, default=0.95
        Coverage of the interval, in (0, 1).

    Returns
    -------
    pandas.DataFrame
        Long format, one row per group and metric, sorted by group: the
        ``by`` columns, ``metric``, ``n`` (finite values used), ``mean``,
        ``half_width``, ``ci_low`` and ``ci_high``.

    Raises
    ------
    ConfigError
        If a column is missing, a metric is not numeric, or ``confidence``
        is outside (0, 1).

    Notes
    -----
    The interval is Student's t interval for the mean of the repetitions:
    ``mean +- t_{(1+c)/2, n-1} * s / sqrt(n)``, with ``s`` the sample
    standard deviation. It assumes repetitions are independent (they are:
    each has its own seed) and their mean roughly normal. NaN values are
    left out; with fewer than two values the half-width is NaN. Rows are
    sorted by ``key`` first, when there is one, so that the result does not
    depend on the order the trials finished in.
    """
    if not 0.0 < confidence < 1.0:
        raise ConfigError(f"confidence must lie in (0, 1); got {confidence!r}")
    by, metrics = list(by), list(metrics)
    missing = [c for c in [*by, *metrics] if c not in rows.columns]
    if missing:
        raise ConfigError(
            f"no column {missing[0]!r} in the results; columns include "
            f"{', '.join(numeric_columns(rows)[:12])}"
        )
    for metric in metrics:
        if not pd.api.types.is_numeric_dtype(rows[metric]):
            raise ConfigError(f"column {metric!r} is not numeric; choose a metric")
    if "key" in rows.columns:
        rows = rows.sort_values("key", kind="stable")

    out = []
    groups = rows.groupby(by, dropna=False, sort=True) if by else [((), rows)]
    for values, group in groups:
        values = values if isinstance(values, tuple) else (values,)
        for metric in metrics:
            column = group[metric].to_numpy(dtype=float, na_value=np.nan)
            n, mean, half = _interval(column, confidence)
            out.append(
                {
                    **dict(zip(by, values, strict=True)),
                    "metric": metric,
                    "n": n,
                    "mean": mean,
                    "half_width": half,
                    "ci_low": mean - half,
                    "ci_high": mean + half,
                }
            )
    columns = [*by, "metric", "n", "mean", "half_width", "ci_low", "ci_high"]
    return pd.DataFrame(out, columns=columns)


def numeric_columns(rows: pd.DataFrame) -> list[str]:
    """Numeric result columns that are measures, not identities or timings."""
    skip = ("key", "rep", "seed")
    return [
        c
        for c in rows.columns
        if pd.api.types.is_numeric_dtype(rows[c])
        and not pd.api.types.is_bool_dtype(rows[c])
        and c not in skip
        and not c.startswith(("spec.", "timings."))
    ]


def varied_columns(paths: Sequence[str]) -> list[str]:
    """Result columns that hold the varied parameters of a study.

    ``"sampling.class_balance"`` is stored as ``"spec.sampling.class_balance"``;
    a varied ``"dataset"`` as ``"spec.dataset.name"``.
    """
    return [
        "spec.dataset.name" if path == "dataset" else f"spec.{path}" for path in paths
    ]


def study_table(
    run_dir: str | Path,
    metrics: Sequence[str] | None = None,
    *,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """The aggregated results of a run directory, per setting.

    Parameters
    ----------
    run_dir : str or Path
        A study's run directory.
    metrics : sequence of str, optional
        Columns to summarise; default the spec's ``metrics`` that the rows
        have.
    confidence : float, default=0.95
        Coverage of the Student-t interval.

    Returns
    -------
    pandas.DataFrame
        As :func:`aggregate`, grouped by the varied parameters' columns,
        over the trials of the run's current spec (a store may also hold
        rows of settings that an earlier run's wider grid had).

    Raises
    ------
    StoreError
        If the directory holds no readable store.
    """
    spec, store = open_run(run_dir)
    rows = store.rows()
    # Rows of settings that an earlier, wider grid had stay in the store
    # (and in exports) but are not the study as its spec now defines it.
    rows = rows[rows["key"].isin({t.key for t in expand_trials(spec)})]
    by = [c for c in varied_columns(spec.varied_paths()) if c in rows.columns]
    if metrics is None:
        metrics = [m for m in spec.metrics if m in rows.columns]
    return aggregate(rows, by, metrics, confidence=confidence)
