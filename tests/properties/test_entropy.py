import numpy as np
import pandas as pd
import pytest
from scipy.stats import entropy

from miadeps.datasets import load_german
from miadeps.exceptions import ConfigError, DataError
from miadeps.properties import dataset_entropy, feature_entropies


def _frame(n=500, seed=0):
    rng = np.random.default_rng(seed)
    continuous = rng.gamma(2.0, size=n)
    continuous[:7] = np.nan
    return pd.DataFrame(
        {
            "colour": rng.choice(
                ["red", "green", "blue", None], size=n, p=[0.5, 0.3, 0.15, 0.05]
            ),
            "count": rng.poisson(3, size=n),
            "continuous": continuous,
        }
    )


def test_feature_entropies_match_scipy_per_feature():
    frame = _frame()
    got = feature_entropies(frame, bins=10, max_distinct=20)

    colour_counts = frame["colour"].value_counts(dropna=False).to_numpy()
    count_counts = np.unique(frame["count"], return_counts=True)[1]
    present = frame["continuous"].dropna().to_numpy()
    binned = np.histogram(present, bins=10)[0]
    continuous_counts = np.append(binned, frame["continuous"].isna().sum())

    expected = [
        entropy(colour_counts, base=2),
        entropy(count_counts, base=2),
        entropy(continuous_counts, base=2),
    ]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert dataset_entropy(frame) == pytest.approx(np.mean(expected), rel=1e-12)


def test_feature_entropies_bin_many_valued_numerics_only():
    values = np.repeat(np.arange(30.0), 2)[:, None]
    # 30 distinct values, each twice: log2(30) as-is, log2(3) with 3 bins.
    assert feature_entropies(values, max_distinct=30)[0] == pytest.approx(np.log2(30))
    assert feature_entropies(values, bins=3)[0] == pytest.approx(np.log2(3))
    assert feature_entropies(values, bins="sturges")[0] <= np.log2(30)


def test_feature_entropies_of_german_match_scipy_on_raw_columns():
    german = load_german()
    got = feature_entropies(german)
    assert got.shape == (german.n_features,)
    for j, name in enumerate(german.raw_features):
        column = german.frame[name]
        if german.feature_kinds[name] == "numeric" and column.nunique() > 20:
            counts = np.histogram(column, bins=10)[0]
        else:
            counts = column.value_counts().to_numpy()
        assert got[j] == pytest.approx(entropy(counts, base=2), rel=1e-12), name


def test_feature_entropies_kinds_turn_numbers_into_categories():
    codes = np.repeat(np.arange(40), 3)[:, None]
    assert feature_entropies(codes, kinds={0: "categorical"})[0] == pytest.approx(
        np.log2(40)
    )
    assert feature_entropies(codes)[0] <= np.log2(10) + 1e-12


def test_feature_entropies_constant_feature_is_zero():
    assert feature_entropies(np.ones((5, 1)))[0] == 0.0


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"bins": 0}, ConfigError, "positive int"),
        ({"bins": "wide"}, ConfigError, "not a numpy bin rule"),
        ({"max_distinct": -1}, ConfigError, "non-negative int"),
        ({"kinds": {0: "ordinal"}}, ConfigError, "kind 'ordinal'"),
        ({"kinds": {"z": "numeric"}}, ConfigError, "'z', which is not a column"),
    ],
)
def test_feature_entropies_rejects_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        feature_entropies(np.zeros((3, 2)), **kwargs)


def test_feature_entropies_rejects_bad_data():
    with pytest.raises(DataError, match="no records"):
        feature_entropies(np.zeros((0, 2)))
    with pytest.raises(DataError, match="must be 2-D"):
        feature_entropies(np.zeros(3))
    with pytest.raises(DataError, match="mark it categorical"):
        feature_entropies(pd.DataFrame({"a": ["x", "y"]}), kinds={"a": "numeric"})
    with pytest.raises(ConfigError, match="cannot be given with a Dataset"):
        feature_entropies(load_german(), kinds={"age": "numeric"})
