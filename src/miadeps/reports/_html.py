"""The report as one self-contained HTML page.

Figures are embedded as base64 PNG, the style sheet is inline, and there is
no script. A content security policy forbids the page to load anything but
its own data URIs, so it shows the same offline as online. All text from the
results is escaped.
"""

from __future__ import annotations

import base64
import logging
import platform
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

import numpy as np
import pandas as pd

from miadeps import __version__
from miadeps.analysis import FAILS, HOLDS, INCONCLUSIVE, PaperClaim, Verdict
from miadeps.reports._format import value_text
from miadeps.reports._sections import FigureFile, StudySection, TableBlock

logger = logging.getLogger(__name__)

__all__ = ["ReportExtras", "render_html"]

_CSS = """
:root { --ink: #1d2126; --muted: #5b6470; --line: #d9dde3; --band: #f4f6f8;
  --holds: #1e7b3a; --fails: #b3261e; --unclear: #8a6d00; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--ink); background: #fff; line-height: 1.5;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main, header, nav, footer { max-width: 1100px; margin: 0 auto; padding: 0 1rem; }
header { padding-top: 1.5rem; }
h1 { font-size: 1.6rem; margin: 0 0 .3rem; }
h2 { font-size: 1.3rem; margin: 2.2rem 0 .6rem; padding-top: .6rem;
  border-top: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
p, li { max-width: 75ch; }
.muted { color: var(--muted); }
.claim { border-left: 4px solid var(--line); background: var(--band);
  margin: .6rem 0; padding: .5rem .8rem; }
.scroll { overflow-x: auto; margin: .5rem 0 1rem; }
table { border-collapse: collapse; font-size: .85rem; min-width: 50%; }
th, td { border-bottom: 1px solid var(--line); padding: .3rem .55rem;
  text-align: left; vertical-align: top; }
th { background: var(--band); }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
figure { margin: 1rem 0; }
figure img { width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { font-size: .85rem; color: var(--muted); margin-top: .3rem; }
.outcome { display: inline-block; padding: 0 .45rem; border-radius: .6rem;
  color: #fff; font-size: .8rem; white-space: nowrap; }
.holds { background: var(--holds); }
.fails { background: var(--fails); }
.unclear { background: var(--unclear); }
pre { background: var(--band); padding: .6rem; overflow-x: auto; font-size: .8rem; }
details { margin: .6rem 0; }
summary { cursor: pointer; font-weight: 600; }
nav ol { columns: 2 18rem; padding-left: 1.4rem; }
footer { margin: 3rem auto 2rem; font-size: .8rem; color: var(--muted); }
@media (max-width: 600px) {
  body { font-size: 14px; }
  h1 { font-size: 1.3rem; }
  table { font-size: .78rem; }
  nav ol { columns: 1; }
  .wide { overflow-x: auto; }
  .wide img { min-width: 600px; }
}
"""
_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_WIDE_PX = 900
_OUTCOME_CLASS = {HOLDS: "holds", FAILS: "fails", INCONCLUSIVE: "unclear"}


@dataclass
class ReportExtras:
    """The parts of the report that span all studies.

    Attributes
    ----------
    source : Path
        The folder the report was made from.
    correlations : TableBlock or None
        Table 4.
    correlation_claim : PaperClaim
    correlation_verdicts : list of Verdict
    correlation_figure : FigureFile or None
    dropped_constant : list of str
        Properties left out of Table 4 because they never vary.
    min_accuracy : float or None
        The utility filter applied, if any.
    versions : dict of str to str
        Versions of the software that wrote the report.
    """

    source: Path
    correlations: TableBlock | None
    correlation_claim: PaperClaim
    correlation_verdicts: list[Verdict]
    correlation_figure: FigureFile | None
    dropped_constant: list[str]
    min_accuracy: float | None
    versions: dict[str, str]


def _e(value) -> str:
    return escape(str(value), quote=True)


def _outcome(outcome: str) -> str:
    return f'<span class="outcome {_OUTCOME_CLASS[outcome]}">{_e(outcome)}</span>'


def _is_number(text: str) -> bool:
    """Cells that start with a number are aligned right."""
    try:
        float(text.split(maxsplit=1)[0])
    except (IndexError, ValueError):
        return False
    return True


def _table(frame: pd.DataFrame, *, index: bool = False) -> str:
    if index:
        frame = frame.reset_index()
    head = "".join(f"<th>{_e(c)}</th>" for c in frame.columns)
    body = []
    for row in frame.itertuples(index=False):
        cells = []
        for value in row:
            text = value_text(value)
            kind = ' class="num"' if _is_number(text) else ""
            cells.append(f"<td{kind}>{_e(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (
        f'<div class="scroll"><table><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _figure(figure: FigureFile, root: Path) -> str:
    png = figure.png.read_bytes()
    data = base64.b64encode(png).decode("ascii")
    svg = _relative(figure.svg, root)
    # A PNG's width sits in its header; figures of several panels scroll
    # sideways on a phone rather than shrink past reading.
    wide = int.from_bytes(png[16:20], "big") > _WIDE_PX
    return (
        f'<figure class="{"wide" if wide else "narrow"}">'
        f'<img src="data:image/png;base64,{data}" alt="{_e(figure.alt)}">'
        f"<figcaption>{_e(figure.caption)} "
        f'Files: <a href="{_e(svg)}">SVG</a>, '
        f'<a href="{_e(_relative(figure.png, root))}">PNG</a>.</figcaption></figure>'
    )


def _table_block(block: TableBlock, root: Path) -> str:
    links = (
        f'<a href="{_e(_relative(block.csv, root))}">CSV</a>, '
        f'<a href="{_e(_relative(block.md, root))}">Markdown</a>'
    )
    return (
        f"<h3>{_e(block.title)}</h3>{_table(block.shown, index=block.index)}"
        f'<p class="muted">Files: {links}.</p>'
    )


def _verdicts(verdicts: Sequence[Verdict]) -> str:
    if not verdicts:
        return '<p class="muted">No claim was checked.</p>'
    rows = "".join(
        f"<tr><td>{_e(v.claim)}</td><td>{_outcome(v.outcome)}</td>"
        f'<td>{_e(v.evidence)}. <span class="muted">Rule: {_e(v.rule)}; '
        f"test: {_e(v.test)}.</span></td></tr>"
        for v in verdicts
    )
    return (
        '<div class="scroll"><table><thead><tr><th>tested claim</th><th>verdict</th>'
        f"<th>what the data say</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _counts(verdicts: Sequence[Verdict]) -> str:
    if not verdicts:
        return '<span class="muted">none</span>'
    parts = []
    for outcome in (HOLDS, FAILS, INCONCLUSIVE):
        n = sum(v.outcome == outcome for v in verdicts)
        if n:
            parts.append(f"{n} × {_outcome(outcome)}")
    return " ".join(parts)


def _seeds(section: StudySection) -> str:
    rows = section.run.rows
    spec = section.run.spec
    text = (
        f"<p>Study seed {spec.seed}; {spec.reps} repetitions per setting. Each "
        "trial's seed is derived from the study seed and the trial's key (a "
        "SHA-256 hash), so it does not depend on which other trials run.</p>"
    )
    if {"setting", "seed"} <= set(rows.columns):
        table = (
            rows.groupby("setting", sort=False)["seed"]
            .apply(
                lambda s: (
                    ", ".join(str(v) for v in s.head(5)) + (", …" if len(s) > 5 else "")
                )
            )
            .reset_index()
            .rename(columns={"seed": "trial seeds"})
        )
        text += _table(table)
    return text


def _timings(section: StudySection) -> str:
    rows = section.run.rows
    meta = section.run.meta
    items = [
        f"store created {_e(meta.get('created_at', 'unknown'))} by miadeps "
        f"{_e(meta.get('created_with', '?'))}, last run with "
        f"{_e(meta.get('last_run_with', '?'))}",
    ]
    if "version" in rows.columns:
        versions = ", ".join(sorted(rows["version"].dropna().astype(str).unique()))
        items.append(f"trials computed by miadeps {_e(versions)}")
    if "timings.trial_s" in rows.columns:
        t = pd.to_numeric(rows["timings.trial_s"], errors="coerce").dropna()
        if len(t):
            items.append(
                f"trial time: {t.sum():.1f} s in all, mean {t.mean():.2f} s, median "
                f"{t.median():.2f} s, longest {t.max():.2f} s (one worker's wall "
                "time per trial)"
            )
    failures = section.run.failures
    if len(failures):
        first = failures.iloc[0]
        items.append(
            f"{len(failures)} trial(s) failed and have no row, e.g. "
            f"{_e(first['key'])}: {_e(first['error'])}: {_e(first['message'])}"
        )
    return "<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"


def _study(section: StudySection, root: Path) -> str:
    run = section.run
    spec = run.spec
    heading = f"{spec.reference} · {run.name}" if spec.reference else run.name
    parts = [f'<section id="{_e(section.anchor)}"><h2>{_e(heading)}</h2>']
    if spec.description:
        parts.append(f"<p>{_e(spec.description)}.</p>")
    dataset = spec.dataset.name or spec.dataset.csv
    parts.append(
        f'<p class="muted">{len(run.rows)} of {run.expected} trials stored; '
        f"dataset {_e(dataset)}; profile {_e(spec.profile or 'none')}; "
        f"run directory {_e(run.run_dir)}.</p>"
    )
    if section.claim is not None:
        parts.append(
            f'<p class="claim"><strong>The paper\'s claim '
            f"({_e(section.claim.reference)}):</strong> {_e(section.claim.claim)}</p>"
        )
    else:
        parts.append('<p class="muted">The paper makes no claim about this study.</p>')
    for note in section.notes:
        parts.append(f'<p class="claim">{_e(note)}</p>')
    if section.claim is not None:
        parts.append("<h3>What our data say</h3>" + _verdicts(section.verdicts))
    parts.extend(_figure(f, root) for f in section.figures)
    parts.extend(_table_block(t, root) for t in section.tables)
    parts.append(
        "<details><summary>Configuration, seeds, versions and timings</summary>"
        f"<h3>Spec</h3><pre>{_e(run.spec_text)}</pre><h3>Seeds</h3>{_seeds(section)}"
        f"<h3>Versions and timings</h3>{_timings(section)}</details></section>"
    )
    return "".join(parts)


def _overview(sections: Sequence[StudySection]) -> str:
    rows = []
    for s in sections:
        run = s.run
        t = (
            pd.to_numeric(run.rows["timings.trial_s"], errors="coerce").sum()
            if "timings.trial_s" in run.rows.columns
            else np.nan
        )
        rows.append(
            {
                "paper": run.spec.reference,
                "study": run.name,
                "profile": run.spec.profile or "",
                "trials": f"{len(run.rows)} / {run.expected}",
                "failed": len(run.failures),
                "seed": run.spec.seed,
                "reps": run.spec.reps,
                "trial time (s)": f"{t:.1f}" if np.isfinite(t) else "",
            }
        )
    return _table(pd.DataFrame(rows))


def _claims_summary(sections: Sequence[StudySection], extras: ReportExtras) -> str:
    rows = []
    for s in sections:
        if s.claim is None:
            continue
        rows.append(
            f'<tr><td><a href="#{_e(s.anchor)}">{_e(s.claim.reference)}</a></td>'
            f"<td>{_e(s.claim.claim)}</td><td>{_counts(s.verdicts)}</td></tr>"
        )
    if extras.correlations is not None:
        rows.append(
            f'<tr><td><a href="#correlations">{_e(extras.correlation_claim.reference)}'
            f"</a></td><td>{_e(extras.correlation_claim.claim)}</td>"
            f"<td>{_counts(extras.correlation_verdicts)}</td></tr>"
        )
    if not rows:
        return '<p class="muted">None of the studies is one of the paper\'s.</p>'
    return (
        '<div class="scroll"><table><thead><tr><th>paper</th><th>claim</th>'
        f"<th>checks</th></tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
    )


_METHOD = (
    "Each claim of the paper is encoded as one or more checks, each run on the "
    "attack's accuracy (the paper's metric) and on its AUC (which does not "
    "depend on the member rate). A check applies a stated test to every "
    "stored trial (not to setting means) and decides by a fixed rule, at the "
    "5% level: a trend claim holds when Spearman's rho has the claimed sign "
    "with p < 0.05 and does not hold when the trend goes significantly the "
    "other way or its 95% interval lies within ±0.1; a 'no clear effect' claim "
    "holds when the 95% interval of rho lies within ±0.3 and does not hold "
    "when |rho| ≥ 0.3 with p < 0.05; a 'lower bound' claim fits the slope of "
    "each setting's 10% quantile against the imbalance, with a bootstrap "
    "interval; differences between settings use Welch intervals or the "
    "Kruskal-Wallis test. Anything else is inconclusive, and the verdict says "
    "why. The rule behind each verdict is printed next to it; no verdict is "
    "written by hand."
)


def render_html(
    sections: Sequence[StudySection], extras: ReportExtras, root: Path
) -> str:
    """The report page.

    Parameters
    ----------
    sections : sequence of StudySection
        One per study, in order.
    extras : ReportExtras
        Table 4 and what the page says about the whole run.
    root : Path
        The report's folder: file links are relative to it.

    Returns
    -------
    str
        The HTML document.
    """
    contents = ['<li><a href="#claims">The paper\'s claims and our data</a></li>']
    contents.append('<li><a href="#runs">The runs</a></li>')
    for s in sections:
        label = (
            f"{s.run.spec.reference} · {s.run.name}"
            if s.run.spec.reference
            else s.run.name
        )
        contents.append(f'<li><a href="#{_e(s.anchor)}">{_e(label)}</a></li>')
    if extras.correlations is not None:
        contents.append('<li><a href="#correlations">Table 4 · correlations</a></li>')
    contents.append('<li><a href="#method">How claims are decided</a></li>')

    body = [
        "<header><h1>Membership inference: the paper's claims against our trials</h1>",
        f'<p class="muted">Results read from {_e(extras.source)}: '
        f"{len(sections)} studies, {sum(len(s.run.rows) for s in sections)} trials."
        + (
            f" Settings whose target's mean train or test accuracy is below "
            f"{extras.min_accuracy:g} are left out."
            if extras.min_accuracy is not None
            else ""
        )
        + "</p></header>",
        f'<nav id="contents"><h2>Contents</h2><ol>{"".join(contents)}</ol></nav><main>',
        '<section id="claims"><h2>The paper\'s claims and our data</h2>'
        f"{_claims_summary(sections, extras)}</section>",
        f'<section id="runs"><h2>The runs</h2>{_overview(sections)}</section>',
    ]
    body.extend(_study(s, root) for s in sections)
    if extras.correlations is not None:
        dropped = ", ".join(extras.dropped_constant) or "none"
        body.append(
            '<section id="correlations"><h2>Table 4 · correlations between '
            "properties</h2><p>Pearson and Spearman coefficients with two-sided "
            "p-values for every pair of measured data, model and attack "
            "properties, over all stored trials of all studies; n is the number of "
            "trials that have both values. Left out because they never vary: "
            f"{_e(dropped)}.</p>"
            f'<p class="claim"><strong>The paper\'s claim (Table 4):</strong> '
            f"{_e(extras.correlation_claim.claim)}</p>"
            f"{_verdicts(extras.correlation_verdicts)}"
            + (
                _figure(extras.correlation_figure, root)
                if extras.correlation_figure
                else ""
            )
            + _table_block(extras.correlations, root)
            + "</section>"
        )
    versions = ", ".join(f"{_e(k)} {_e(v)}" for k, v in extras.versions.items())
    body.append(
        f'<section id="method"><h2>How claims are decided</h2><p>{_e(_METHOD)}</p>'
        f"</section></main><footer>Written by miadeps {_e(__version__)} "
        f"({versions}).</footer>"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">'
        '<link rel="icon" href="data:,">'
        "<title>miadeps report</title>"
        f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n"
    )


def software_versions() -> dict[str, str]:
    """Versions of Python and the libraries the report's numbers come from."""
    import matplotlib
    import scipy

    return {
        "Python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "matplotlib": matplotlib.__version__,
    }
