"""Figures of the study results, drawn with matplotlib's Agg canvas.

Figures are built as :class:`matplotlib.figure.Figure` objects on an Agg
canvas, never through ``pyplot``: no global backend or figure registry is
touched, and nothing is shown. :func:`save_figure` writes PNG and SVG with
fixed metadata, so that the same rows give the same bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from miadeps.analysis import (
    axis_label,
    column_label,
    grid_rows,
    mean_interval,
    model_type_matrix,
    setting_label,
)

logger = logging.getLogger(__name__)

__all__ = [
    "correlation_figure",
    "depth_lines_figure",
    "heatmap_figure",
    "measured_figure",
    "save_figure",
    "sweep_figure",
]

#: Settings that make output identical from run to run.
_STYLE = {
    "svg.hashsalt": "miadeps",
    "svg.fonttype": "path",
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.labelsize": 9,
    "legend.fontsize": 7.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
_PNG_DPI = 110
_TRIAL_COLOUR = "#4c78a8"
_MEAN_COLOUR = "#1a1a1a"
_REFERENCE_COLOUR = "#b03a2e"
# Horizontal jitter of the trial dots, as a share of the smallest gap
# between two settings, so that repetitions with equal values stay visible.
_JITTER = 0.12
_DODGE = 0.06


class _Fixed:
    """Stands in for a generator: every "random" shift is ``value``."""

    def __init__(self, value: float) -> None:
        self.value = value

    def uniform(self, low: float, high: float, size: int) -> np.ndarray:
        return np.full(size, self.value)


def _new_figure(n_rows: int, n_cols: int, width: float, height: float):
    figure = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.subplots(n_rows, n_cols, squeeze=False)
    return figure, axes


def _legend_entries(axes) -> tuple[list, list[str]]:
    """Each label of every panel once, in order of first appearance."""
    entries: dict[str, object] = {}
    for ax in axes.flat:
        for handle, label in zip(*ax.get_legend_handles_labels(), strict=True):
            entries.setdefault(label, handle)
    return list(entries.values()), list(entries)


def _reference_line(ax, metric: str, member_rate: float | None) -> None:
    """The score of an attack that knows nothing, for the reader's eye."""
    if metric.endswith(".accuracy") and member_rate is not None:
        level = max(member_rate, 1 - member_rate)
        label = f"always 'member' ({level:.2f})"
    elif metric.endswith((".balanced_accuracy", ".auc")):
        level, label = 0.5, "chance (0.5)"
    elif metric.endswith(".advantage"):
        level, label = 0.0, "chance (0)"
    else:
        return
    ax.axhline(level, color=_REFERENCE_COLOUR, ls="--", lw=1, label=label, zorder=1)


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(
        values
    )


def _scale(levels: np.ndarray) -> str:
    """``"log"``, ``"symlog"`` (a zero among positive values) or ``"linear"``."""
    if levels.size < 3 or (levels < 0).any():
        return "linear"
    positive = levels[levels > 0]
    if positive.size < 2 or positive.max() / positive.min() < 20:
        return "linear"
    return "log" if positive.size == levels.size else "symlog"


def _apply_scale(ax, scale: str, levels: np.ndarray) -> None:
    if scale == "log":
        ax.set_xscale("log")
    elif scale == "symlog":
        ax.set_xscale("symlog", linthresh=float(levels[levels > 0].min()))


def _jittered(x: np.ndarray, levels: np.ndarray, scale: str, rng) -> np.ndarray:
    """``x`` moved a little sideways, by a share of the gap between settings
    measured in the axis's own scale."""
    shift = rng.uniform(-_JITTER, _JITTER, x.size)
    if scale == "linear":
        steps = np.diff(levels)
        return x + shift * (float(steps.min()) if steps.size else 1.0)
    positive = levels[levels > 0]
    steps = np.diff(np.log10(positive))
    moved = x * 10 ** (shift * (float(steps.min()) if steps.size else 1.0))
    if scale == "symlog":
        # Zero sits in the linear part of the axis, about as wide as a decade.
        moved = np.where(x > 0, moved, shift * float(positive.min()))
    return moved


def sweep_figure(
    rows: pd.DataFrame,
    x: str,
    metrics: Sequence[str],
    *,
    title: str,
    member_rate: float | None,
    x_label: str | None = None,
    lower_quantile: float | None = None,
) -> Figure:
    """Every trial, and the mean with its 95% interval, over a varied parameter.

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
    x : str
        The varied column; numbers are placed on a linear or log axis,
        anything else in order of first appearance.
    metrics : sequence of str
        One panel each, side by side.
    title : str
    member_rate : float or None
        Draws the accuracy of always answering "member".
    x_label : str, optional
        Default the column's name and unit.
    lower_quantile : float, optional
        Also draw this quantile of each setting's trials (a lower bound).

    Returns
    -------
    matplotlib.figure.Figure
    """
    figure, axes = _new_figure(1, len(metrics), 3.6 * len(metrics) + 0.4, 3.4)
    rng = np.random.default_rng(0)
    numeric = _is_numeric(rows[x])
    if numeric:
        xs = rows[x].to_numpy(float)
        levels = np.unique(xs[np.isfinite(xs)])
    else:
        names = list(dict.fromkeys(rows[x].astype(str)))
        xs = rows[x].astype(str).map(names.index).to_numpy(float)
        levels = np.arange(len(names), dtype=float)
    scale = _scale(levels) if numeric else "linear"

    for ax, metric in zip(axes[0], metrics, strict=True):
        ys = pd.to_numeric(rows[metric], errors="coerce").to_numpy(float)
        keep = np.isfinite(xs) & np.isfinite(ys)
        _apply_scale(ax, scale, levels)
        ax.scatter(
            _jittered(xs[keep], levels, scale, rng),
            ys[keep],
            s=12,
            alpha=0.45,
            color=_TRIAL_COLOUR,
            lw=0,
            label="one trial",
            zorder=2,
        )
        stats = [mean_interval(ys[keep & (xs == level)]) for level in levels]
        means = np.array([s[0] for s in stats])
        lows = np.array([s[0] - s[1] if np.isfinite(s[1]) else 0.0 for s in stats])
        highs = np.array([s[2] - s[0] if np.isfinite(s[2]) else 0.0 for s in stats])
        ax.errorbar(
            levels,
            means,
            yerr=[lows, highs],
            color=_MEAN_COLOUR,
            marker="o",
            ms=4,
            capsize=3,
            lw=1.2,
            label="mean, 95% CI",
            zorder=3,
        )
        if lower_quantile is not None:
            bounds = [
                np.quantile(ys[keep & (xs == level)], lower_quantile)
                if (keep & (xs == level)).any()
                else np.nan
                for level in levels
            ]
            ax.plot(
                levels,
                bounds,
                color=_MEAN_COLOUR,
                ls=":",
                marker="v",
                ms=4,
                lw=1,
                label=f"{lower_quantile:.0%} quantile",
                zorder=3,
            )
        _reference_line(ax, metric, member_rate)
        ax.set_ylabel(axis_label(metric))
        ax.set_xlabel(x_label or axis_label(x))
        if not numeric:
            ax.set_xticks(levels, names, rotation=20, ha="right")
        ax.legend(loc="best", frameon=False)
    figure.suptitle(title)
    return figure


def _setting_labels(rows: pd.DataFrame, by: Sequence[str]) -> pd.Series:
    if not by:
        return pd.Series("all trials", index=rows.index)
    return rows[list(by)].apply(lambda r: setting_label(by, tuple(r)), axis=1)


def measured_figure(
    rows: pd.DataFrame,
    xs: Sequence[str],
    metrics: Sequence[str],
    by: Sequence[str],
    *,
    title: str,
    member_rate: float | None,
) -> Figure:
    """Metrics against measured properties; each setting's mean with intervals.

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
    xs : sequence of str
        Measured columns (one column of panels each).
    metrics : sequence of str
        One row of panels each.
    by : sequence of str
        The varied parameters: trials are coloured by setting, and each
        setting's mean of x and of the metric is drawn with both 95%
        intervals.
    title : str
    member_rate : float or None

    Returns
    -------
    matplotlib.figure.Figure
    """
    n_rows, n_cols = len(metrics), len(xs)
    figure, axes = _new_figure(n_rows, n_cols, 3.6 * n_cols + 1.2, 3.0 * n_rows + 0.4)
    labels = _setting_labels(rows, by)
    settings = list(dict.fromkeys(labels))
    colours = matplotlib.colormaps["viridis"](np.linspace(0.0, 0.85, len(settings)))
    for i, metric in enumerate(metrics):
        ys = pd.to_numeric(rows[metric], errors="coerce").to_numpy(float)
        for j, x in enumerate(xs):
            ax = axes[i, j]
            values = pd.to_numeric(rows[x], errors="coerce").to_numpy(float)
            for setting, colour in zip(settings, colours, strict=True):
                mask = (labels == setting).to_numpy() & np.isfinite(values)
                mask = mask & np.isfinite(ys)
                if not mask.any():
                    continue
                ax.scatter(values[mask], ys[mask], s=12, alpha=0.45, color=colour, lw=0)
                mx, mxl, mxh = mean_interval(values[mask])
                my, myl, myh = mean_interval(ys[mask])
                ax.errorbar(
                    [mx],
                    [my],
                    xerr=[[mx - mxl], [mxh - mx]] if np.isfinite(mxl) else None,
                    yerr=[[my - myl], [myh - my]] if np.isfinite(myl) else None,
                    color=colour,
                    marker="o",
                    ms=6,
                    mec=_MEAN_COLOUR,
                    capsize=3,
                    label=setting,
                    zorder=3,
                )
            _reference_line(ax, metric, member_rate)
            ax.set_xlabel(axis_label(x))
            ax.set_ylabel(axis_label(metric))
    handles, names = _legend_entries(axes)
    figure.legend(
        handles,
        names,
        loc="outside right upper",
        frameon=False,
        title="setting: mean, 95% CI\n(dots: trials)",
    )
    figure.suptitle(title)
    return figure


def depth_lines_figure(
    rows: pd.DataFrame,
    depth: str,
    grids: Sequence[str],
    metrics: Sequence[str],
    *,
    title: str,
    member_rate: float | None,
) -> Figure:
    """One line per depth over each swept parameter (the paper's Figure 8).

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
        Rows of a study of several grids, each crossing ``depth`` with one
        parameter of ``grids``.
    depth : str
        The depth column.
    grids : sequence of str
        The swept columns present in the rows (one column of panels each).
    metrics : sequence of str
        One row of panels each.
    title : str
    member_rate : float or None

    Returns
    -------
    matplotlib.figure.Figure
    """
    n_rows, n_cols = len(metrics), len(grids)
    figure, axes = _new_figure(n_rows, n_cols, 3.6 * n_cols + 1.0, 2.9 * n_rows + 0.4)
    depths = np.unique(pd.to_numeric(rows[depth], errors="coerce").dropna())
    colours = matplotlib.colormaps["plasma"](np.linspace(0.0, 0.8, depths.size))
    for j, column in enumerate(grids):
        sub = grid_rows(rows, column)
        xs = pd.to_numeric(sub[column], errors="coerce").to_numpy(float)
        levels = np.unique(xs[np.isfinite(xs)])
        scale = _scale(levels)
        ds = pd.to_numeric(sub[depth], errors="coerce").to_numpy(float)
        for i, metric in enumerate(metrics):
            ax = axes[i, j]
            _apply_scale(ax, scale, levels)
            ys = pd.to_numeric(sub[metric], errors="coerce").to_numpy(float)
            for k, (d, colour) in enumerate(zip(depths, colours, strict=True)):
                stats = [mean_interval(ys[(ds == d) & (xs == v)]) for v in levels]
                # Depths side by side, so that their intervals do not hide
                # each other.
                shift = (k - (depths.size - 1) / 2) * _DODGE
                placed = _jittered(levels, levels, scale, _Fixed(shift))
                means = np.array([s[0] for s in stats])
                err = np.array(
                    [
                        [s[0] - s[1], s[2] - s[0]] if np.isfinite(s[1]) else [0, 0]
                        for s in stats
                    ]
                ).T
                ax.errorbar(
                    placed,
                    means,
                    yerr=err,
                    color=colour,
                    marker="o",
                    ms=4,
                    capsize=2,
                    lw=1.2,
                    label=f"depth {d:g}",
                )
            _reference_line(ax, metric, member_rate)
            ax.set_xlabel(axis_label(column))
            ax.set_ylabel(axis_label(metric))
    handles, names = _legend_entries(axes)
    figure.legend(
        handles, names, loc="outside right upper", frameon=False, title="mean, 95% CI"
    )
    figure.suptitle(title)
    return figure


def _annotate(ax, matrix: np.ndarray, image, digits: int) -> None:
    for (i, j), value in np.ndenumerate(matrix):
        if not np.isfinite(value):
            continue
        red, green, blue, _ = image.cmap(image.norm(value))
        dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
        ax.text(
            j,
            i,
            f"{value:.{digits}f}",
            ha="center",
            va="center",
            fontsize=7.5,
            color="white" if dark else "black",
        )


def heatmap_figure(rows: pd.DataFrame, metrics: Sequence[str], *, title: str) -> Figure:
    """Mean metric per target kind and shadow kind (the paper's Table 2).

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
        Rows of a study that varies ``target.kind`` and ``shadow.kind``.
    metrics : sequence of str
        One heat map each, side by side.
    title : str

    Returns
    -------
    matplotlib.figure.Figure
    """
    figure, axes = _new_figure(1, len(metrics), 4.2 * len(metrics), 3.6)
    for ax, metric in zip(axes[0], metrics, strict=True):
        matrix = model_type_matrix(rows, metric)
        values = matrix.to_numpy(float)
        image = ax.imshow(values, cmap="viridis", aspect="auto")
        _annotate(ax, values, image, 3)
        ax.set_xticks(range(matrix.shape[1]), list(matrix.columns))
        ax.set_yticks(range(matrix.shape[0]), list(matrix.index))
        if "all" in matrix.columns:
            ax.axvline(matrix.shape[1] - 1.5, color="white", lw=2)
        ax.set_xlabel(column_label("spec.shadow.kind"))
        ax.set_ylabel(column_label("spec.target.kind"))
        ax.set_title(f"mean {column_label(metric)}")
        ax.grid(False)
        figure.colorbar(image, ax=ax, shrink=0.85)
    figure.suptitle(title)
    return figure


def correlation_figure(
    correlations: pd.DataFrame, *, method: str = "spearman", title: str
) -> Figure:
    """Heat map of the correlation of every pair of properties.

    Parameters
    ----------
    correlations : pandas.DataFrame
        :func:`miadeps.analysis.correlation_table`'s output.
    method : {"spearman", "pearson"}, default="spearman"
    title : str

    Returns
    -------
    matplotlib.figure.Figure
        Grey where a pair has no coefficient.
    """
    value = "spearman_rho" if method == "spearman" else "pearson_r"
    names = list(dict.fromkeys([*correlations["first"], *correlations["second"]]))
    index = {name: k for k, name in enumerate(names)}
    matrix = np.full((len(names), len(names)), np.nan)
    np.fill_diagonal(matrix, 1.0)
    for row in correlations.itertuples(index=False):
        i, j = index[row.first], index[row.second]
        matrix[i, j] = matrix[j, i] = getattr(row, value)
    side = max(4.5, 0.42 * len(names) + 2.5)
    figure, axes = _new_figure(1, 1, side + 1.0, side)
    ax = axes[0, 0]
    cmap = matplotlib.colormaps["RdBu_r"].with_extremes(bad="#dddddd")
    image = ax.imshow(np.ma.masked_invalid(matrix), cmap=cmap, vmin=-1, vmax=1)
    _annotate(ax, matrix, image, 2)
    labels = [column_label(n) for n in names]
    ax.set_xticks(range(len(names)), labels, rotation=60, ha="right")
    ax.set_yticks(range(len(names)), labels)
    ax.grid(False)
    ax.spines[:].set_visible(False)
    figure.colorbar(
        image, ax=ax, shrink=0.7, label=f"{method.capitalize()} coefficient"
    )
    figure.suptitle(title)
    return figure


def save_figure(figure: Figure, folder: Path, stem: str) -> tuple[Path, Path]:
    """Write a figure as ``stem.png`` and ``stem.svg`` into ``folder``.

    Parameters
    ----------
    figure : matplotlib.figure.Figure
    folder : Path
        Created if needed.
    stem : str
        File name without extension.

    Returns
    -------
    png, svg : Path

    Notes
    -----
    The SVG has no date and fixed element ids (``svg.hashsalt``); the PNG
    records only matplotlib's version. Rerunning a report on the same rows
    gives identical files.
    """
    folder.mkdir(parents=True, exist_ok=True)
    png, svg = folder / f"{stem}.png", folder / f"{stem}.svg"
    with matplotlib.rc_context(_STYLE):
        figure.savefig(png, format="png", dpi=_PNG_DPI)
        figure.savefig(svg, format="svg", metadata={"Date": None})
    return png, svg


def style():
    """A context in which figures get the report's look (use around drawing)."""
    return matplotlib.rc_context(_STYLE)
