"""The audit report: one self-contained HTML page, plus JSON and CSV files.

The page has the look of the study report (its style sheet and content
security policy are reused): the ROC figure is an embedded base64 PNG, the
style is inline, there is no script, and all text is escaped.
"""

from __future__ import annotations

import base64
import io
import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from miadeps import __version__
from miadeps.audit._audit import AuditResult
from miadeps.reports._figures import style
from miadeps.reports._html import _CSS, _POLICY, _e, _table

__all__ = ["audit_json", "render_audit_html", "write_audit"]

_DATA_LABELS = {
    "size": "records",
    "class_balance": "class balance (share of class 1)",
    "feature_balance": "feature balance (top-5 MI features)",
    "n_features": "raw features",
    "entropy": "entropy (bits, mean per feature)",
}
_MODEL_LABELS = {
    "train_accuracy": "accuracy on its training records",
    "population_accuracy": "accuracy on the population",
    "accuracy_gap": "generalisation gap (train - population)",
    "mia_indistinguishability": "MIA-indistinguishability deviation (nats)",
    "individual_fairness": "individual unfairness delta_i (population)",
    "group_fairness": "group unfairness delta_g (population)",
    "predictive_fairness": "predictive unfairness delta_p (population)",
    "fairness_groups": "fairness groups",
}


def _jsonable(value):
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def audit_json(result: AuditResult, *, timings: bool = False) -> str:
    """The summary as JSON text, NaN written as null.

    Parameters
    ----------
    result : AuditResult
    timings : bool, default=False
        Add ``timings`` (which differ from run to run).

    Returns
    -------
    str
    """
    summary = dict(result.summary)
    if timings:
        summary["timings"] = result.timings
    return json.dumps(_jsonable(summary), indent=2)


def _num(value, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.{digits}f}"
    return str(value)


def _roc_png(result: AuditResult) -> str:
    """ROC curves of every attack on log-log axes, as base64 PNG."""
    with style():
        figure = Figure(figsize=(6.4, 4.2))
        FigureCanvasAgg(figure)
        ax = figure.add_subplot()
        names = {a["key"]: a["name"] for a in result.summary["attacks"]}
        aucs = {a["key"]: a["auc"] for a in result.summary["attacks"]}
        for key, (fpr, tpr) in result.curves.items():
            ax.plot(fpr, tpr, label=f"{names[key]} (AUC {_num(aucs[key], 3)})")
        floor = 1.0 / max(result.summary["evaluation"]["n_nonmembers"], 1)
        grid = np.linspace(floor, 1.0, 200)
        ax.plot(grid, grid, color="#888888", linestyle=":", label="chance")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(floor, 1.0)
        ax.set_ylim(floor, 1.02)
        ax.set_xlabel("false-positive rate")
        ax.set_ylabel("true-positive rate")
        ax.set_title("Attacks on the audited model (log scale: low FPR matters)")
        ax.legend(loc="lower right")
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=110, metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _attack_table(summary: dict) -> str:
    rows = []
    member_rate = summary["evaluation"]["member_rate"]
    for a in summary["attacks"]:
        rows.append(
            {
                "attack": a["name"],
                "accuracy": f"{_num(a['accuracy'])} (member rate {member_rate:.2f})",
                "balanced accuracy": _num(a["balanced_accuracy"]),
                "AUC": _num(a["auc"]),
                "advantage": _num(a["advantage"]),
                "TPR at 0.1% FPR": _num(a["tpr_at_fpr"]["0.001"]),
                "TPR at 1% FPR": _num(a["tpr_at_fpr"]["0.01"]),
            }
        )
    return _table(pd.DataFrame(rows))


def _top_table(summary: dict) -> str:
    frame = pd.DataFrame(summary["risk"]["top"])
    frame = frame.rename(columns={"score": "LiRA z", "loss": "loss (nats)"})
    for column in ("LiRA z", "loss (nats)", "confidence"):
        frame[column] = frame[column].map(_num)
    return _table(frame)


def _properties_table(properties: dict) -> str:
    rows = [
        {"property": f"data: {_DATA_LABELS.get(k, k)}", "value": _num(v)}
        for k, v in properties["data"].items()
    ]
    rows += [
        {"property": f"model: {_MODEL_LABELS.get(k, k)}", "value": _num(v)}
        for k, v in properties["model"].items()
    ]
    return _table(pd.DataFrame(rows))


def _groups_section(summary: dict) -> str:
    groups = summary["groups"]
    if groups is None:
        return (
            '<p class="muted">No sensitive column was given (--sensitive), so '
            "groups were not compared.</p>"
        )
    risk = groups["by_attack"][summary["risk"]["attack"]]
    frame = pd.DataFrame(risk["groups"]).rename(
        columns={
            "tpr_at_1pct_fpr": "TPR at 1% FPR",
            "n_members": "members",
            "n_nonmembers": "non-members",
        }
    )
    for column in ("auc", "TPR at 1% FPR", "advantage"):
        frame[column] = frame[column].map(_num)
    gaps = []
    for key, result in groups["by_attack"].items():
        gap = result["gaps"]["auc"]
        name = next(a["name"] for a in summary["attacks"] if a["key"] == key)
        gaps.append(
            {
                "attack": name,
                "largest AUC gap": _num(gap["gap"]) if gap else "n/a",
                "most exposed group": gap["highest"] if gap else "",
                "least exposed group": gap["lowest"] if gap else "",
            }
        )
    return (
        f"<p>Groups of <strong>{_e(groups['attribute'])}</strong> "
        f"({_e(groups['rule'])}), over the evaluation records. A group whose "
        "members are easier to tell from its non-members is more exposed "
        "(disparate vulnerability).</p>"
        f"<h3>Per group, {_e(_attack_name(summary))}</h3>{_table(frame)}"
        f"<h3>Largest gap between groups, every attack</h3>"
        f"{_table(pd.DataFrame(gaps))}"
    )


def _attack_name(summary: dict) -> str:
    key = summary["risk"]["attack"]
    return next(a["name"] for a in summary["attacks"] if a["key"] == key)


def render_audit_html(result: AuditResult) -> str:
    """The audit report as one HTML document.

    Parameters
    ----------
    result : AuditResult

    Returns
    -------
    str
        A self-contained page: inline style, embedded PNG, no script.
    """
    s = result.summary
    data, ev = s["data"], s["evaluation"]
    best = next(a for a in s["attacks"] if a["key"] == s["best_attack"])
    skipped = "".join(
        f"<li><strong>{_e(k)}</strong>: {_e(v)}.</li>"
        for k, v in s["properties"]["skipped"].items()
    )
    notes = "".join(f"<li>{_e(n)}</li>" for n in s["notes"])
    settings = s["settings"]
    body = [
        "<header><h1>Membership inference audit</h1>",
        f'<p class="muted">Model {_e(s["model"]["path"])} ({_e(s["model"]["file"])}'
        f", queried as {_e(s['model']['form'])}); {data['n_train']} training "
        f"records from {_e(data['train'])}, {data['n_population']} population "
        f"records from {_e(data['population'])}; label rule "
        f"“{_e(data['label_rule'])}”.</p></header><main>",
        '<section id="summary"><h2>Summary</h2>'
        f"<p>The strongest attack by AUC is <strong>{_e(best['name'])}</strong>: "
        f"AUC {_num(best['auc'])}, TPR {_num(best['tpr_at_fpr']['0.01'])} at 1% "
        f"FPR. An AUC near 0.5 and a TPR near the FPR mean the attack cannot "
        "tell the model's training records from new ones.</p></section>",
        '<section id="attacks"><h2>Attacks</h2>'
        f"<p>Shadow and reference models ({settings['n_shadows']} shadow, "
        f"{settings['n_references']} reference, kind {_e(settings['shadow'])}) "
        f"were trained on a pool of {ev['n_pool']} population records. The "
        f"attacks were tested on the {ev['n_members']} training records "
        f"(members) and the {ev['n_nonmembers']} other population records "
        f"(non-members): member rate {ev['member_rate']:.2f}, the accuracy of "
        "always answering “member”.</p>"
        f"{_attack_table(s)}"
        '<p class="muted">For a two-class model the loss, confidence and '
        "modified-entropy statistics are all increasing functions of the "
        "probability of the true class, so they rank records alike (same AUC "
        "and ROC curve); they differ only in the threshold each picks on the "
        "shadow models.</p>"
        f'<figure><img src="data:image/png;base64,{_roc_png(result)}" '
        'alt="ROC curves of the attacks on log-log axes"><figcaption>ROC curves '
        "of every attack; the dotted line is chance.</figcaption></figure>"
        "</section>",
        '<section id="records"><h2>Most exposed training records</h2>'
        f"<p>Ranked by the score of {_e(_attack_name(s))}: how many standard "
        "deviations more confident the model is on a record than reference "
        "models that never saw it (ties: lower loss first). The full ranking "
        "is in records.csv.</p>"
        f"{_top_table(s)}</section>",
        f'<section id="groups"><h2>Groups</h2>{_groups_section(s)}</section>',
        '<section id="properties"><h2>Data and model properties</h2>'
        f"{_properties_table(s['properties'])}<p>Not measured:</p><ul>{skipped}</ul>"
        + (f"<p>Notes:</p><ul>{notes}</ul>" if notes else "")
        + "</section>",
        '<section id="settings"><h2>Settings</h2>'
        f"<pre>{_e(json.dumps(_jsonable(settings), indent=2))}</pre></section>",
        f"</main><footer>Written by miadeps {_e(__version__)}.</footer>",
    ]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta http-equiv="Content-Security-Policy" content="{_POLICY}">'
        '<link rel="icon" href="data:,">'
        "<title>miadeps audit</title>"
        f"<style>{_CSS}</style></head><body>{''.join(body)}</body></html>\n"
    )


def write_audit(result: AuditResult, folder: str | os.PathLike[str]) -> dict:
    """Write ``audit.html``, ``audit.json`` and ``records.csv`` into ``folder``.

    Parameters
    ----------
    result : AuditResult
    folder : str or path-like
        Created if needed; existing files of these names are replaced.

    Returns
    -------
    dict of str to Path
        ``html``, ``json`` and ``records``.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {
        "html": folder / "audit.html",
        "json": folder / "audit.json",
        "records": folder / "records.csv",
    }
    paths["html"].write_text(render_audit_html(result), encoding="utf-8")
    paths["json"].write_text(audit_json(result, timings=True) + "\n", encoding="utf-8")
    result.records.to_csv(paths["records"], index=False)
    return paths
