import numpy as np
import pandas as pd

from miadeps.analysis import HOLDS, PAPER_CLAIMS, check_claims
from miadeps.experiments import PAPER_STUDIES, list_studies


def test_every_built_in_study_has_the_paper_claim_of_its_experiment():
    assert set(PAPER_CLAIMS) == set(PAPER_STUDIES)
    references = {info.name: info.reference for info in list_studies()}
    for name, claim in PAPER_CLAIMS.items():
        assert claim.reference == references[name]
        assert claim.checks


def test_check_claims_decides_a_rising_shadow_size_sweep():
    rng = np.random.default_rng(0)
    size = np.repeat([250.0, 500.0, 1000.0, 2000.0], 8)
    accuracy = 0.7 + 0.00003 * size + rng.normal(0, 0.005, size.size)
    rows = pd.DataFrame(
        {
            "spec.sampling.shadow_size": size,
            "attack.accuracy": accuracy,
            "attack.auc": accuracy - 0.2,
        }
    )

    verdicts = check_claims("shadow-size", rows)

    assert [v.metric for v in verdicts] == ["attack.accuracy", "attack.auc"]
    assert all(v.outcome == HOLDS for v in verdicts)


def test_check_claims_tests_each_grid_of_a_several_grid_study_on_its_rows():
    rng = np.random.default_rng(0)
    depth = np.repeat([1.0, 3.0, 5.0], 12)
    width = np.tile(np.repeat([5.0, 50.0, 500.0], 4), 3)
    rows = pd.DataFrame(
        {
            "spec.target.params.depth": np.concatenate([depth, depth]),
            "spec.target.params.width": np.concatenate([width, np.full(36, np.nan)]),
            "spec.target.params.l2": np.concatenate([np.full(36, np.nan), width / 500]),
            "attack.accuracy": rng.uniform(0.7, 0.8, 72),
            "attack.auc": rng.uniform(0.5, 0.6, 72),
        }
    )

    verdicts = check_claims("architecture", rows)

    by_claim = {v.claim: v.n for v in verdicts if v.metric == "attack.auc"}
    assert by_claim["attack AUC rises with depth"] == 72
    assert by_claim["attack AUC rises with width"] == 36


def test_check_claims_has_nothing_to_say_about_other_studies():
    assert check_claims("my-own-study", pd.DataFrame({"x": [1]})) == []
