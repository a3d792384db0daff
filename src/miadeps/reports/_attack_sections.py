"""The report's part for a study that runs several attacks on each target.

A trial that runs extra attacks (``attack.also`` in its spec) stores, for
every attack, the metrics of :func:`miadeps.metrics.attack_report` and its
ROC curve at :data:`miadeps.experiments.ROC_FPR_GRID` under
``attacks.<key>.*``. For each target (setting) of such a study this module
draws the mean ROC curve of every attack on log-log axes and tabulates TPR
at 0.1% and 1% FPR, AUC and balanced accuracy with 95% intervals.
"""

from __future__ import annotations

import json
import logging
import math
from pathlib import Path

import numpy as np
import pandas as pd

from miadeps.analysis import summary_table
from miadeps.experiments import ROC_FPR_GRID
from miadeps.reports._attack_figures import attack_roc_figure
from miadeps.reports._figures import save_figure, style
from miadeps.reports._format import interval_text, write_table
from miadeps.reports._sections import (
    FigureFile,
    StudySection,
    TableBlock,
    member_rates,
)

logger = logging.getLogger(__name__)

__all__ = [
    "ATTACK_NAMES",
    "TABLE_METRICS",
    "add_attack_comparison",
    "compared_attacks",
    "mean_roc",
]

#: Attack keys in the order they are shown, with their names in words.
ATTACK_NAMES: dict[str, str] = {
    "shadow": "shadow models (Shokri)",
    "loss": "loss threshold",
    "confidence": "confidence threshold",
    "entropy": "entropy threshold",
    "modified_entropy": "modified entropy threshold",
    "lira_online": "LiRA online",
    "lira_offline": "LiRA offline",
    "rmia_online": "RMIA online",
    "rmia_offline": "RMIA offline",
}
#: The columns of the comparison table, under ``attacks.<key>.``, in words.
TABLE_METRICS: dict[str, str] = {
    "tpr_at_fpr.0.001": "TPR at 0.1% FPR",
    "tpr_at_fpr.0.01": "TPR at 1% FPR",
    "auc": "AUC",
    "balanced_accuracy": "balanced accuracy",
}
_ROC = "roc_tpr"
_GRID = "attacks.roc_fpr"


def compared_attacks(rows: pd.DataFrame) -> list[str]:
    """Keys of the attacks whose results the rows hold, in display order.

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)

    Returns
    -------
    list of str
        Keys of :data:`ATTACK_NAMES` with an ``attacks.<key>.auc`` column;
        empty for rows of a study that ran the shadow-model attack alone.
    """
    return [k for k in ATTACK_NAMES if f"attacks.{k}.auc" in rows.columns]


def mean_roc(rows: pd.DataFrame, key: str) -> tuple[np.ndarray, np.ndarray, int]:
    """An attack's ROC curve averaged over trials, point by point.

    Parameters
    ----------
    rows : pandas.DataFrame of shape (n_trials, n_columns)
        Trials of one target.
    key : str
        The attack's key, e.g. ``"lira_online"``.

    Returns
    -------
    fpr : ndarray of shape (n_points,)
        The grid the curves were stored at (the rows' ``attacks.roc_fpr``,
        or :data:`~miadeps.experiments.ROC_FPR_GRID`).
    tpr : ndarray of shape (n_points,)
        Mean TPR of the trials at each rate (vertical averaging).
    n : int
        Trials averaged.
    """
    grid = np.asarray(ROC_FPR_GRID)
    if _GRID in rows.columns and rows[_GRID].notna().any():
        grid = np.asarray(json.loads(rows[_GRID].dropna().iloc[0]), dtype=float)
    curves = [
        json.loads(text)
        for text in rows[f"attacks.{key}.{_ROC}"].dropna()
        if isinstance(text, str)
    ]
    curves = [c for c in curves if len(c) == grid.size]
    if not curves:
        return grid, np.full(grid.size, np.nan), 0
    return grid, np.asarray(curves, dtype=float).mean(axis=0), len(curves)


def _target_label(by: list[str], values: tuple) -> str:
    """A setting in words, leaving out the parameters it does not set."""
    parts = []
    for column, value in zip(by, values, strict=True):
        if pd.isna(value):
            continue
        name = column.removeprefix("spec.").removeprefix("target.params.")
        shown = f"{value:g}" if isinstance(value, float) else str(value)
        parts.append(f"{name} {shown}")
    return ", ".join(parts) or "all trials"


def _table(rows: pd.DataFrame, keys: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The comparison of one target's attacks: numbers and shown text."""
    metrics = [f"attacks.{k}.{m}" for k in keys for m in TABLE_METRICS]
    summary = summary_table(rows, [], metrics)
    data, shown = [], []
    for key in keys:
        number = {"attack": key}
        text = {"attack": ATTACK_NAMES[key]}
        for metric, label in TABLE_METRICS.items():
            found = summary[summary["metric"] == f"attacks.{key}.{metric}"]
            if found.empty:
                mean = half = math.nan
                n = 0
            else:
                mean, half = found["mean"].iloc[0], found["half_width"].iloc[0]
                n = int(found["n"].iloc[0])
            number.update({metric: mean, f"{metric}.half_width": half})
            text[label] = interval_text(mean, half)
        number["trials"] = n
        text["trials"] = str(n)
        data.append(number)
        shown.append(text)
    return pd.DataFrame(data), pd.DataFrame(shown)


def _accuracy_text(rows: pd.DataFrame) -> str:
    parts = []
    for column, name in (
        ("target.train_accuracy", "train"),
        ("target.test_accuracy", "test"),
    ):
        if column in rows.columns:
            value = pd.to_numeric(rows[column], errors="coerce").mean()
            if np.isfinite(value):
                parts.append(f"{name} accuracy {value:.3f}")
    return ", ".join(parts)


def _resolution_text(rows: pd.DataFrame) -> str:
    """What the lowest false-positive rates of the curves can mean."""
    if not {"attack.n_records", "attack.member_rate"} <= set(rows.columns):
        return ""
    records = pd.to_numeric(rows["attack.n_records"], errors="coerce")
    rates = pd.to_numeric(rows["attack.member_rate"], errors="coerce")
    outsiders = (records * (1 - rates)).round().min()
    if not np.isfinite(outsiders) or outsiders < 1:
        return ""
    return (
        f" A trial has {outsiders:.0f} non-members: below an FPR of "
        f"1/{outsiders:.0f} = {1 / outsiders:.2%} a curve shows the members an "
        "attack ranks above every non-member (TPR at no false positive)."
    )


def add_attack_comparison(
    section: StudySection, figures: Path, tables: Path
) -> StudySection:
    """Add each target's ROC figure and attack table to a study's section.

    Parameters
    ----------
    section : StudySection
        A built section (see :func:`~miadeps.reports._sections.build_section`);
        left as it is when its rows hold no extra attacks.
    figures, tables : Path
        Folders for the figure files and the table files.

    Returns
    -------
    StudySection
        ``section``, with one figure and one table per target appended.
    """
    rows = section.rows
    keys = compared_attacks(rows) if not rows.empty else []
    if not keys:
        return section
    run = section.run
    by = [c for c in run.by if rows[c].notna().any()]
    rates = member_rates(rows)
    rate_text = ", ".join(f"{r:.0%}" for r in rates) or "unknown"
    groups = rows.groupby(by, dropna=False, sort=True) if by else [((), rows)]

    for number, (values, group) in enumerate(groups, start=1):
        values = values if isinstance(values, tuple) else (values,)
        target = _target_label(by, values)
        accuracy = _accuracy_text(group)
        stem = f"{run.name}_attacks_target{number}"

        curves, counts = {}, []
        for key in keys:
            grid, tpr, n = mean_roc(group, key)
            curves[ATTACK_NAMES[key]] = tpr
            counts.append(n)
        with style():
            figure = attack_roc_figure(
                grid, curves, title=f"Target {number}: {target} ({accuracy})"
            )
            png, svg = save_figure(figure, figures, f"{stem}_roc")
        caption = (
            f"Target {number} ({target}; {accuracy}): ROC curve of every attack "
            f"on the same target and records, mean TPR over up to {max(counts)} "
            f"repetitions at {grid.size} false-positive rates from {grid[0]:g} "
            f"to 1, log-log axes; dotted lines at 0.1% and 1% FPR, dashed the "
            f"diagonal of an attack that guesses. Member rate {rate_text}. A TPR "
            "of 0 is drawn at the bottom edge." + _resolution_text(group)
        )
        section.figures.append(
            FigureFile(png, svg, caption, f"Log-log ROC curves of target {number}")
        )

        data, shown = _table(group, keys)
        title = (
            f"Target {number} ({target}): each attack's mean ± half-width of the "
            f"95% interval, member rate {rate_text}"
        )
        files = write_table(data, tables, stem, shown=shown, title=title)
        section.tables.append(TableBlock(title, shown, *files))
    section.notes.append(
        f"{len(keys)} attacks ran on every target of this study; each target's "
        "ROC figure and table below compare them on the very same target and "
        "records. Accuracy-based metrics use each attack's own decision rule; "
        "TPR at a fixed FPR and AUC do not depend on it."
    )
    return section
