import numpy as np
import pytest
from scipy import stats

from miadeps.analysis import mean_interval, rank_correlation, welch_difference
from miadeps.exceptions import ConfigError


def test_rank_correlation_matches_scipy_and_brackets_the_estimate():
    rng = np.random.default_rng(0)
    x = rng.normal(size=60)
    y = x + rng.normal(size=60)

    spearman = rank_correlation(x, y)
    pearson = rank_correlation(x, y, method="pearson")

    expected = stats.spearmanr(x, y)
    assert spearman.coefficient == pytest.approx(expected[0])
    assert spearman.p_value == pytest.approx(expected[1])
    assert pearson.coefficient == pytest.approx(stats.pearsonr(x, y)[0])
    assert spearman.low < spearman.coefficient < spearman.high and spearman.n == 60


def test_rank_correlation_skips_nan_pairs_and_is_nan_when_undefined():
    x = np.array([1.0, 2, 3, 4, np.nan, 6])
    assert rank_correlation(x, x).n == 5
    constant = rank_correlation([1.0, 2, 3, 4, 5], [2.0] * 5)
    assert np.isnan(constant.coefficient) and constant.n == 5
    assert np.isnan(rank_correlation([1.0, 2, 3], [1.0, 2, 3]).p_value)


def test_rank_correlation_rejects_an_unknown_method():
    with pytest.raises(ConfigError, match="spearman or pearson; got 'kendall'"):
        rank_correlation([1, 2, 3, 4], [1, 2, 3, 4], method="kendall")


def test_welch_difference_matches_scipys_welch_test():
    rng = np.random.default_rng(1)
    a, b = rng.normal(1.0, 1.0, 15), rng.normal(0.5, 2.0, 25)

    diff = welch_difference(a, b)

    expected = stats.ttest_ind(a, b, equal_var=False)
    low, high = expected.confidence_interval(0.95)
    assert diff.p_value == pytest.approx(expected.pvalue)
    assert (diff.low, diff.high) == pytest.approx((low, high))
    assert (diff.n_first, diff.n_second) == (15, 25)


def test_welch_difference_with_one_stratum_equals_the_plain_one():
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=8), rng.normal(size=9)

    plain = welch_difference(a, b)
    strata = welch_difference(a, b, strata=(["s"] * 8, ["s"] * 9))

    assert strata == plain


def test_welch_difference_is_nan_with_a_single_value():
    assert np.isnan(welch_difference([1.0], [1.0, 2.0]).low)


def test_mean_interval_matches_the_student_t_interval():
    values = np.array([0.1, 0.4, 0.35, 0.2, 0.3])

    mean, low, high = mean_interval(values)

    expected = stats.t.interval(0.95, 4, loc=values.mean(), scale=stats.sem(values))
    assert mean == pytest.approx(values.mean())
    assert (low, high) == pytest.approx(expected)
    assert np.isnan(mean_interval([0.5])[1])
