"""Turn a pandas table into a :class:`Dataset`: clean, binarize, encode."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from miadeps.datasets._dataset import Dataset, _preview
from miadeps.datasets._feature_encoding import _fmt, encode_features
from miadeps.exceptions import ConfigError, DataError

__all__ = ["from_frame"]

logger = logging.getLogger(__name__)


def from_frame(
    df: pd.DataFrame,
    label: str,
    *,
    sensitive: Sequence[str] = (),
    positive: Any = None,
    threshold: float | None = None,
    name: str = "custom",
    drop_sensitive: bool = False,
    categorical: Sequence[str] | None = None,
) -> Dataset:
    """Build a :class:`Dataset` from a table with a label column.

    Parameters
    ----------
    df : pandas.DataFrame of shape (n_records, n_columns)
        One record per row. It is not modified.
    label : str
        Column to predict. It is made binary by the rule described in Notes.
    sensitive : sequence of str, default=()
        Columns kept aside in ``Dataset.sensitive`` with their raw values
        (for fairness measures). They stay among the features unless
        ``drop_sensitive`` is true.
    positive : scalar, optional
        Label value that becomes class 1; every other value becomes 0.
    threshold : float, optional
        For a numeric label: class 1 is ``label > threshold``.
    name : str, default="custom"
        Name of the dataset.
    drop_sensitive : bool, default=False
        Leave the sensitive columns out of ``X``. The study keeps them in.
    categorical : sequence of str, optional
        Columns to one-hot encode even though they hold numbers (codes).

    Returns
    -------
    Dataset
        ``X`` of shape (n_records, n_encoded) float32 and ``y`` of shape
        (n_records,) int64.

    Raises
    ------
    DataError
        If the table is empty, a named column is missing, the label has
        missing values or only one class, a multi-valued label comes without
        ``positive`` or ``threshold``, a column mixes numbers with text, or
        no feature column is left.
    ConfigError
        If both ``positive`` and ``threshold`` are given.

    Notes
    -----
    Cleaning: column names become strings, text is stripped, empty strings
    become NaN, and a text column whose values all read as numbers is
    converted to numbers.

    Label rule, recorded in ``label_rule``: ``threshold`` gives
    ``label > threshold``; ``positive`` gives ``label == positive``; without
    either, a label with exactly two values takes the later one in sorted
    order as class 1 (``">50K"`` over ``"<=50K"``, 1 over 0, True over
    False). A label with more than two values needs one of the two options.

    Encoding: a column of numeric dtype is numeric, any other is categorical
    (unless listed in ``categorical``). Numeric columns have missing values
    replaced by the column median, then are min-max scaled to ``[0, 1]``; a
    constant column encodes as 0. Categorical columns are one-hot encoded
    with one column per value, in sorted order, named ``column=value``; if
    the column has missing values, an extra ``column=<missing>`` column flags
    them, so every record has exactly one 1 in each categorical group.
    """
    if not isinstance(df, pd.DataFrame):
        raise DataError(
            f"from_frame needs a pandas DataFrame, got {type(df).__name__}; "
            "wrap your data with pandas.DataFrame(...)"
        )
    label = str(label)
    sensitive = [str(c) for c in _as_list(sensitive)]
    categorical = [str(c) for c in _as_list(categorical)]
    check_columns(df, label, sensitive, categorical)
    frame = clean_frame(df, keep_text=categorical, lenient=[label])
    drop = sensitive if drop_sensitive else []
    return assemble(
        frame,
        label,
        sensitive=frame[sensitive].copy(),
        drop=drop,
        positive=positive,
        threshold=threshold,
        name=name,
        categorical=categorical,
    )


def clean_frame(
    df: pd.DataFrame, *, keep_text: Iterable[str] = (), lenient: Iterable[str] = ()
) -> pd.DataFrame:
    """Copy ``df`` with string names, stripped text and NaN for missing.

    Text columns whose every value reads as a number become numeric, except
    the columns in ``keep_text``. A text column that is mostly numbers with
    some text is refused, unless it is in ``keep_text`` or ``lenient``.
    """
    if df.shape[0] == 0:
        raise DataError(
            f"the table has no rows (columns: {_preview(list(map(str, df.columns)))}); "
            "load a file with at least one record"
        )
    frame = df.reset_index(drop=True).copy()
    frame.columns = [str(c) for c in frame.columns]
    duplicated = frame.columns[frame.columns.duplicated()].tolist()
    if duplicated:
        raise DataError(
            f"column {duplicated[0]!r} appears more than once; rename the copies"
        )

    keep_text = {str(c) for c in keep_text}
    lenient = {str(c) for c in lenient}
    for column in frame.columns:
        series = frame[column]
        if ptypes.is_numeric_dtype(series) or ptypes.is_datetime64_any_dtype(series):
            continue
        series = _strip_text(series)
        if column not in keep_text:
            series = _numbers_from_text(column, series, strict=column not in lenient)
        frame[column] = series
    return frame


def check_columns(
    frame: pd.DataFrame,
    label: str,
    sensitive: Iterable[str],
    categorical: Iterable[str],
) -> None:
    """Raise a DataError if ``label`` or a listed column is not in ``frame``."""
    columns = [str(c) for c in frame.columns]
    if label not in columns:
        raise DataError(
            f"label column {label!r} not found; available columns: "
            f"{_preview(columns)}; pass one of them as label"
        )
    for role, names in (("sensitive", sensitive), ("categorical", categorical)):
        for column in names:
            if column not in columns:
                raise DataError(
                    f"{role} column {column!r} not found; available columns: "
                    f"{_preview(columns)}"
                )
            if column == label and role == "sensitive":
                raise DataError(
                    f"{column!r} is the label and cannot also be sensitive; "
                    "remove it from sensitive"
                )


def assemble(
    frame: pd.DataFrame,
    label: str,
    *,
    sensitive: pd.DataFrame,
    drop: Iterable[str] = (),
    ignore: Iterable[str] = (),
    positive: Any = None,
    threshold: float | None = None,
    name: str = "custom",
    categorical: Iterable[str] = (),
    source: str = "",
) -> Dataset:
    """Binarize the label and encode the features of a cleaned frame.

    ``drop`` and ``ignore`` are columns left out of ``X``; they differ only
    in intent (sensitive columns dropped on request vs. bookkeeping columns).
    """
    y, rule = binarize_label(
        frame[label], label, positive=positive, threshold=threshold
    )

    excluded = {label, *drop, *ignore}
    features = [c for c in frame.columns if c not in excluded]
    if not features:
        raise DataError(
            f"no feature columns left besides the label {label!r} "
            f"(excluded: {sorted(excluded)}); add feature columns or keep "
            "sensitive ones with drop_sensitive=False"
        )

    categorical = set(categorical)
    kinds = {
        c: "numeric"
        if c not in categorical and ptypes.is_numeric_dtype(frame[c])
        else "categorical"
        for c in features
    }
    X, names, groups = encode_features(frame, features, kinds)
    logger.debug(
        "encoded %s: %d records, %d raw features, %d columns",
        name,
        len(frame),
        len(features),
        X.shape[1],
    )
    return Dataset(
        name=name,
        frame=frame,
        X=X,
        y=y,
        feature_names=names,
        feature_groups=groups,
        raw_features=features,
        feature_kinds=kinds,
        sensitive=sensitive.reset_index(drop=True),
        label_name=label,
        label_rule=rule,
        source=source,
    )


def binarize_label(
    values: pd.Series,
    label: str,
    *,
    positive: Any = None,
    threshold: float | None = None,
) -> tuple[np.ndarray, str]:
    """Map a label column to 0/1 and describe the rule used.

    Returns ``y`` of shape (n_records,) int64 and the rule text.
    """
    if positive is not None and threshold is not None:
        raise ConfigError(
            f"got both positive={positive!r} and threshold={threshold!r}; "
            "pass only one of them"
        )
    n_missing = int(values.isna().sum())
    if n_missing:
        raise DataError(
            f"label {label!r} is missing (NaN) in {n_missing} of {len(values)} rows; "
            "drop or fill those rows before loading"
        )
    numeric = ptypes.is_numeric_dtype(values)
    levels = sorted(pd.unique(values).tolist(), key=_sort_key)

    if threshold is not None:
        if not numeric or ptypes.is_bool_dtype(values):
            raise DataError(
                f"threshold={threshold!r} needs a numeric label, but {label!r} "
                f"holds {_preview([str(v) for v in levels], 5)}; pass positive=..."
            )
        y = (values.to_numpy(dtype=np.float64) > threshold).astype(np.int64)
        rule = f"{label} > {_fmt(threshold)}"
    elif positive is not None:
        match = [v for v in levels if v == positive or _fmt(v) == str(positive)]
        if not match:
            raise DataError(
                f"positive={positive!r} is not a value of label {label!r}; "
                f"choose from {_preview([_fmt(v) for v in levels])}"
            )
        y = (values == match[0]).to_numpy().astype(np.int64)
        rule = f"{label} is {_fmt(match[0])}"
    elif len(levels) == 1:
        raise DataError(
            f"label {label!r} has one class only ({_fmt(levels[0])!r} in every "
            "row); a binary label needs two classes"
        )
    elif len(levels) == 2:
        y = (values == levels[1]).to_numpy().astype(np.int64)
        rule = f"{label} is {_fmt(levels[1])}"
    elif numeric:
        raise DataError(
            f"label {label!r} is numeric with {len(levels)} values "
            f"({_fmt(levels[0])} to {_fmt(levels[-1])}); pass threshold=... "
            "(class 1 is label > threshold) or positive=... (one value vs the rest)"
        )
    else:
        raise DataError(
            f"label {label!r} has {len(levels)} values "
            f"{_preview([_fmt(v) for v in levels], 5)}; pass positive=... to pick "
            "the value that becomes class 1"
        )

    n_positive = int(y.sum())
    if n_positive in (0, len(y)):
        raise DataError(
            f"the rule '{rule}' puts every record in class {int(y[0])}; "
            "choose a positive value or threshold that splits the records"
        )
    return y, rule


def _numbers_from_text(column: str, series: pd.Series, *, strict: bool) -> pd.Series:
    """Numbers stored as text become numeric; mostly-number columns are refused."""
    counts = series.value_counts(dropna=True, sort=False)
    if counts.empty:
        return series
    as_numbers = pd.to_numeric(pd.Series(counts.index.astype(str)), errors="coerce")
    is_number = as_numbers.notna().to_numpy()
    n_numbers = int(counts.to_numpy()[is_number].sum())
    if is_number.all():
        return pd.to_numeric(series.astype(object), errors="coerce")
    if strict and n_numbers > counts.sum() / 2:
        texts = set(counts.index[~is_number])
        row = int(np.flatnonzero(series.isin(texts).to_numpy())[0])
        bad = series.iloc[row]
        raise DataError(
            f"column {column!r} holds numbers but row {row} has the text {bad!r}; "
            f"clean the file (or read it with na_values=[{bad!r}]), or pass "
            f"categorical=[{column!r}] to treat the column as categories"
        )
    return series


def _strip_text(series: pd.Series) -> pd.Series:
    """Strip the strings of a column; empty strings become NaN."""
    distinct = pd.unique(series.dropna())
    if not any(isinstance(v, str) and (v == "" or v != v.strip()) for v in distinct):
        return series
    cleaned = {v: (v.strip() or np.nan) if isinstance(v, str) else v for v in distinct}
    return series.map(cleaned)


def _as_list(names: str | Iterable[str] | None) -> list[str]:
    """A single column name or a sequence of them, as a list."""
    if names is None:
        return []
    if isinstance(names, str):
        return [names]
    return list(names)


def _sort_key(value: Any) -> tuple[int, Any]:
    # Numbers sort by value, everything else by its text, so mixed label
    # columns still get a fixed order.
    if isinstance(value, (bool, np.bool_)):
        return (0, int(value))
    if isinstance(value, (int, float, np.number)):
        return (0, float(value))
    return (1, str(value))
