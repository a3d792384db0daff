import numpy as np
import pandas as pd
import pytest

from miadeps.analysis import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    check_best_varies,
    check_difference,
    check_dip,
    check_many_moderate,
    check_no_overfit,
    check_settings_differ,
)


def _groups(means, reps, sd, column="g", seed=0):
    """``reps`` rows per group, metric ``y`` normal around the group's mean."""
    rng = np.random.default_rng(seed)
    labels = np.repeat(list(means), reps)
    centres = np.repeat(list(means.values()), reps)
    return pd.DataFrame(
        {column: labels, "y": centres + rng.normal(0, sd, centres.size)}
    )


@pytest.mark.parametrize(
    ("gain", "outcome", "rule"),
    [
        (0.10, HOLDS, "overlaps"),
        (0.01, FAILS, "below the claimed range"),
        (0.30, FAILS, "above the claimed range"),
    ],
)
def test_check_difference_compares_the_gain_with_the_claimed_range(gain, outcome, rule):
    rows = _groups({"all": 0.7 + gain, "ann": 0.7, "lr": 0.7}, 20, 0.01)

    verdict = check_difference(rows, "g", "all", "y")

    assert verdict.outcome == outcome and rule in verdict.rule
    assert verdict.statistic == pytest.approx(gain, abs=0.01)
    assert "20 against 40 trials" in verdict.evidence


def test_check_difference_is_inconclusive_when_the_interval_contains_zero():
    rows = _groups({"all": 0.72, "ann": 0.7}, 3, 0.05, seed=1)

    verdict = check_difference(rows, "g", "all", "y")

    assert verdict.outcome == INCONCLUSIVE and verdict.low < 0 < verdict.high


def test_check_difference_within_strata_removes_their_spread():
    # Targets differ a lot; "all" adds 0.1 within each. Without strata the
    # spread between targets swamps the gain.
    rng = np.random.default_rng(0)
    rows = pd.DataFrame(
        [
            {
                "t": t,
                "s": s,
                "y": base + (0.1 if s == "all" else 0) + rng.normal(0, 0.005),
            }
            for t, base in (("ann", 0.5), ("knn", 0.9))
            for s in ("all", "ann", "lr")
            for _ in range(3)
        ]
    )

    within = check_difference(rows, "s", "all", "y", within="t")
    pooled = check_difference(rows, "s", "all", "y")

    assert within.outcome == HOLDS
    assert within.high - within.low < (pooled.high - pooled.low) / 5


def _l2_sweep(shape, reps=8, sd=0.005):
    levels = [0.0, 0.001, 0.01, 0.1, 1.0]
    return _groups(dict(zip(levels, shape, strict=True)), reps, sd)


def test_check_dip_holds_for_a_u_shape():
    verdict = check_dip(_l2_sweep([0.70, 0.65, 0.60, 0.66, 0.72]), "g", "y")

    assert verdict.outcome == HOLDS and verdict.statistic == 0.01


def test_check_dip_fails_when_the_metric_only_falls():
    verdict = check_dip(_l2_sweep([0.70, 0.68, 0.66, 0.64, 0.62]), "g", "y")

    assert verdict.outcome == FAILS and "end of the range" in verdict.rule


def test_check_dip_is_inconclusive_on_noise():
    verdict = check_dip(_l2_sweep([0.7] * 5, reps=3, sd=0.05), "g", "y")

    assert verdict.outcome == INCONCLUSIVE


def test_check_settings_differ_decides_all_three_ways():
    differ = _groups({1: 0.70, 5: 0.75}, 10, 0.01)
    same = _groups({1: 0.70, 5: 0.70}, 200, 0.001)
    noisy = _groups({1: 0.70, 5: 0.71}, 3, 0.05, seed=2)

    assert check_settings_differ(differ, ["g"], "y").outcome == HOLDS
    assert check_settings_differ(same, ["g"], "y").outcome == FAILS
    assert check_settings_differ(noisy, ["g"], "y").outcome == INCONCLUSIVE


def test_check_settings_differ_handles_a_constant_metric():
    rows = pd.DataFrame({"g": [1, 1, 5, 5], "y": [0.75] * 4})

    verdict = check_settings_differ(rows, ["g"], "y")

    assert verdict.outcome == FAILS and verdict.p_value == 1.0


@pytest.mark.parametrize(
    ("gaps", "outcome"),
    [([0.01, 0.02], HOLDS), ([0.01, 0.20], FAILS), ([0.01, 0.05], INCONCLUSIVE)],
)
def test_check_no_overfit_bounds_every_setting_gap(gaps, outcome):
    rows = _groups(dict(zip([1, 5], gaps, strict=True)), 10, 0.01)

    verdict = check_no_overfit(rows, ["g"], "y")

    assert verdict.outcome == outcome
    assert verdict.statistic == pytest.approx(max(gaps), abs=0.01)


def _kinds(best_of, sd, reps=4, seed=0):
    """Each target's best shadow (0.8) is ``best_of[target]``; others 0.7."""
    rng = np.random.default_rng(seed)
    rows = []
    for target in ("ann", "lr", "rf"):
        for shadow in ("ann", "lr", "rf", "all"):
            mean = 0.8 if shadow == best_of[target] else 0.7
            for _ in range(reps):
                rows.append({"t": target, "s": shadow, "y": mean + rng.normal(0, sd)})
    return pd.DataFrame(rows)


def test_check_best_varies_decides_from_the_top_sets():
    varies = _kinds({"ann": "lr", "lr": "rf", "rf": "ann"}, 0.005)
    fixed = _kinds({"ann": "lr", "lr": "lr", "rf": "lr"}, 0.005)
    noisy = _kinds({"ann": "lr", "lr": "rf", "rf": "ann"}, 0.2, reps=2)

    assert check_best_varies(varies, "t", "s", "y").outcome == HOLDS
    assert check_best_varies(fixed, "t", "s", "y").outcome == FAILS
    assert check_best_varies(noisy, "t", "s", "y").outcome == INCONCLUSIVE


def _correlations(rhos, n=100, p=1e-6):
    return pd.DataFrame(
        {"n": n, "spearman_rho": rhos, "spearman_p": p, "first": "a", "second": "b"}
    )


def test_check_many_moderate_counts_moderate_significant_pairs():
    many = check_many_moderate(_correlations([0.4, -0.5, 0.1, 0.9]))
    few = check_many_moderate(_correlations([0.1, 0.05, 0.9, 0.2, 0.35]))
    thin = check_many_moderate(_correlations([0.4, 0.5], n=10))

    assert many.outcome == HOLDS and many.statistic == 0.5
    assert few.outcome == FAILS and few.statistic == pytest.approx(0.2)
    assert thin.outcome == INCONCLUSIVE
