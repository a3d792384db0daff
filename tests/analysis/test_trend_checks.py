import numpy as np
import pandas as pd
import pytest

from miadeps.analysis import (
    FAILS,
    HOLDS,
    INCONCLUSIVE,
    check_lower_bound,
    check_no_effect,
    check_spread_grows,
    check_strongest,
    check_trend,
)
from miadeps.exceptions import ConfigError


def _sweep(levels, reps, metric, seed=0):
    """Rows with ``x`` at each level ``reps`` times and ``y = metric(x, rng)``."""
    rng = np.random.default_rng(seed)
    x = np.repeat(np.asarray(levels, float), reps)
    return pd.DataFrame({"x": x, "y": metric(x, rng)})


def rising(x, rng):
    return 0.6 + 0.05 * x + rng.normal(0, 0.02, x.size)


def flat(x, rng):
    return 0.75 + rng.normal(0, 0.02, x.size)


def test_check_trend_holds_on_a_rising_trend_and_fails_the_other_way():
    rows = _sweep([1, 2, 3, 4, 5], 10, rising)

    up = check_trend(rows, "x", "y")
    down = check_trend(rows, "x", "y", direction="decreases")

    assert up.outcome == HOLDS and up.statistic > 0.8 and up.p_value < 0.001
    assert up.n == 50 and up.low < up.statistic < up.high
    assert down.outcome == FAILS and "other way" in down.rule


def test_check_trend_fails_when_a_large_sample_rules_any_trend_out():
    rows = _sweep(np.arange(10), 300, flat)

    verdict = check_trend(rows, "x", "y")

    assert verdict.outcome == FAILS
    assert -0.1 < verdict.low and verdict.high < 0.1


def test_check_trend_is_inconclusive_on_a_few_noisy_trials():
    rows = _sweep([1, 2, 3, 4], 3, flat, seed=3)

    verdict = check_trend(rows, "x", "y")

    assert verdict.outcome == INCONCLUSIVE
    assert verdict.p_value >= 0.05 and verdict.high > 0.1


def test_check_trend_sentence_is_built_from_the_numbers():
    rows = _sweep([1, 2, 3, 4, 5], 10, rising)

    verdict = check_trend(rows, "x", "y")

    assert verdict.sentence.startswith(f"Spearman rho = {verdict.statistic:.2f} ")
    assert "n = 50" in verdict.sentence
    assert verdict.sentence.endswith(": holds (rho > 0 and p < 0.05).")


@pytest.mark.parametrize(
    ("rows", "reason"),
    [
        (pd.DataFrame({"x": [1.0, 2.0, 3.0]}), "no values in column 'y'"),
        (pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [0.5, 0.6, 0.7, 0.8]}), "only 4"),
        (pd.DataFrame({"x": [1.0, 2] * 6, "y": np.arange(12.0)}), "fewer than 3"),
        (pd.DataFrame({"x": np.arange(12.0), "y": [0.75] * 12}), "same in every"),
    ],
)
def test_check_trend_says_why_it_cannot_test(rows, reason):
    verdict = check_trend(rows, "x", "y")

    assert verdict.outcome == INCONCLUSIVE
    assert reason in verdict.rule and "not run" in verdict.evidence


def test_check_trend_rejects_an_unknown_direction():
    rows = _sweep([1, 2, 3], 4, rising)
    with pytest.raises(ConfigError, match="direction must be 'increases'.*'up'"):
        check_trend(rows, "x", "y", direction="up")


def test_check_no_effect_holds_on_a_flat_sweep_and_fails_on_a_trend():
    assert check_no_effect(_sweep(np.arange(8), 100, flat), "x", "y").outcome == HOLDS
    trend = check_no_effect(_sweep([1, 2, 3, 4, 5], 10, rising), "x", "y")
    assert trend.outcome == FAILS and "|rho| >= 0.3" in trend.rule


def test_check_no_effect_is_inconclusive_when_too_few_trials_rule_nothing_out():
    verdict = check_no_effect(_sweep([1, 2, 3, 4], 3, flat, seed=3), "x", "y")

    assert verdict.outcome == INCONCLUSIVE and "too few trials" in verdict.rule


def _balance_sweep(floor_slope, seed=0):
    """Accuracy whose floor moves by ``floor_slope`` per unit of imbalance."""

    def metric(x, rng):
        return 0.6 + floor_slope * np.abs(x - 0.5) + rng.uniform(0, 0.1, x.size)

    return _sweep([0.1, 0.3, 0.5, 0.7, 0.9], 30, metric, seed)


@pytest.mark.parametrize(
    ("slope", "outcome"), [(0.5, HOLDS), (-0.5, FAILS), (0.0, INCONCLUSIVE)]
)
def test_check_lower_bound_follows_the_floor_of_the_metric(slope, outcome):
    verdict = check_lower_bound(_balance_sweep(slope), "x", "y", n_boot=400)

    assert verdict.outcome == outcome
    assert verdict.low <= verdict.statistic <= verdict.high
    assert "5 settings, 150 trials" in verdict.evidence


def test_check_lower_bound_is_repeatable_with_the_same_seed():
    rows = _balance_sweep(0.0)

    first = check_lower_bound(rows, "x", "y", n_boot=200, random_state=7)
    again = check_lower_bound(rows, "x", "y", n_boot=200, random_state=7)

    assert first == again


def test_check_lower_bound_needs_two_imbalances_and_enough_trials():
    symmetric = _sweep([0.3, 0.7], 10, flat)
    assert "two distinct" in check_lower_bound(symmetric, "x", "y").rule
    sparse = _sweep([0.1, 0.5, 0.9], 2, flat)
    assert "fewer than 3 trials" in check_lower_bound(sparse, "x", "y").rule


def test_check_spread_grows_detects_a_fanning_metric():
    def fanning(x, rng):
        return 0.5 + rng.normal(0, 0.005 + 0.05 * x, x.size)

    grows = check_spread_grows(_sweep(np.linspace(0, 1, 10), 20, fanning), "x", "y")
    even = check_spread_grows(_sweep(np.linspace(0, 1, 10), 20, flat), "x", "y")

    assert grows.outcome == HOLDS and grows.statistic > 0
    assert even.outcome == INCONCLUSIVE


def test_check_strongest_finds_the_property_that_tracks_the_metric():
    rng = np.random.default_rng(0)
    n = 200
    rows = pd.DataFrame({"a": rng.uniform(size=n), "b": rng.uniform(size=n)})
    rows["c"] = rng.uniform(size=n)
    rows["y"] = 2 * rows["a"] + 0.3 * rows["b"] + rng.normal(0, 0.3, n)

    best = check_strongest(rows, ["a", "b", "c"], "a", "y", n_boot=300)
    worst = check_strongest(rows, ["a", "b", "c"], "c", "y", n_boot=300)

    assert best.outcome == HOLDS and best.low > 0
    assert worst.outcome == FAILS and worst.high < 0
