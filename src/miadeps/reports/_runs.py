"""Finding the study runs under a folder and reading what a report needs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from miadeps.exceptions import StoreError
from miadeps.experiments import (
    PAPER_STUDIES,
    STORE_FILE,
    StudySpec,
    expand_trials,
    open_run,
    varied_columns,
)

logger = logging.getLogger(__name__)

__all__ = ["StudyRun", "find_run_dirs", "load_runs"]


@dataclass
class StudyRun:
    """One study's run directory, read once for the report.

    Attributes
    ----------
    run_dir : Path
    spec : StudySpec
        The spec the results were computed with.
    rows : pandas.DataFrame of shape (n_trials, n_columns)
        Every finished trial's row, ordered by key.
    failures : pandas.DataFrame
        The latest failure of each trial without a row.
    meta : dict of str to str
        The store's metadata (versions that wrote it, creation time).
    expected : int
        Trials the spec defines.
    spec_text : str
        The spec as TOML (the run's ``spec.toml``) or JSON.
    """

    run_dir: Path
    spec: StudySpec
    rows: pd.DataFrame
    failures: pd.DataFrame
    meta: dict
    expected: int
    spec_text: str

    @property
    def name(self) -> str:
        """The study's name."""
        return self.spec.name

    @property
    def by(self) -> list[str]:
        """Result columns of the varied parameters present in the rows."""
        columns = varied_columns(self.spec.varied_paths())
        return [c for c in columns if c in self.rows.columns]


def _order(path: Path) -> tuple[int, str]:
    """The paper's order first, then by name."""
    name = path.name
    rank = PAPER_STUDIES.index(name) if name in PAPER_STUDIES else len(PAPER_STUDIES)
    return rank, name


def find_run_dirs(path: str | Path) -> list[Path]:
    """The study run directories at ``path``: itself, or its subfolders.

    Parameters
    ----------
    path : str or Path
        A run directory (holding ``results.duckdb``) or a folder whose
        subfolders are run directories, as ``miadeps study run paper``
        writes them.

    Returns
    -------
    list of Path
        Built-in studies in the paper's order, then others by name.

    Raises
    ------
    StoreError
        If neither ``path`` nor any subfolder holds a results store.
    """
    path = Path(path)
    if (path / STORE_FILE).is_file():
        return [path]
    found = []
    if path.is_dir():
        found = [p for p in path.iterdir() if (p / STORE_FILE).is_file()]
    if not found:
        raise StoreError(
            f"no {STORE_FILE} in {path} or its subfolders; give a folder that "
            f"`miadeps study run STUDY --out FOLDER` wrote"
        )
    return sorted(found, key=_order)


def load_runs(path: str | Path) -> list[StudyRun]:
    """Read every study run at ``path`` (see :func:`find_run_dirs`).

    Returns
    -------
    list of StudyRun

    Raises
    ------
    StoreError
        If there is no store, or a store cannot be read.
    """
    runs = []
    for run_dir in find_run_dirs(path):
        spec, store = open_run(run_dir)
        toml = run_dir / "spec.toml"
        text = toml.read_text() if toml.is_file() else spec.model_dump_json(indent=2)
        runs.append(
            StudyRun(
                run_dir=run_dir,
                spec=spec,
                rows=store.rows(),
                failures=store.failures(),
                meta=store.meta(),
                expected=len(expand_trials(spec)),
                spec_text=text,
            )
        )
        logger.info(
            "read %d trials of %s from %s", len(runs[-1].rows), spec.name, run_dir
        )
    return runs
