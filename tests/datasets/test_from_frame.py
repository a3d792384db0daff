"""from_frame: cleaning, label rules, encoding, and refusals of bad tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from miadeps.datasets import from_frame
from miadeps.exceptions import ConfigError, DataError


def table(**columns) -> pd.DataFrame:
    base = {"x": [1.0, 2.0, 3.0, 4.0], "y": [0, 1, 0, 1]}
    base.update(columns)
    return pd.DataFrame(base)


def test_from_frame_encodes_numeric_min_max_and_median_fill() -> None:
    df = table(x=[10.0, np.nan, 30.0, 50.0])
    ds = from_frame(df, "y")

    # The median of 10, 30, 50 is 30, which scales to 0.5.
    np.testing.assert_allclose(ds.X[:, 0], [0.0, 0.5, 0.5, 1.0])
    assert ds.X.dtype == np.float32 and ds.y.dtype == np.int64
    assert ds.feature_kinds == {"x": "numeric"}
    assert np.isnan(ds.frame.loc[1, "x"])


def test_from_frame_constant_numeric_column_encodes_as_zero() -> None:
    ds = from_frame(table(c=[7, 7, 7, 7]), "y")
    assert ds.X[:, ds.feature_names.index("c")].tolist() == [0, 0, 0, 0]


def test_from_frame_one_hot_with_missing_column() -> None:
    df = table(color=[" red", "blue ", None, ""])
    ds = from_frame(df, "y")

    assert ds.feature_names == ["x", "color=blue", "color=red", "color=<missing>"]
    assert ds.feature_groups.tolist() == [0, 1, 1, 1]
    block = ds.X[:, 1:]
    np.testing.assert_array_equal(block.sum(axis=1), 1)
    np.testing.assert_array_equal(block[:, 2], [0, 0, 1, 1])
    assert ds.frame["color"].tolist()[:2] == ["red", "blue"]
    assert ds.frame["color"].isna().tolist() == [False, False, True, True]


def test_from_frame_categorical_override_one_hot_encodes_codes() -> None:
    ds = from_frame(table(code=[3, 1, 3, 2]), "y", categorical=["code"])
    assert ds.feature_names[1:] == ["code=1", "code=2", "code=3"]
    assert ds.feature_kinds["code"] == "categorical"


def test_from_frame_numbers_stored_as_text_become_numeric() -> None:
    ds = from_frame(table(n=["1", "2", " 3", "5"]), "y")
    assert ds.feature_kinds["n"] == "numeric"
    np.testing.assert_allclose(ds.X[:, 1], [0, 0.25, 0.5, 1])


def test_from_frame_accepts_a_single_column_name() -> None:
    df = table(sex=["f", "m", "m", "f"], code=[1, 2, 1, 2])
    ds = from_frame(df, "y", sensitive="sex", categorical="code")
    assert ds.sensitive.columns.tolist() == ["sex"]
    assert ds.feature_kinds["code"] == "categorical"


def test_from_frame_keeps_sensitive_columns_unless_dropped() -> None:
    df = table(sex=["f", "m", "m", "f"], age=[20, 30, 40, 50])
    kept = from_frame(df, "y", sensitive=["sex", "age"])
    dropped = from_frame(df, "y", sensitive=["sex", "age"], drop_sensitive=True)

    assert kept.raw_features == ["x", "sex", "age"]
    assert dropped.raw_features == ["x"]
    for ds in (kept, dropped):
        assert ds.sensitive.columns.tolist() == ["sex", "age"]
        assert ds.sensitive["sex"].tolist() == ["f", "m", "m", "f"]


@pytest.mark.parametrize(
    ("labels", "kwargs", "expected", "rule"),
    [
        (["<=50K", ">50K", ">50K", "<=50K"], {}, [0, 1, 1, 0], "y is >50K"),
        ([0, 1, 1, 0], {}, [0, 1, 1, 0], "y is 1"),
        ([False, True, True, False], {}, [0, 1, 1, 0], "y is True"),
        (["no", "yes", "yes", "no"], {"positive": "no"}, [1, 0, 0, 1], "y is no"),
        ([1.0, 5.0, 9.0, 3.0], {"threshold": 4}, [0, 1, 1, 0], "y > 4"),
        ([1, 5, 9, 3], {"positive": 9}, [0, 0, 1, 0], "y is 9"),
        (["a", "b", "c", "a"], {"positive": "a"}, [1, 0, 0, 1], "y is a"),
    ],
)
def test_from_frame_label_rules(labels, kwargs, expected, rule) -> None:
    ds = from_frame(table(y=labels), "y", **kwargs)
    assert ds.y.tolist() == expected
    assert ds.label_rule == rule


@pytest.mark.parametrize(
    ("df", "kwargs", "match"),
    [
        (table(), {"label": "income"}, r"label column 'income' not found.*'x', 'y'"),
        (
            table(y=[0, np.nan, 1, np.nan]),
            {"label": "y"},
            r"label 'y' is missing \(NaN\) in 2 of 4 rows; drop or fill",
        ),
        (table(y=["a"] * 4), {"label": "y"}, "has one class only \\('a'"),
        (table(y=[1, 2, 3, 4]), {"label": "y"}, "pass threshold=.* or positive="),
        (table(y=list("abcd")), {"label": "y"}, "has 4 values.*pass positive="),
        (
            table(n=["12", "7", "abc", "3"]),
            {"label": "y"},
            r"column 'n' holds numbers but row 2 has the text 'abc'.*categorical",
        ),
        (
            table(),
            {"label": "y", "sensitive": ["race"]},
            "sensitive column 'race' not found",
        ),
        (pd.DataFrame({"x": [], "y": []}), {"label": "y"}, "the table has no rows"),
        (table()[["y"]], {"label": "y"}, "no feature columns left"),
        (
            table(s=list("abab")),
            {"label": "y", "sensitive": ["s", "x"], "drop_sensitive": True},
            "no feature columns left",
        ),
        (table(), {"label": "y", "positive": 7}, "positive=7 is not a value"),
        (table(), {"label": "y", "threshold": 5}, "puts every record in class 0"),
        (table(y=list("abab")), {"label": "y", "threshold": 0}, "needs a numeric"),
        (table(x=[1, np.inf, 2, 3]), {"label": "y"}, "infinite value at row 1"),
        (
            table(),
            {"label": "y", "categorical": ["zip"]},
            "categorical column 'zip' not found",
        ),
    ],
)
def test_from_frame_refuses_bad_input(df, kwargs, match) -> None:
    label = kwargs.pop("label")
    with pytest.raises(DataError, match=match):
        from_frame(df, label, **kwargs)


def test_from_frame_error_messages_are_one_line() -> None:
    with pytest.raises(DataError) as info:
        from_frame(table(), "nope")
    assert "\n" not in str(info.value)


def test_from_frame_long_column_list_is_truncated_in_errors() -> None:
    df = pd.DataFrame({f"c{i}": [0, 1] for i in range(30)})
    with pytest.raises(DataError, match=r"\.\.\. \(20 more\)"):
        from_frame(df, "label")


def test_from_frame_positive_and_threshold_together_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="pass only one"):
        from_frame(table(), "y", positive=1, threshold=0.5)


def test_from_frame_mostly_text_column_is_categorical() -> None:
    ds = from_frame(table(t=["a", "b", "7", "c"]), "y")
    assert ds.feature_kinds["t"] == "categorical"
    assert "t=7" in ds.feature_names


def test_from_frame_does_not_modify_input_and_resets_index() -> None:
    df = table(c=[" a", "b", "a", "b"])
    df.index = [10, 11, 12, 13]
    before = df.copy()
    ds = from_frame(df, "y")
    pd.testing.assert_frame_equal(df, before)
    assert ds.frame.index.tolist() == [0, 1, 2, 3]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.one_of(st.floats(-1e6, 1e6), st.none()), min_size=2, max_size=30
    ).filter(lambda v: sum(x is not None for x in v) >= 1),
    st.lists(st.sampled_from(["a", "b", None]), min_size=30, max_size=30),
)
def test_from_frame_encoding_stays_in_unit_range(numbers, cats) -> None:
    n = len(numbers)
    df = pd.DataFrame(
        {
            "num": [np.nan if v is None else v for v in numbers],
            "cat": cats[:n],
            "y": [i % 2 for i in range(n)],
        }
    )
    ds = from_frame(df, "y")
    assert np.isfinite(ds.X).all()
    assert ds.X.min() >= 0 and ds.X.max() <= 1
    for group in np.unique(ds.feature_groups):
        if ds.feature_kinds[ds.raw_features[group]] == "categorical":
            np.testing.assert_array_equal(ds.X[:, ds.feature_groups == group].sum(1), 1)
