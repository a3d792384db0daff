"""The report's attack comparison, from made-up rows of the attacks study."""

import json

import numpy as np
import pandas as pd
import pytest
from report_rows import make_store, synthetic_rows

from miadeps.experiments import (
    EXTRA_ATTACKS,
    ROC_FPR_GRID,
    attack_key,
    load_study,
)
from miadeps.reports import attack_roc_figure, write_report
from miadeps.reports._attack_sections import ATTACK_NAMES, compared_attacks, mean_roc

KEYS = ["shadow", *map(attack_key, EXTRA_ATTACKS)]


def _attack_columns(rng, strength):
    """Made-up ``attacks.*`` columns of one trial: stronger attacks later."""
    grid = np.asarray(ROC_FPR_GRID)
    row = {
        "attacks.roc_fpr": json.dumps(list(ROC_FPR_GRID)),
        "attack.n_records": 1000,
        "attack.member_rate": 0.75,
    }
    for k, key in enumerate(KEYS):
        power = 1.0 / (1.0 + strength * (k + 1) / len(KEYS))
        tpr = np.minimum(grid**power + rng.uniform(0, 0.001), 1.0)
        tpr[-1] = 1.0
        row[f"attacks.{key}.roc_tpr"] = json.dumps(tpr.tolist())
        row[f"attacks.{key}.tpr_at_fpr.0.001"] = float(np.interp(1e-3, grid, tpr))
        row[f"attacks.{key}.tpr_at_fpr.0.01"] = float(np.interp(1e-2, grid, tpr))
        row[f"attacks.{key}.auc"] = 0.5 + strength * (k + 1) / 40 + rng.normal(0, 0.01)
        row[f"attacks.{key}.balanced_accuracy"] = 0.5 + strength * (k + 1) / 60
        row[f"attacks.{key}.member_rate"] = 0.75
    return row


@pytest.fixture(scope="module")
def attacks_run(tmp_path_factory):
    spec = load_study("attacks", profile="quick", reps=3)
    rows = synthetic_rows(spec, seed=4)
    rng = np.random.default_rng(4)
    for row in rows:
        overfit = row["spec.target.params.width"] == 256
        row.update(_attack_columns(rng, 1.0 if overfit else 0.2))
    return make_store(tmp_path_factory.mktemp("run") / "attacks", spec, rows)


@pytest.fixture(scope="module")
def report(attacks_run, tmp_path_factory):
    """The report's folder and its page's text (written once: a few seconds)."""
    out = tmp_path_factory.mktemp("report")
    return out, write_report(attacks_run, out).read_text()


def test_attack_names_cover_every_extra_attack():
    assert list(ATTACK_NAMES) == KEYS


def test_report_shows_each_targets_roc_figure_and_tpr_table(report):
    out, page = report
    figures, tables = out / "figures", out / "tables"

    for number in (1, 2):
        stem = f"attacks_attacks_target{number}"
        assert (figures / f"{stem}_roc.png").is_file()
        assert (figures / f"{stem}_roc.svg").is_file()
        table = (tables / f"{stem}.md").read_text()
        for name in ATTACK_NAMES.values():
            assert f"| {name} |" in table
        assert "TPR at 0.1% FPR" in table and "TPR at 1% FPR" in table
        assert "balanced accuracy" in table and "AUC" in table
    assert "log-log axes" in page and "Member rate 75%" in page
    assert "A trial has 250 non-members: below an FPR of 1/250 = 0.40%" in page
    assert "width 256, activation relu" in page
    assert page.count("95% interval, member rate 75%") == 2


def test_attack_table_means_match_the_rows(report):
    table = (report[0] / "tables" / "attacks_attacks_target1.csv").read_text()
    lines = table.splitlines()
    header = lines[0].split(",")
    first = dict(zip(header, lines[1].split(","), strict=True))
    assert first["attack"] == "shadow" and first["trials"] == "3"
    # The default net (width 50) sorts first; its rows' mean AUC:
    spec = load_study("attacks", profile="quick", reps=3)
    rng = np.random.default_rng(4)
    rows = synthetic_rows(spec, seed=4)
    aucs = [
        _attack_columns(rng, 1.0 if r["spec.target.params.width"] == 256 else 0.2)
        for r in rows
    ]
    default = [
        a
        for a, r in zip(aucs, rows, strict=True)
        if r["spec.target.params.width"] == 50
    ]
    mean = np.mean([a["attacks.shadow.auc"] for a in default])
    assert float(first["auc"]) == pytest.approx(mean)


def test_attack_report_figures_are_byte_identical_on_rerun(
    attacks_run, report, tmp_path
):
    write_report(attacks_run, tmp_path)
    for suffix in ("png", "svg"):
        name = f"attacks_attacks_target2_roc.{suffix}"
        first = (report[0] / "figures" / name).read_bytes()
        assert first == (tmp_path / "figures" / name).read_bytes()


def test_attack_roc_figure_is_log_log_with_the_diagonal():
    grid = np.asarray(ROC_FPR_GRID)
    figure = attack_roc_figure(grid, {"a": grid**0.5, "b": grid}, title="t")
    ax = figure.axes[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    assert ax.get_xlim() == pytest.approx((1e-4, 1.0))
    lines = {line.get_label(): line for line in ax.get_lines()}
    assert list(lines["chance"].get_xdata()) == [1e-4, 1.0]
    assert {"a", "b"} <= set(lines)


def test_mean_roc_averages_the_trials_point_by_point():
    rows = pd.DataFrame(
        {
            "attacks.loss.roc_tpr": [json.dumps([0.0, 0.5, 1.0]), "[0.2, 0.7, 1.0]"],
            "attacks.loss.auc": [0.6, 0.7],
            "attacks.roc_fpr": ["[0.01, 0.1, 1.0]"] * 2,
        }
    )
    fpr, tpr, n = mean_roc(rows, "loss")
    assert fpr.tolist() == [0.01, 0.1, 1.0] and n == 2
    assert tpr == pytest.approx([0.1, 0.6, 1.0])
    assert compared_attacks(rows) == ["loss"]
