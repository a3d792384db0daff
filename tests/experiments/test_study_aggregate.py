import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from miadeps.exceptions import ConfigError
from miadeps.experiments import aggregate, varied_columns


def _rows():
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "key": [f"k{i:02d}" for i in range(12)],
            "balance": [0.1] * 5 + [0.5] * 6 + [0.9],
            "acc": rng.uniform(0.5, 0.9, 12),
        }
    )


def test_aggregate_gives_the_student_t_interval_of_the_mean():
    rows = _rows()
    table = aggregate(rows, ["balance"], ["acc"])
    assert table["balance"].tolist() == [0.1, 0.5, 0.9]
    assert table["n"].tolist() == [5, 6, 1]
    for _, row in table.iloc[:2].iterrows():
        values = rows.loc[rows["balance"] == row["balance"], "acc"]
        low, high = stats.t.interval(
            0.95, len(values) - 1, loc=values.mean(), scale=stats.sem(values)
        )
        assert row["mean"] == pytest.approx(values.mean())
        assert row["ci_low"] == pytest.approx(low)
        assert row["ci_high"] == pytest.approx(high)
        assert row["half_width"] == pytest.approx((high - low) / 2)


def test_aggregate_of_one_repetition_has_no_interval():
    row = aggregate(_rows(), ["balance"], ["acc"]).iloc[2]
    assert row["n"] == 1 and not math.isnan(row["mean"])
    assert math.isnan(row["half_width"]) and math.isnan(row["ci_low"])


def test_aggregate_leaves_out_nan_values():
    rows = _rows()
    rows.loc[0, "acc"] = np.nan
    first = aggregate(rows, ["balance"], ["acc"]).iloc[0]
    assert first["n"] == 4
    assert first["mean"] == pytest.approx(rows["acc"].iloc[1:5].mean())


def test_aggregate_does_not_depend_on_row_order():
    rows = _rows()
    shuffled = rows.sample(frac=1.0, random_state=1)
    pd.testing.assert_frame_equal(
        aggregate(rows, ["balance"], ["acc"]), aggregate(shuffled, ["balance"], ["acc"])
    )


def test_aggregate_keeps_missing_setting_values_as_their_own_group():
    rows = pd.DataFrame(
        {"width": [5.0, 5.0, np.nan, np.nan], "lr": [np.nan, np.nan, 0.1, 0.1]}
    )
    rows["acc"] = [0.6, 0.7, 0.8, 0.9]
    table = aggregate(rows, ["width", "lr"], ["acc"])
    assert len(table) == 2
    assert table["mean"].tolist() == pytest.approx([0.65, 0.85])


def test_aggregate_without_groups_summarises_all_rows():
    table = aggregate(_rows(), [], ["acc"], confidence=0.9)
    assert table["n"].tolist() == [12]
    assert list(table.columns) == [
        "metric",
        "n",
        "mean",
        "half_width",
        "ci_low",
        "ci_high",
    ]


@pytest.mark.parametrize(
    ("by", "metrics", "confidence", "match"),
    [
        (["nope"], ["acc"], 0.95, "no column 'nope' in the results"),
        (["balance"], ["key"], 0.95, "column 'key' is not numeric"),
        (["balance"], ["acc"], 95, r"confidence must lie in \(0, 1\); got 95"),
    ],
)
def test_aggregate_rejects_bad_requests(by, metrics, confidence, match):
    with pytest.raises(ConfigError, match=match):
        aggregate(_rows(), by, metrics, confidence=confidence)


def test_varied_columns_name_the_stored_spec_columns():
    assert varied_columns(["sampling.class_balance", "dataset"]) == [
        "spec.sampling.class_balance",
        "spec.dataset.name",
    ]
