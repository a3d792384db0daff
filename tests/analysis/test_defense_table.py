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


def _rows(auc_cut, accuracy_loss, *, base_auc=0.62, reps=8, seed=0):
    """Trials of no defense and the three fairness regularizers on two targets.

    ``auc_cut`` and ``accuracy_loss`` say how much each regularizer lowers
    the attack AUC and the test accuracy of the overfit target; the default
    target leaks nothing (AUC 0.5) whatever the defense.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for width, leak in ((np.nan, 0.5), (300.0, base_auc)):
        for name in ("none", *FAIR):
            defended = name != "none"
            for _ in range(reps):
                cut = auc_cut if defended and leak > 0.5 else 0.0
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


def test_check_claims_runs_the_table5_check_on_both_metrics():
    verdicts = check_claims("defenses", _rows(0.08, 0.0))
    assert [v.metric for v in verdicts] == ["attack.accuracy", "attack.auc"]
    assert verdicts[1].outcome == HOLDS


def test_defense_table_has_one_row_per_target_defense_and_metric():
    rows = _rows(0.08, 0.0)

    table = defense_table(rows)

    auc = table[table["metric"] == "attack.auc"]
    assert len(auc) == 2 * 4
    assert set(auc["defense"]) == {"none", *(f"{d}, lambda 0.0001" for d in FAIR)}
    none = auc[(auc["defense"] == "none") & (auc["spec.target.params.width"] == 300)]
    assert none["mean"].item() == pytest.approx(0.62, abs=0.005)
    assert (none["n"] == 8).all()
    assert "defense.max_diff" in set(table["metric"])
