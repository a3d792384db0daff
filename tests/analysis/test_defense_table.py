"""Table 5 and its claim check, on made-up rows with a known answer."""

import numpy as np
import pandas as pd
import pytest

from miadeps.analysis import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    check_claims,
    check_defense_tradeoff,
    defense_table,
)

FAIR = ("group-fairness", "predictive-fairness", "individual-fairness")


def _rows(auc_cut, accuracy_loss, *, base_auc=0.62, reps=8, seed=0, l1_cut=0.0):
    """Trials of no defense, plain L1 and the three fairness regularizers.

    ``auc_cut`` and ``accuracy_loss`` say how much each regularizer lowers
    the attack AUC and the test accuracy of the overfit target (``l1_cut``
    how much plain L1 lowers the AUC); the default target leaks nothing
    (AUC 0.5) whatever the defense.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for width, leak in ((np.nan, 0.5), (300.0, base_auc)):
        for name in ("none", "l1", *FAIR):
            defended = name != "none"
            for _ in range(reps):
                cut = (l1_cut if name == "l1" else auc_cut) if leak > 0.5 else 0.0
                cut = cut if defended else 0.0
                loss = accuracy_loss if defended and leak > 0.5 else 0.0
                auc = leak - cut + rng.normal(0, 0.005)
                rows.append(
                    {
                        "spec.target.params.width": width,
                        "spec.defense.name": name,
                        "spec.defense.lam": 1e-4 if defended else 0.0,
                        "target.train_accuracy": 0.9 - loss,
                        "target.test_accuracy": 0.8 - loss + rng.normal(0, 0.002),
                        "attack.accuracy": 0.75 + (auc - 0.5) / 4,
                        "attack.auc": auc,
                        "defense.max_diff": 0.1 if defended else np.nan,
                    }
                )
    return pd.DataFrame(rows)


@pytest.mark.parametrize(
    ("auc_cut", "accuracy_loss", "outcome"),
    [
        (0.08, 0.002, HOLDS),
        (0.0, 0.0, FAILS),
        (0.08, 0.05, FAILS),
    ],
)
def test_check_defense_tradeoff_decides_known_answers(auc_cut, accuracy_loss, outcome):
    rows = _rows(auc_cut, accuracy_loss)

    verdict = check_defense_tradeoff(rows, "attack.auc")

    assert verdict.outcome == outcome, verdict.sentence
    assert "group-fairness, lambda 0.0001 (width 300)" in verdict.evidence
    # The target without leakage is not tested: nothing to cut there.
    assert "width nan" not in verdict.evidence


def test_check_defense_tradeoff_is_inconclusive_without_leakage_or_trials():
    quiet = _rows(0.08, 0.0, base_auc=0.5)
    verdict = check_defense_tradeoff(quiet, "attack.auc")
    assert verdict.outcome == INCONCLUSIVE and "no target configuration leaks" in (
        verdict.rule
    )

    partial = _rows(0.08, 0.0)
    partial = partial[partial["spec.defense.name"] != "individual-fairness"]
    verdict = check_defense_tradeoff(partial, "attack.auc")
    assert verdict.outcome == INCONCLUSIVE
    assert "no trial of defense 'individual-fairness'" in verdict.rule


@pytest.mark.parametrize(("l1_cut", "outcome"), [(0.0, HOLDS), (0.08, FAILS)])
def test_check_defense_tradeoff_against_plain_l1(l1_cut, outcome):
    # A regularizer that cuts no more than plain L1 at its lambda fails the
    # comparison with L1, though it beats no defense.
    rows = _rows(0.08, 0.002, l1_cut=l1_cut)

    verdict = check_defense_tradeoff(rows, "attack.auc", baseline="l1")

    assert verdict.outcome == outcome, verdict.sentence
    assert "below plain l1" in verdict.claim
    assert check_defense_tradeoff(rows, "attack.auc").outcome == HOLDS


def test_check_claims_runs_the_table5_checks_on_both_metrics():
    rows = _rows(0.08, 0.0, l1_cut=0.08)
    verdicts = check_claims("defenses", rows)
    metrics = ["attack.accuracy", "attack.auc", "attacks.lira_online.auc"]
    assert [v.metric for v in verdicts] == metrics * 2
    assert [v.outcome for v in verdicts[::3]] == [HOLDS, FAILS]
    # These rows have no LiRA column: that check cannot decide.
    assert verdicts[2].outcome == INCONCLUSIVE

    rows["attacks.lira_online.auc"] = rows["attack.auc"]
    assert check_claims("defenses", rows)[2].outcome == HOLDS


def test_defense_table_has_one_row_per_target_defense_and_metric():
    rows = _rows(0.08, 0.0)

    table = defense_table(rows)

    auc = table[table["metric"] == "attack.auc"]
    assert len(auc) == 2 * 5
    assert set(auc["defense"]) == {
        "none",
        *(f"{d}, lambda 0.0001" for d in ("l1", *FAIR)),
    }
    none = auc[(auc["defense"] == "none") & (auc["spec.target.params.width"] == 300)]
    assert none["mean"].item() == pytest.approx(0.62, abs=0.005)
    assert (none["n"] == 8).all()
    assert "defense.max_diff" in set(table["metric"])
