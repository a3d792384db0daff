"""Writing the whole report of a run folder: figures, tables, report.html."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from miadeps.analysis import (
    CORRELATION_CLAIM,
    check_correlation_claim,
    correlation_table,
    property_columns,
)
from miadeps.exceptions import ConfigError
from miadeps.reports._attack_sections import add_attack_comparison
from miadeps.reports._figures import correlation_figure, save_figure, style
from miadeps.reports._format import correlation_text, write_table
from miadeps.reports._html import ReportExtras, render_html, software_versions
from miadeps.reports._runs import load_runs
from miadeps.reports._sections import FigureFile, TableBlock, build_section

logger = logging.getLogger(__name__)

__all__ = ["REPORT_FILE", "write_report"]

REPORT_FILE = "report.html"
# Table 4 needs enough trials for a coefficient to mean something.
_MIN_TRIALS_FOR_CORRELATIONS = 8


def _undefended(rows: pd.DataFrame) -> pd.DataFrame:
    """The trials whose target trained without a defense.

    Table 4 relates the properties of data and models as they come; a
    defense's regularizer changes the model on purpose (and the defenses
    study would otherwise weigh in with its many defended trials).
    """
    if "spec.defense.name" not in rows.columns:
        return rows
    name = rows["spec.defense.name"]
    return rows[name.isna() | (name == "none")]


def _correlations(
    rows: pd.DataFrame, figures: Path, tables: Path
) -> tuple[TableBlock | None, FigureFile | None, list, list[str]]:
    used, constant = property_columns(rows)
    if len(rows) < _MIN_TRIALS_FOR_CORRELATIONS or len(used) < 2:
        return None, None, [], constant
    table = correlation_table(rows, used)
    if table.empty:
        return None, None, [], constant
    shown = correlation_text(table)
    title = (
        "Table 4: correlation between every pair of properties, all undefended trials"
    )
    block = TableBlock(
        title,
        shown,
        *write_table(table, tables, "table4_correlations", shown=shown, title=title),
    )
    with style():
        figure = correlation_figure(
            table, title=f"Spearman correlation over {len(rows)} trials"
        )
        png, svg = save_figure(figure, figures, "table4_correlations")
    caption = (
        f"Table 4: Spearman's rho between every pair of measured properties over "
        f"all {len(rows)} stored trials of undefended targets (each pair over the "
        "trials that have both; "
        "grey: no trial has both)."
    )
    figure_file = FigureFile(png, svg, caption, "Heat map of Spearman correlations")
    return block, figure_file, check_correlation_claim(table), constant


def write_report(
    run_dir: str | Path,
    out_dir: str | Path | None = None,
    *,
    min_accuracy: float | None = None,
) -> Path:
    """Write the report of one study run, or of every run in a folder.

    Parameters
    ----------
    run_dir : str or Path
        A study's run directory (holding ``results.duckdb``), or a folder of
        them (``miadeps study run paper --out FOLDER``).
    out_dir : str or Path, optional
        Where to write; default ``run_dir/report``. Gets ``report.html``,
        ``figures/`` (PNG and SVG) and ``tables/`` (CSV and Markdown).
    min_accuracy : float, optional
        Leave out settings whose target's mean train or test accuracy is
        below this, so that only models of similar utility are compared (the
        paper's filter). Default: keep every setting.

    Returns
    -------
    Path
        The ``report.html`` written.

    Raises
    ------
    StoreError
        If ``run_dir`` holds no results store, or one cannot be read.
    ConfigError
        If ``min_accuracy`` is outside [0, 1].

    Notes
    -----
    The claims are decided from the stored trials by the rules of
    :mod:`miadeps.analysis`. Writing the report again from the same stores
    gives identical files. Nothing is trained.
    """
    if min_accuracy is not None and not 0.0 <= min_accuracy <= 1.0:
        raise ConfigError(
            f"min_accuracy must lie in [0, 1]; got {min_accuracy!r}; give e.g. 0.7"
        )
    runs = load_runs(run_dir)
    out = Path(out_dir) if out_dir is not None else Path(run_dir) / "report"
    figures, tables = out / "figures", out / "tables"
    out.mkdir(parents=True, exist_ok=True)

    sections = [
        add_attack_comparison(
            build_section(run, figures, tables, min_accuracy=min_accuracy),
            figures,
            tables,
        )
        for run in runs
    ]
    verdicts = [
        {
            "study": s.run.name,
            "reference": s.claim.reference,
            "paper_claim": s.claim.claim,
        }
        | v.as_dict()
        for s in sections
        if s.claim is not None
        for v in s.verdicts
    ]
    all_rows = pd.concat(
        [s.rows for s in sections if not s.rows.empty] or [pd.DataFrame()],
        ignore_index=True,
    )
    block, figure, corr_verdicts, constant = _correlations(
        _undefended(all_rows), figures, tables
    )
    verdicts += [
        {"study": "", "reference": "Table 4", "paper_claim": CORRELATION_CLAIM.claim}
        | v.as_dict()
        for v in corr_verdicts
    ]
    claims = pd.DataFrame(verdicts)
    if not claims.empty:
        shown = claims[["reference", "claim", "metric", "outcome", "sentence"]]
        write_table(
            claims, tables, "claims_checked", shown=shown, title="Claims checked"
        )

    extras = ReportExtras(
        source=Path(run_dir),
        correlations=block,
        correlation_claim=CORRELATION_CLAIM,
        correlation_verdicts=corr_verdicts,
        correlation_figure=figure,
        dropped_constant=constant,
        min_accuracy=min_accuracy,
        versions=software_versions(),
    )
    page = out / REPORT_FILE
    page.write_text(render_html(sections, extras, out), encoding="utf-8")
    logger.info("wrote %s (%d studies)", page, len(sections))
    return page
