import numpy as np
import pandas as pd
import pytest
from scipy import stats

from miadeps.analysis import correlation_table, property_columns


@pytest.fixture
def rows():
    rng = np.random.default_rng(0)
    n = 40
    size = rng.uniform(0, 1, n)
    frame = pd.DataFrame(
        {
            "key": [f"k{i}" for i in range(n)],
            "spec.sampling.target_size": 100,
            "data.size": size,
            "data.n_features": 14,
            "model.accuracy_gap": size + rng.normal(0, 0.1, n),
            "model.fairness_groups": "sex",
            "attack.accuracy": rng.uniform(0.5, 0.8, n),
            "attack.precision": rng.uniform(size=n),
        }
    )
    # A property only one study measures: half the trials lack it.
    frame["model.mutual_information"] = np.where(
        np.arange(n) < 20, rng.uniform(size=n), np.nan
    )
    return frame


def test_property_columns_keeps_varying_measures_only(rows):
    used, constant = property_columns(rows)

    assert used == [
        "data.size",
        "model.accuracy_gap",
        "model.mutual_information",
        "attack.accuracy",
    ]
    assert constant == ["data.n_features"]


def test_correlation_table_has_every_pair_with_its_own_n(rows):
    table = correlation_table(rows)

    assert len(table) == 6
    pair = table[
        (table["first"] == "data.size") & (table["second"] == "model.accuracy_gap")
    ]
    expected = stats.spearmanr(rows["data.size"], rows["model.accuracy_gap"])
    assert pair["spearman_rho"].item() == pytest.approx(expected[0])
    assert pair["spearman_p"].item() == pytest.approx(expected[1])
    assert pair["pearson_r"].item() == pytest.approx(
        stats.pearsonr(rows["data.size"], rows["model.accuracy_gap"])[0]
    )
    assert set(table.loc[table["second"] == "model.mutual_information", "n"]) == {20}


def test_correlation_table_leaves_out_pairs_with_too_few_trials(rows):
    rows.loc[3:, "model.mutual_information"] = np.nan

    table = correlation_table(rows)

    assert "model.mutual_information" not in set(table["first"]) | set(table["second"])
