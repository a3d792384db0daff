import numpy as np
import pandas as pd
import pytest

from miadeps.analysis import (
    depth_l2_table,
    drop_low_utility,
    grid_rows,
    model_type_matrix,
    summary_table,
)
from miadeps.exceptions import ConfigError


def test_model_type_matrix_averages_each_pair_with_all_last():
    rows = pd.DataFrame(
        {
            "spec.target.kind": ["ann", "ann", "ann", "lr", "lr"],
            "spec.shadow.kind": ["all", "lr", "lr", "lr", "all"],
            "attack.accuracy": [0.8, 0.6, 0.7, 0.5, 0.9],
        }
    )

    matrix = model_type_matrix(rows)

    assert list(matrix.columns) == ["lr", "all"]
    assert matrix.loc["ann", "lr"] == pytest.approx(0.65)
    assert matrix.loc["lr", "all"] == pytest.approx(0.9)


def test_model_type_matrix_names_the_missing_column():
    with pytest.raises(ConfigError, match="no column 'spec.shadow.kind'.*model-types"):
        model_type_matrix(pd.DataFrame({"spec.target.kind": ["ann"]}))


def test_depth_l2_table_summarises_utility_and_attack_per_setting():
    rows = pd.DataFrame(
        {
            "spec.target.params.depth": [1, 1, 5, 5],
            "spec.target.params.l2": [0.0, 0.0, 0.01, 0.01],
            "target.train_accuracy": [0.8, 0.82, 0.9, 0.92],
            "target.test_accuracy": [0.79, 0.8, 0.85, 0.86],
            "attack.accuracy": [0.75, 0.76, 0.8, 0.82],
        }
    )

    table = depth_l2_table(rows)

    assert set(table["metric"]) == {
        "target.train_accuracy",
        "target.test_accuracy",
        "attack.accuracy",
    }
    deep = table[(table["spec.target.params.depth"] == 5)]
    assert deep.set_index("metric").loc["attack.accuracy", "mean"] == pytest.approx(
        0.81
    )


def test_depth_l2_table_asks_for_the_right_study():
    with pytest.raises(ConfigError, match="target.params.depth.*depth-l2"):
        depth_l2_table(pd.DataFrame({"spec.target.params.l2": [0.0]}))


def test_drop_low_utility_removes_settings_below_the_bar():
    rows = pd.DataFrame(
        {
            "setting": ["s/lr=1", "s/lr=1", "s/lr=0.01", "s/lr=0.01"],
            "spec.target.params.learning_rate": [1.0, 1.0, 0.01, 0.01],
            "target.train_accuracy": [0.55, 0.6, 0.85, 0.86],
            "target.test_accuracy": [0.55, 0.6, 0.84, 0.85],
        }
    )

    kept, dropped = drop_low_utility(rows, ["spec.target.params.learning_rate"], 0.7)

    assert dropped == ["s/lr=1"]
    assert kept["spec.target.params.learning_rate"].tolist() == [0.01, 0.01]


def test_drop_low_utility_rejects_a_bar_outside_zero_one():
    with pytest.raises(
        ConfigError, match="min_accuracy must lie in \\[0, 1\\]; got 70"
    ):
        drop_low_utility(pd.DataFrame(), [], 70)


def test_grid_rows_picks_the_trials_of_one_grid():
    rows = pd.DataFrame({"width": [5.0, 50.0, np.nan], "l2": [np.nan, np.nan, 0.1]})

    assert len(grid_rows(rows, "width")) == 2
    assert grid_rows(rows, "depth").empty


def test_summary_table_skips_absent_and_text_columns():
    rows = pd.DataFrame({"x": [1, 1, 2], "y": [0.1, 0.3, 0.5], "kind": ["a", "b", "c"]})

    table = summary_table(rows, ["x", "missing"], ["y", "kind", "absent"])

    assert list(table["metric"]) == ["y", "y"]
    assert table["mean"].tolist() == pytest.approx([0.2, 0.5])
