"""Tables from trial rows: per-setting summaries, Table 2 and Table 3 layouts."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd

from miadeps.exceptions import ConfigError
from miadeps.experiments import aggregate

logger = logging.getLogger(__name__)

__all__ = [
    "DEPTH_L2_METRICS",
    "depth_l2_table",
    "drop_low_utility",
    "grid_rows",
    "model_type_matrix",
    "summary_table",
]

#: Columns of the paper's Table 3: utility of the target and the attack.
DEPTH_L2_METRICS = (
    "target.train_accuracy",
    "target.test_accuracy",
    "attack.accuracy",
    "attack.balanced_accuracy",
    "attack.auc",
)
_DEPTH = "spec.target.params.depth"
_L2 = "spec.target.params.l2"
_TARGET_KIND = "spec.target.kind"
_SHADOW_KIND = "spec.shadow.kind"


def summary_table(
    rows: pd.DataFrame, by: Sequence[str], metrics: Sequence[str]
) -> pd.DataFrame:
    """Mean and 95% interval of each metric per setting, for the metrics present.

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
    by : sequence of str
        The columns of the varied parameters; those absent are left out.
    metrics : sequence of str
        Columns to summarise; those absent or not numeric are left out.

    Returns
    -------
    pandas.DataFrame
        As :func:`miadeps.experiments.aggregate`: long format, one row per
        setting and metric, with ``n``, ``mean``, ``half_width``, ``ci_low``
        and ``ci_high``.
    """
    by = [c for c in by if c in rows.columns]
    metrics = [
        m
        for m in metrics
        if m in rows.columns and pd.api.types.is_numeric_dtype(rows[m])
    ]
    return aggregate(rows, by, metrics)


def grid_rows(rows: pd.DataFrame, column: str) -> pd.DataFrame:
    """The rows of the grid that sets ``column`` (the others leave it empty).

    A study of several grids (the paper's Figure 8: width, learning rate and
    L2 each against depth) stores a parameter only in the trials whose grid
    sets it, so the trials with a value are that grid's.
    """
    if column not in rows.columns:
        return rows.iloc[0:0]
    return rows[rows[column].notna()]


def drop_low_utility(
    rows: pd.DataFrame,
    by: Sequence[str],
    min_accuracy: float,
    *,
    columns: Sequence[str] = ("target.train_accuracy", "target.test_accuracy"),
) -> tuple[pd.DataFrame, list[str]]:
    """Drop settings whose target is less useful than ``min_accuracy``.

    The paper compares only models of similar utility: a setting stays when
    the mean of each of ``columns`` over its trials reaches ``min_accuracy``.

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
    by : sequence of str
        The columns whose value combinations are the settings; none: the
        whole study is one setting.
    min_accuracy : float
        In [0, 1].
    columns : sequence of str, default=("target.train_accuracy", "target.test_accuracy")
        Utility columns; those absent are ignored.

    Returns
    -------
    kept : pandas.DataFrame
        The rows of the settings kept.
    dropped : list of str
        The ``setting`` key (or the values) of every setting dropped.

    Raises
    ------
    ConfigError
        If ``min_accuracy`` is outside [0, 1].
    """
    if not 0.0 <= min_accuracy <= 1.0:
        raise ConfigError(
            f"min_accuracy must lie in [0, 1]; got {min_accuracy!r}; give e.g. 0.7"
        )
    columns = [c for c in columns if c in rows.columns]
    by = [c for c in by if c in rows.columns]
    if rows.empty or not columns:
        return rows, []
    keys = (
        rows[by].astype(str).agg("/".join, axis=1) if by else pd.Series("", rows.index)
    )
    means = rows[columns].apply(pd.to_numeric, errors="coerce").groupby(keys).mean()
    low = means.index[(means < min_accuracy).any(axis=1)]
    dropped = sorted(str(k) for k in low)
    if "setting" in rows.columns:
        dropped = sorted(set(rows.loc[keys.isin(low), "setting"].astype(str)))
    return rows[~keys.isin(low)], dropped


def depth_l2_table(rows: pd.DataFrame) -> pd.DataFrame:
    """The paper's Table 3: utility and attack results per depth and L2.

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
        Rows of a study that varies ``target.params.depth`` and
        ``target.params.l2``.

    Returns
    -------
    pandas.DataFrame
        As :func:`summary_table` over :data:`DEPTH_L2_METRICS`.

    Raises
    ------
    ConfigError
        If the rows do not vary depth and L2.
    """
    for column in (_DEPTH, _L2):
        if column not in rows.columns:
            raise ConfigError(
                f"the results have no column {column!r}; Table 3 needs a study "
                "that varies target.params.depth and target.params.l2, such as "
                "the built-in depth-l2"
            )
    return summary_table(rows, [_DEPTH, _L2], DEPTH_L2_METRICS)


def model_type_matrix(
    rows: pd.DataFrame,
    metric: str = "attack.accuracy",
    *,
    target: str = _TARGET_KIND,
    shadow: str = _SHADOW_KIND,
) -> pd.DataFrame:
    """The paper's Table 2: mean ``metric`` per target kind and shadow kind.

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
    metric : str, default="attack.accuracy"
    target, shadow : str
        The columns of the target's and the shadows' kind.

    Returns
    -------
    pandas.DataFrame of shape (n_target_kinds, n_shadow_kinds)
        Index the target kinds, columns the shadow kinds in order of first
        appearance with ``"all"`` last; NaN where a pair has no trial.

    Raises
    ------
    ConfigError
        If a column is missing.
    """
    for column in (target, shadow, metric):
        if column not in rows.columns:
            raise ConfigError(
                f"the results have no column {column!r}; Table 2 needs a study "
                "that varies target.kind and shadow.kind, such as model-types"
            )
    values = pd.to_numeric(rows[metric], errors="coerce")
    frame = pd.DataFrame(
        {"target": rows[target].astype(str), "shadow": rows[shadow].astype(str)}
    )
    frame["value"] = values.to_numpy(float)
    matrix = frame.pivot_table(
        index="target", columns="shadow", values="value", aggfunc="mean", sort=False
    )
    order = [c for c in dict.fromkeys(frame["shadow"]) if c != "all"]
    order += ["all"] if "all" in matrix.columns else []
    matrix = matrix.reindex(columns=order)
    matrix.index.name, matrix.columns.name = "target", "shadow"
    return matrix.astype(float)
