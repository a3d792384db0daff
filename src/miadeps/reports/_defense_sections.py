"""The report's part for a study that varies the defense: Table 5, trade-off.

A study whose grids vary ``defense.name`` gets, instead of the generic sweep
figure, the trade-off figure of :mod:`miadeps.reports._defense_figure`, and
next to its per-setting summary the paper's Table 5: one row per defense at
its table setting. The first setting of each defense and target recipe, in
grid order, is the table's; the later ones are its sweep, drawn in the
figure only.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from miadeps.analysis import (
    DEFENSE_COLUMN,
    DEFENSE_TABLE_METRICS,
    column_label,
    defense_table,
    target_columns,
)
from miadeps.experiments import StudySpec, setting_key
from miadeps.reports._defense_figure import target_label, tradeoff_figure
from miadeps.reports._figures import save_figure, style
from miadeps.reports._format import interval_text, write_table
from miadeps.reports._runs import StudyRun
from miadeps.reports._sections import FigureFile, TableBlock, member_rates

logger = logging.getLogger(__name__)

__all__ = ["DefenseParts", "defense_parts", "table_settings"]

_DEFENSE_PREFIX = "defense."
# Result columns whose readable names the analysis labels do not know.
_NAMES = {
    "defense.max_diff": "max diff of r",
    "defense.epsilon": "DP epsilon",
}


@dataclass
class DefenseParts:
    """What a defense study adds to its section.

    Attributes
    ----------
    claim_rows : pandas.DataFrame
        The rows of the table settings, on which the claim is decided.
    figures : list of FigureFile
    tables : list of TableBlock
    """

    claim_rows: pd.DataFrame
    figures: list[FigureFile] = field(default_factory=list)
    tables: list[TableBlock] = field(default_factory=list)


def table_settings(spec: StudySpec) -> set[str]:
    """Setting keys of the Table 5 settings: the first of each defense and target.

    Parameters
    ----------
    spec : StudySpec

    Returns
    -------
    set of str
        Keys as in :func:`miadeps.experiments.setting_key`. Settings are
        taken in grid order; the first one of each defense name and target
        recipe (the values of every varied path outside ``defense.``) is
        the table's, the later ones sweep that defense's setting.
    """
    keys, seen = set(), set()
    for values in spec.settings():
        name = values.get("defense.name", spec.defense.name)
        recipe = {p: v for p, v in values.items() if not p.startswith(_DEFENSE_PREFIX)}
        target = setting_key("", dict(sorted(recipe.items())))
        if (name, target) not in seen:
            seen.add((name, target))
            keys.add(setting_key(spec.name, values))
    return keys


def _table_text(table: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """One row per target and defense: ``mean ± half-width`` per metric."""
    out = []
    groups = table.groupby(by, sort=False, dropna=False)
    for values, group in groups:
        values = values if isinstance(values, tuple) else (values,)
        targets = by[:-1]
        row = {}
        if targets:
            row["target"] = target_label(targets, values[:-1])
        row["defense"] = values[-1]
        row["trials"] = str(int(group["n"].max()))
        for item in group.itertuples():
            name = _NAMES.get(item.metric) or column_label(item.metric)
            row[name] = interval_text(item.mean, item.half_width)
        out.append(row)
    return pd.DataFrame(out).fillna("")


def defense_parts(
    run: StudyRun, rows: pd.DataFrame, figures: Path, tables: Path
) -> DefenseParts | None:
    """Table 5 and the trade-off figure of a study that varies the defense.

    Parameters
    ----------
    run : StudyRun
    rows : pandas.DataFrame of shape (n_trials, n_columns)
        The rows analysed.
    figures, tables : Path
        Folders for the files.

    Returns
    -------
    DefenseParts or None
        None when the study does not vary ``defense.name``.
    """
    if DEFENSE_COLUMN not in run.by or rows.empty:
        return None
    keys = table_settings(run.spec)
    chosen = rows[rows["setting"].isin(keys)] if "setting" in rows else rows
    parts = DefenseParts(claim_rows=chosen)

    table = defense_table(chosen, DEFENSE_TABLE_METRICS)
    if not table.empty:
        by = [*target_columns(chosen), "defense"]
        shown = _table_text(table, by)
        rates = member_rates(chosen)
        rate = f" (member rate {max(rates):.0%})" if rates else ""
        title = (
            "Table 5: utility of the target and the attack on it per defense"
            f"{rate}, mean ± half-width of the 95% interval"
        )
        files = write_table(table, tables, "table5_defenses", shown=shown, title=title)
        parts.tables.append(TableBlock(title, shown, *files))

    with style():
        figure = tradeoff_figure(
            rows, title=f"{run.spec.reference or 'defenses'} · {run.name}"
        )
        png, svg = save_figure(figure, figures, run.name)
    caption = (
        f"{run.spec.reference or run.name}: mean test accuracy of the target "
        "against the attack's AUC and TPR at 1% FPR, one curve per defense over "
        "its swept setting (each point labelled with its value), 95% intervals "
        f"of both means; the black star is the undefended target. {len(rows)} "
        "trials. Up and to the left is worse: less utility, more leakage. "
        "Dashed red: an attack without skill."
    )
    alt = f"Trade-off figure of study {run.name}"
    parts.figures.append(FigureFile(png, svg, caption, alt))
    return parts
