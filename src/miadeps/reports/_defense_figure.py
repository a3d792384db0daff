"""The privacy-utility trade-off of defenses: test accuracy against the attack."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from miadeps.analysis import (
    DEFENSE_COLUMN,
    axis_label,
    defense_parameter,
    mean_interval,
    target_columns,
)
from miadeps.reports._figures import _new_figure, _reference_line

logger = logging.getLogger(__name__)

__all__ = ["TRADEOFF_METRICS", "target_label", "tradeoff_figure"]

#: The attack metrics drawn against test accuracy, one panel column each.
# LiRA's TPR at 1% FPR stands in for the shadow-model attack's where a study
# ran it: the shadow-model attack finds almost no member at that rate even on
# an undefended overfit target, so its panel would show noise.
TRADEOFF_METRICS = (
    "attack.auc",
    "attacks.lira_online.auc",
    "attacks.lira_online.tpr_at_fpr.0.01",
)
_FALLBACK_METRICS = ("attack.auc", "attack.tpr_at_fpr.0.01")
_UTILITY = "target.test_accuracy"
_UNDEFENDED = "none"
_NONE_COLOUR = "#1a1a1a"
_CHANCE_COLOUR = "#b03a2e"
_TPR_PREFIX = ".tpr_at_fpr."


def target_label(columns: Sequence[str], values: Sequence) -> str:
    """A target configuration in words; unset parameters are left out.

    The dataset, when it varies, leads by its name alone: ``"german, depth
    2, width 128"``; a target with no recipe setting is the default target.
    """
    dataset, parts = [], []
    for c, v in zip(columns, values, strict=True):
        if pd.isna(v):
            continue
        if c == "spec.dataset.name":
            dataset.append(str(v))
            continue
        name = c.split(".")[-1].replace("_", " ")
        parts.append(f"{name} {v:g}" if isinstance(v, float) else f"{name} {v}")
    return ", ".join(dataset + (parts or ["default target"]))


def _point(values: np.ndarray) -> tuple[float, float, float]:
    """Mean and the distances to the ends of its 95% interval (0 if none)."""
    mean, low, high = mean_interval(values)
    if not np.isfinite(low):
        return mean, 0.0, 0.0
    return mean, mean - low, high - mean


def _numbers(rows: pd.DataFrame, column: str) -> np.ndarray:
    return pd.to_numeric(rows[column], errors="coerce").to_numpy(float)


def _draw_defense(ax, rows: pd.DataFrame, metric: str, name: str, colour) -> None:
    parameter = defense_parameter(name)
    column = f"spec.defense.{parameter}" if parameter else None
    if column in rows.columns:
        values = pd.to_numeric(rows[column], errors="coerce")
    else:
        values = pd.Series(np.nan, index=rows.index)
    levels = sorted(v for v in values.dropna().unique())
    groups = [rows[values == v] for v in levels] if levels else [rows]

    xs, ys = [], []
    for level, group in zip(levels or [np.nan], groups, strict=True):
        x, xlo, xhi = _point(_numbers(group, _UTILITY))
        y, ylo, yhi = _point(_numbers(group, metric))
        if not (np.isfinite(x) and np.isfinite(y)):
            continue
        xs.append(x)
        ys.append(y)
        ax.errorbar(
            [x],
            [y],
            xerr=[[xlo], [xhi]],
            yerr=[[ylo], [yhi]],
            color=colour,
            marker="*" if name == _UNDEFENDED else "o",
            ms=11 if name == _UNDEFENDED else 5,
            capsize=2,
            lw=0.8,
            zorder=4 if name == _UNDEFENDED else 3,
        )
        if np.isfinite(level):
            ax.annotate(
                f"{level:g}",
                (x, y),
                xytext=(3, 3),
                textcoords="offset points",
                fontsize=6.5,
                color=colour,
            )
    label = "no defense" if name == _UNDEFENDED else name
    if parameter:
        label += f" ({parameter.replace('_', ' ')})"
    ax.plot(xs, ys, color=colour, lw=1.2, marker=None, label=label, zorder=2)


def tradeoff_figure(
    rows: pd.DataFrame,
    *,
    title: str,
    metrics: Sequence[str] = TRADEOFF_METRICS,
) -> Figure:
    """Mean test accuracy (x) against attack metrics (y), one curve per defense.

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
        Trials with ``spec.defense.name``, ``target.test_accuracy`` and the
        metrics.
    title : str
    metrics : sequence of str, default=TRADEOFF_METRICS
        One column of panels each; those absent from ``rows`` are left out,
        and with fewer than two left the shadow-model attack's AUC and TPR
        at 1% FPR are drawn.

    Returns
    -------
    matplotlib.figure.Figure
        One row of panels per target configuration (see
        :func:`miadeps.analysis.target_columns`). A defense's settings are
        joined in the order of its tuned value, each point labelled with
        that value and drawn with the 95% intervals of both means; the
        undefended target is a black star.
    """
    metrics = [m for m in metrics if m in rows.columns]
    if len(metrics) < 2:
        metrics = [m for m in _FALLBACK_METRICS if m in rows.columns] or ["attack.auc"]
    by = target_columns(rows)
    groups = list(rows.groupby(by, sort=False, dropna=False)) if by else [((), rows)]
    names = list(dict.fromkeys(rows[DEFENSE_COLUMN].astype(str)))
    others = [n for n in names if n != _UNDEFENDED]
    colours = dict(
        zip(
            others,
            matplotlib.colormaps["tab10"](np.arange(len(others)) % 10),
            strict=True,
        )
    )
    colours[_UNDEFENDED] = _NONE_COLOUR

    n_rows, n_cols = len(groups), len(metrics)
    figure, axes = _new_figure(n_rows, n_cols, 4.2 * n_cols + 1.8, 3.4 * n_rows + 0.4)
    for i, (values, target) in enumerate(groups):
        values = values if isinstance(values, tuple) else (values,)
        where = target_label(by, values)
        for j, metric in enumerate(metrics):
            ax = axes[i, j]
            for name in [*others, _UNDEFENDED]:
                chosen = target[target[DEFENSE_COLUMN].astype(str) == name]
                if not chosen.empty:
                    _draw_defense(ax, chosen, metric, name, colours[name])
            _reference_line(ax, metric, None)
            if _TPR_PREFIX in metric:
                # An attack without skill finds members at the rate it
                # falsely accuses non-members.
                fpr = float(metric.partition(_TPR_PREFIX)[2])
                ax.axhline(fpr, color=_CHANCE_COLOUR, ls="--", lw=1, zorder=1)
            ax.set_xlabel(axis_label(_UTILITY))
            ax.set_ylabel(axis_label(metric))
            ax.set_title(where)
    handles, labels = [], []
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            if label not in labels:
                handles.append(handle)
                labels.append(label)
    figure.legend(
        handles,
        labels,
        loc="outside right upper",
        frameon=False,
        title="defense (tuned value)",
    )
    figure.suptitle(title)
    return figure
