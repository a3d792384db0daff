"""One study's part of the report: its verdicts, figures and tables, as files.

:func:`build_section` runs the analysis on a study's rows, writes its figures
and tables, and returns what the HTML page shows about it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from miadeps.analysis import (
    LOWER_BOUND_QUANTILE,
    PAPER_CLAIMS,
    PaperClaim,
    Verdict,
    check_claims,
    depth_l2_table,
    drop_low_utility,
    model_type_matrix,
    setting_label,
    summary_table,
)
from miadeps.reports._figures import (
    depth_lines_figure,
    heatmap_figure,
    measured_figure,
    save_figure,
    style,
    sweep_figure,
)
from miadeps.reports._format import summary_text, write_table
from miadeps.reports._runs import StudyRun

logger = logging.getLogger(__name__)

__all__ = ["FigureFile", "StudySection", "TableBlock", "build_section"]

#: Where accuracy is plotted, the balanced metrics sit beside it.
FIGURE_METRICS = ("attack.accuracy", "attack.balanced_accuracy", "attack.auc")
_DEPTH = "spec.target.params.depth"
_SWEPT = (
    "spec.target.params.width",
    "spec.target.params.learning_rate",
    "spec.target.params.l2",
)
_KINDS = {"spec.target.kind", "spec.shadow.kind"}
# Studies whose claim is about the lower bound of the metric.
_LOWER_BOUND_STUDIES = ("class-balance", "feature-balance")
# Studies whose grid only spreads a property that is then measured per trial:
# their figure plots the metric against the measured value.
_MEASURED = {
    "entropy": ("data.entropy",),
    "mutual-information": ("model.mutual_information",),
    "indistinguishability": ("model.mia_indistinguishability",),
    "fairness": (
        "model.group_fairness",
        "model.predictive_fairness",
        "model.individual_fairness",
    ),
}


@dataclass(frozen=True)
class FigureFile:
    """A figure written as PNG and SVG, with its caption."""

    png: Path
    svg: Path
    caption: str
    alt: str


@dataclass(frozen=True)
class TableBlock:
    """A table written as CSV and Markdown, and what the page shows of it."""

    title: str
    shown: pd.DataFrame
    csv: Path
    md: Path
    index: bool = False


@dataclass
class StudySection:
    """Everything the report says about one study.

    Attributes
    ----------
    run : StudyRun
    rows : pandas.DataFrame
        The rows analysed (after the utility filter, if any).
    claim : PaperClaim or None
        The paper's claim this study tests; None for a study of your own.
    verdicts : list of Verdict
    figures : list of FigureFile
    tables : list of TableBlock
    notes : list of str
        What the reader should know (settings dropped, no trials yet...).
    """

    run: StudyRun
    rows: pd.DataFrame
    claim: PaperClaim | None
    verdicts: list[Verdict] = field(default_factory=list)
    figures: list[FigureFile] = field(default_factory=list)
    tables: list[TableBlock] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        """The id of the study's section in the page."""
        return f"study-{self.run.name}"


def member_rates(rows: pd.DataFrame) -> list[float]:
    """The member rates the trials used."""
    for column in ("member_rate", "spec.sampling.member_rate"):
        if column in rows.columns:
            values = pd.to_numeric(rows[column], errors="coerce").dropna()
            return sorted(float(v) for v in values.unique())
    return []


def _caption(run: StudyRun, rows: pd.DataFrame, what: str) -> str:
    rates = member_rates(rows)
    settings = rows["setting"].nunique() if "setting" in rows.columns else 1
    text = (
        f"{run.spec.reference or run.name}: {what} {len(rows)} trials, "
        f"{settings} settings, up to {run.spec.reps} repetitions each."
    )
    if rates:
        shown = ", ".join(f"{r:.0%}" for r in rates)
        text += (
            f" Member rate {shown}: an attack that always answers 'member' scores "
            f"{max(max(rates), 1 - min(rates)):.2f} accuracy (dashed red line in "
            "the accuracy panels); balanced accuracy and AUC are 0.5 for an attack "
            "without skill."
        )
    return text


def _figure(run: StudyRun, rows: pd.DataFrame, folder: Path) -> list[FigureFile]:
    if any(c.startswith("attacks.") for c in rows.columns):
        # A comparison of attacks gets one ROC figure per target instead
        # (see miadeps.reports._attack_sections).
        return []
    metrics = [m for m in FIGURE_METRICS if m in rows.columns]
    by = [c for c in run.by if rows[c].notna().any()]
    rates = member_rates(rows)
    rate = rates[0] if len(rates) == 1 else None
    title = f"{run.spec.reference or 'study'} · {run.name}" + (
        f" · member rate {rate:.0%}" if rate is not None else ""
    )
    measured = [c for c in _MEASURED.get(run.name, ()) if c in rows.columns]
    swept = [c for c in _SWEPT if c in by]

    if measured:
        figure = measured_figure(
            rows, measured, metrics, by, title=title, member_rate=rate
        )
        what = (
            "attack results against the measured "
            + ", ".join(c.split(".")[-1].replace("_", " ") for c in measured)
            + "; dots are trials coloured by setting, large markers each "
            "setting's means with 95% intervals of both;"
        )
    elif _DEPTH in by and swept and len(run.spec.vary) > 1:
        figure = depth_lines_figure(
            rows, _DEPTH, swept, metrics, title=title, member_rate=rate
        )
        what = "one line per depth, mean and 95% interval per setting, over"
    elif _KINDS <= set(by):
        figure = heatmap_figure(rows, metrics, title=title)
        what = "mean per target and shadow model kind ('all': every kind at once), over"
    else:
        x, label = (by[0], None) if len(by) == 1 else ("_setting", "setting")
        if x == "_setting":
            # Settings in the order of their values, not of their keys' text.
            rows = rows.sort_values(by, kind="stable") if by else rows
            rows = rows.assign(
                _setting=rows[by].apply(lambda r: setting_label(by, tuple(r)), axis=1)
                if by
                else "all trials"
            )
        quantile = LOWER_BOUND_QUANTILE if run.name in _LOWER_BOUND_STUDIES else None
        figure = sweep_figure(
            rows,
            x,
            metrics,
            title=title,
            member_rate=rate,
            x_label=label,
            lower_quantile=quantile,
        )
        what = "every trial (dots) and the mean with its 95% Student-t interval"
        if quantile is not None:
            what += (
                f" and the {quantile:.0%} quantile (the lower bound the claim is about)"
            )
        what += ", over"

    png, svg = save_figure(figure, folder, run.name)
    alt = f"Figure of study {run.name}: {run.spec.description or run.name}"
    return [FigureFile(png, svg, _caption(run, rows, what), alt)]


def _summary_metrics(run: StudyRun) -> list[str]:
    metrics = list(run.spec.metrics)
    if "attack.accuracy" in metrics and "attack.balanced_accuracy" not in metrics:
        metrics.insert(metrics.index("attack.accuracy") + 1, "attack.balanced_accuracy")
    return metrics


def _tables(run: StudyRun, rows: pd.DataFrame, folder: Path) -> list[TableBlock]:
    by = run.by
    summary = summary_table(rows, by, _summary_metrics(run))
    shown = summary_text(summary, by)
    title = f"{run.name}: mean ± half-width of the 95% interval per setting"
    blocks = [
        TableBlock(
            title,
            shown,
            *write_table(summary, folder, run.name, shown=shown, title=title),
        )
    ]

    if set(by) == {_DEPTH, "spec.target.params.l2"}:
        table = depth_l2_table(rows)
        shown = summary_text(table, [_DEPTH, "spec.target.params.l2"])
        title = "Table 3: train, test and attack accuracy per depth and L2 weight"
        files = write_table(table, folder, "table3_depth_l2", shown=shown, title=title)
        blocks.append(TableBlock(title, shown, *files))
    if _KINDS <= set(by):
        matrices = []
        for metric in [m for m in FIGURE_METRICS if m in rows.columns]:
            matrix = model_type_matrix(rows, metric)
            matrices.append(
                matrix.assign(metric=metric).set_index("metric", append=True)
            )
        data = pd.concat(matrices).reorder_levels(["metric", "target"])
        shown = data.map(lambda v: f"{v:.3f}")
        title = "Table 2: mean attack result per target kind (rows) and shadow kind"
        files = write_table(
            data, folder, "table2_model_types", shown=shown, title=title, index=True
        )
        blocks.append(TableBlock(title, shown, *files, index=True))
    return blocks


def build_section(
    run: StudyRun,
    figures: Path,
    tables: Path,
    *,
    min_accuracy: float | None = None,
) -> StudySection:
    """Analyse one study and write its figures and tables.

    Parameters
    ----------
    run : StudyRun
    figures, tables : Path
        Folders for the figure files and the table files.
    min_accuracy : float, optional
        Drop settings whose target's mean train or test accuracy is below
        this (see :func:`miadeps.analysis.drop_low_utility`).

    Returns
    -------
    StudySection
    """
    rows = run.rows
    section = StudySection(run, rows, PAPER_CLAIMS.get(run.name))
    if rows.empty:
        section.notes.append("No finished trials yet: run the study to fill it.")
        return section
    if min_accuracy is not None:
        rows, dropped = drop_low_utility(rows, run.by, min_accuracy)
        section.rows = rows
        if dropped:
            section.notes.append(
                f"{len(dropped)} setting(s) dropped because the target's mean train "
                f"or test accuracy is below {min_accuracy:g}: " + "; ".join(dropped)
            )
        if rows.empty:
            section.notes.append("No setting is left after the utility filter.")
            return section

    # Imported here: it builds on this module's FigureFile and TableBlock.
    from miadeps.reports._defense_sections import defense_parts

    defended = defense_parts(run, rows, figures, tables)
    claim_rows = defended.claim_rows if defended else rows
    section.verdicts = check_claims(run.name, claim_rows)
    with style():
        section.figures = defended.figures if defended else _figure(run, rows, figures)
    section.tables = _tables(run, rows, tables) + (defended.tables if defended else [])
    return section
