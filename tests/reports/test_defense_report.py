"""The report of a defense study: Table 5 and the trade-off figure, from made-up
rows (no model is trained)."""

from html import escape

import numpy as np
import pandas as pd
import pytest
from report_rows import make_store, synthetic_rows

from miadeps.analysis import PAPER_CLAIMS
from miadeps.experiments import resolve_spec
from miadeps.reports import write_report
from miadeps.reports._defense_figure import tradeoff_figure
from miadeps.reports._defense_sections import table_settings

OVERFIT = {"target.params.width": [300]}
FAIR = ["group-fairness", "predictive-fairness", "individual-fairness"]
SPEC = {
    "name": "defenses",
    "reference": "Table 5",
    "description": "made-up defended trials",
    "dataset": "german",
    "seed": 2,
    "reps": 4,
    "sampling": {"target_size": 200, "shadow_size": 200},
    "vary": [
        {"defense.name": ["none"]},
        {"defense.name": ["l2"], "defense.lam": [1e-3]},
        {"defense.name": FAIR, "defense.lam": [1e-4]},
        {"defense.name": ["none"], **OVERFIT},
        {"defense.name": ["l2"], "defense.lam": [1e-3], **OVERFIT},
        {"defense.name": FAIR, "defense.lam": [1e-4], **OVERFIT},
        # The sweeps: later grids of a defense and target already seen.
        {"defense.name": ["l2"], "defense.lam": [1e-4, 1e-2], **OVERFIT},
        {"defense.name": ["group-fairness"], "defense.lam": [1e-5], **OVERFIT},
    ],
}


def _defended_rows(spec, seed=0):
    """Rows whose attack AUC falls and test accuracy barely moves with lambda
    on the wide target; the default target leaks nothing."""
    rng = np.random.default_rng(seed)
    rows = synthetic_rows(spec, seed=seed)
    for row in rows:
        wide = row.get("spec.target.params.width") == 300
        lam = row["spec.defense.lam"]
        cut = 0.1 * min(1.0, lam / 1e-4) if wide else 0.0
        auc = (0.62 if wide else 0.5) - cut + rng.normal(0, 0.005)
        row["attack.auc"] = auc
        row["attack.tpr_at_fpr.0.01"] = 0.01 + max(auc - 0.5, 0) / 2
        row["target.test_accuracy"] = 0.80 - 0.002 * (lam > 0) + rng.normal(0, 1e-3)
        row["defense.name"] = row["spec.defense.name"]
        if row["spec.defense.name"] in FAIR:
            row["defense.max_diff"] = 0.05 + rng.uniform(0, 0.01)
    return rows


@pytest.fixture(scope="module")
def defense_report(tmp_path_factory):
    root = tmp_path_factory.mktemp("defended")
    spec = resolve_spec(SPEC, source="test")
    make_store(root / "defenses", spec, _defended_rows(spec))
    return root, write_report(root / "defenses")


def test_table_settings_are_the_first_of_each_defense_and_target():
    spec = resolve_spec(SPEC, source="test")

    keys = table_settings(spec)

    assert len(keys) == 2 * 5
    assert "defenses/defense.name=l2/defense.lam=0.001" in keys
    assert not any("lam=0.01/" in k or k.endswith("lam=1e-05") for k in keys)


def test_defense_report_writes_table5_from_the_table_settings(defense_report):
    root, page = defense_report
    tables = root / "defenses" / "report" / "tables"

    table = pd.read_csv(tables / "table5_defenses.csv")
    auc = table[table["metric"] == "attack.auc"]
    assert len(auc) == 2 * 5 and (auc["n"] == 4).all()
    assert "l2, lambda 0.01" not in set(table["defense"])
    assert {"defense.max_diff", "attack.tpr_at_fpr.0.01"} <= set(table["metric"])
    html = page.read_text()
    assert "Table 5: utility of the target" in html
    assert "max diff of r" in html


def test_defense_report_decides_the_table5_claim(defense_report):
    root, page = defense_report
    claims = pd.read_csv(root / "defenses" / "report" / "tables" / "claims_checked.csv")

    auc = claims[claims["metric"] == "attack.auc"]
    # Against no defense; the comparison with plain L1 has no L1 trials here.
    assert auc["outcome"].tolist() == ["holds", "inconclusive"]
    assert escape(PAPER_CLAIMS["defenses"].claim) in page.read_text()


def test_defense_report_draws_one_tradeoff_figure(defense_report):
    root, page = defense_report
    figures = root / "defenses" / "report" / "figures"

    assert (figures / "defenses.png").stat().st_size > 10_000
    svg = (figures / "defenses.svg").read_text()
    assert svg.startswith("<?xml")
    html = page.read_text()
    # The trade-off figure replaces the sweep figure; the other is Table 4.
    assert html.count('<img src="data:image/png;base64,') == 2
    assert 'alt="Trade-off figure of study defenses"' in html
    assert "black star is the undefended target" in html


def test_tradeoff_figure_has_a_panel_per_target_and_metric():
    spec = resolve_spec(SPEC, source="test")
    rows = pd.DataFrame(_defended_rows(spec))

    figure = tradeoff_figure(rows, title="t")

    assert len(figure.axes) == 2 * 2
    titles = {ax.get_title() for ax in figure.axes}
    assert titles == {"default target", "width 300"}
    legend = [t.get_text() for t in figure.legends[0].get_texts()]
    assert "no defense" in legend and "l2 (lam)" in legend


def test_defense_report_files_are_identical_when_written_again(
    defense_report, tmp_path
):
    root, _ = defense_report
    again = write_report(root / "defenses", tmp_path / "again").parent
    first = root / "defenses" / "report"
    for name in ("figures/defenses.svg", "figures/defenses.png", "report.html"):
        assert (first / name).read_bytes() == (again / name).read_bytes() or (
            name == "report.html"
        )
    assert (first / "tables/table5_defenses.csv").read_bytes() == (
        again / "tables/table5_defenses.csv"
    ).read_bytes()


def test_tradeoff_figure_reads_lira_where_the_study_ran_it():
    spec = resolve_spec(SPEC, source="test")
    rows = pd.DataFrame(_defended_rows(spec))
    rng = np.random.default_rng(0)
    rows["attacks.lira_online.auc"] = rows["attack.auc"] + 0.02
    rows["attacks.lira_online.tpr_at_fpr.0.01"] = rng.uniform(0, 0.1, len(rows))

    figure = tradeoff_figure(rows, title="t")

    assert len(figure.axes) == 2 * 3
    labels = {ax.get_ylabel() for ax in figure.axes}
    assert labels == {
        "Attack AUC",
        "LiRA (online) AUC",
        "LiRA (online) TPR at 1% FPR",
    }
