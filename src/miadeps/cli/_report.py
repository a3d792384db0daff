"""``miadeps report``: figures, tables and an HTML page from stored study results."""

from __future__ import annotations

import logging
from pathlib import Path

import typer

from miadeps.cli._app import app, state
from miadeps.exceptions import ConfigError

logger = logging.getLogger(__name__)


@app.command()
def report(
    run_dir: Path = typer.Argument(
        ...,
        help="A study's run directory, or a folder of them (what `miadeps study "
        "run paper --out FOLDER` writes).",
    ),
    out: Path = typer.Option(
        None, "--out", help="Folder to write the report to (default DIR/report)."
    ),
    min_accuracy: float = typer.Option(
        None,
        "--min-accuracy",
        help="Leave out settings whose target's mean train or test accuracy is "
        "below this (the paper compares models of similar utility).",
    ),
) -> None:
    """Write report.html, figures (PNG, SVG) and tables (CSV, Markdown).

    Each claim of the paper is decided from the stored trials by a stated
    test; nothing is trained.
    """
    if min_accuracy is not None and not 0.0 <= min_accuracy <= 1.0:
        raise ConfigError(
            f"--min-accuracy must lie between 0 and 1; got {min_accuracy}"
        )
    # Imported here: matplotlib is needed by this command only.
    from miadeps.reports import write_report

    page = write_report(run_dir, out, min_accuracy=min_accuracy)
    state["err"].print(
        f"wrote {page}; figures in {page.parent / 'figures'}, tables in "
        f"{page.parent / 'tables'}",
        markup=False,
    )
    state["out"].print(str(page), markup=False, highlight=False, soft_wrap=True)
