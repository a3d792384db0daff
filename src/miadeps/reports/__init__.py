"""Reports: figures, tables and one HTML page from stored study results.

:func:`write_report` reads a study's run directory, or a folder of them,
runs the analysis (:mod:`miadeps.analysis`) and writes ``report.html`` (self
contained: figures embedded, no script, no network), the figures as PNG and
SVG and the tables as CSV and Markdown. Nothing here trains a model.

The figure functions (:func:`sweep_figure`, :func:`measured_figure`,
:func:`depth_lines_figure`, :func:`heatmap_figure`,
:func:`correlation_figure`, :func:`attack_roc_figure`) draw on
matplotlib's Agg canvas without pyplot, so importing or using them changes
no global matplotlib state.
"""

from __future__ import annotations

from miadeps.reports._attack_figures import attack_roc_figure
from miadeps.reports._figures import (
    correlation_figure,
    depth_lines_figure,
    heatmap_figure,
    measured_figure,
    save_figure,
    sweep_figure,
)
from miadeps.reports._format import markdown_table, write_table
from miadeps.reports._report import REPORT_FILE, write_report
from miadeps.reports._runs import StudyRun, find_run_dirs, load_runs

__all__ = [
    "REPORT_FILE",
    "StudyRun",
    "attack_roc_figure",
    "correlation_figure",
    "depth_lines_figure",
    "find_run_dirs",
    "heatmap_figure",
    "load_runs",
    "markdown_table",
    "measured_figure",
    "save_figure",
    "sweep_figure",
    "write_report",
    "write_table",
]
