"""Tables as text: readable cells, Markdown, and the CSV and Markdown files."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from miadeps.analysis import column_label

logger = logging.getLogger(__name__)

__all__ = [
    "correlation_text",
    "interval_text",
    "markdown_table",
    "summary_text",
    "value_text",
    "write_table",
]


def value_text(value, digits: int = 4) -> str:
    """A cell: numbers to ``digits`` significant figures, NaN and None empty."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (bool, np.bool_)):
        return str(bool(value)).lower()
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{digits}g}"
    return str(value)


def interval_text(mean: float, half: float) -> str:
    """``"0.7512 ± 0.0031"``; the mean alone where the interval is undefined."""
    if math.isnan(mean):
        return "n/a"
    if math.isnan(half):
        return f"{mean:.4f}"
    return f"{mean:.4f} ± {half:.4f}"


def summary_text(summary: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """The long per-setting summary as one row per setting, ready to show.

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`miadeps.analysis.summary_table`'s output.
    by : sequence of str
        Its setting columns.

    Returns
    -------
    pandas.DataFrame of str
        Columns: each setting column's name in words, ``trials`` (the
        largest ``n`` of the setting's metrics), then one column per metric
        holding ``mean ± half-width`` of the 95% interval.
    """
    by = [c for c in by if c in summary.columns]
    metrics = list(dict.fromkeys(summary["metric"]))
    out = []
    groups = summary.groupby(by, dropna=False, sort=False) if by else [((), summary)]
    for values, group in groups:
        values = values if isinstance(values, tuple) else (values,)
        cells = {
            column_label(row.metric): interval_text(row.mean, row.half_width)
            for row in group.itertuples()
        }
        out.append(
            {
                **{
                    column_label(c): value_text(v)
                    for c, v in zip(by, values, strict=True)
                },
                "trials": str(int(group["n"].max())),
                **cells,
            }
        )
    columns = [column_label(c) for c in by] + ["trials"]
    columns += [column_label(m) for m in metrics]
    return pd.DataFrame(out, columns=columns).fillna("")


def correlation_text(correlations: pd.DataFrame) -> pd.DataFrame:
    """Table 4 with readable names and rounded numbers."""
    return pd.DataFrame(
        {
            "first": correlations["first"].map(column_label),
            "second": correlations["second"].map(column_label),
            "n": correlations["n"].map(value_text),
            "Pearson r": correlations["pearson_r"].map(lambda v: f"{v:.3f}"),
            "Pearson p": correlations["pearson_p"].map(lambda v: f"{v:.2g}"),
            "Spearman rho": correlations["spearman_rho"].map(lambda v: f"{v:.3f}"),
            "Spearman p": correlations["spearman_p"].map(lambda v: f"{v:.2g}"),
        }
    )


def _markdown_cell(value) -> str:
    return value_text(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(frame: pd.DataFrame, *, index: bool = False) -> str:
    """A DataFrame as a GitHub-flavoured Markdown table.

    Parameters
    ----------
    frame : pandas.DataFrame
    index : bool, default=False
        Include the index as the first column.

    Returns
    -------
    str
        Ending in a newline; pipes in cells are escaped.
    """
    if index:
        frame = frame.reset_index()
    header = [_markdown_cell(c) for c in frame.columns]
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    lines = [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join("---:" if n else "---" for n in numeric) + " |",
    ]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(_markdown_cell(v) for v in row) + " |")
    return "\n".join(lines) + "\n"


def write_table(
    data: pd.DataFrame,
    folder: Path,
    stem: str,
    *,
    shown: pd.DataFrame | None = None,
    title: str = "",
    index: bool = False,
) -> tuple[Path, Path]:
    """Write ``stem.csv`` (the numbers) and ``stem.md`` (readable) to ``folder``.

    Parameters
    ----------
    data : pandas.DataFrame
        Written to the CSV at full precision.
    folder : Path
        Created if needed.
    stem : str
    shown : pandas.DataFrame, optional
        What the Markdown shows; default ``data``.
    title : str, default=""
        A heading line above the Markdown table.
    index : bool, default=False
        Write the index too (a matrix).

    Returns
    -------
    csv, md : Path
    """
    folder.mkdir(parents=True, exist_ok=True)
    csv, md = folder / f"{stem}.csv", folder / f"{stem}.md"
    data.to_csv(csv, index=index, lineterminator="\n")
    text = markdown_table(data if shown is None else shown, index=index)
    md.write_text((f"# {title}\n\n" if title else "") + text)
    return csv, md
