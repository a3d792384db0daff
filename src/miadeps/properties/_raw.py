"""A per-raw-feature view of a table, whatever form the table comes in.

The data properties (mutual information with the label, feature vectors,
entropy) are defined on raw features, not on the one-hot columns of ``X``.
:func:`as_raw_table` turns a :class:`~miadeps.datasets.Dataset`, a pandas
DataFrame or a 2-D array into one column per raw feature: numeric features
as float64 values with NaN where missing, categorical features as integer
codes of their sorted values, missing values taking the last code.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
import pandas as pd
from pandas.api import types as ptypes

from miadeps.datasets import Dataset
from miadeps.exceptions import ConfigError, DataError

__all__ = ["RawTable", "as_raw_table"]

KINDS = ("numeric", "categorical")


@dataclasses.dataclass(frozen=True)
class RawTable:
    """Raw features of ``n_records`` records, one array per feature.

    ``columns[j]`` has shape (n_records,): float64 with NaN for a numeric
    feature, int64 codes ``0..n_levels`` for a categorical one (code
    ``n_levels`` only where the value is missing).
    """

    names: list[Hashable]
    kinds: list[str]
    columns: list[np.ndarray]
    n_records: int

    def positions(self, features: Sequence[int | Hashable]) -> list[int]:
        """Positions of ``features``, given as positions or names."""
        found = []
        for feature in features:
            if isinstance(feature, (int, np.integer)) and not isinstance(feature, bool):
                if not 0 <= feature < len(self.names):
                    raise ConfigError(
                        f"feature position {int(feature)} is out of range for "
                        f"{len(self.names)} features; use 0..{len(self.names) - 1}"
                    )
                found.append(int(feature))
            elif feature in self.names:
                found.append(self.names.index(feature))
            else:
                raise ConfigError(
                    f"{feature!r} is not a feature; give a position "
                    f"0..{len(self.names) - 1} or one of {_preview(self.names)}"
                )
        return found


def as_raw_table(data, kinds: Mapping[Hashable, str] | None = None) -> RawTable:
    """One array per raw feature of ``data``.

    Parameters
    ----------
    data : Dataset, pandas.DataFrame or array-like of shape (n_records, n_features)
        A Dataset gives its ``raw_features`` columns of ``frame`` and their
        ``feature_kinds``. A DataFrame gives all its columns; an array gives
        columns named ``0..n_features-1``.
    kinds : mapping of column name to "numeric" or "categorical", optional
        Kinds of DataFrame or array columns; a column not listed is numeric
        when its dtype is numeric and categorical otherwise. Not allowed with
        a Dataset, which carries its own kinds.

    Returns
    -------
    RawTable

    Raises
    ------
    ConfigError
        If ``kinds`` names an unknown column or kind, or comes with a Dataset.
    DataError
        If ``data`` is not 2-D, a numeric column holds text or infinities, or
        a Dataset's frame lacks one of its raw features.
    """
    if isinstance(data, Dataset):
        if kinds is not None:
            raise ConfigError(
                "kinds cannot be given with a Dataset, which holds its own "
                "feature_kinds; drop the kinds argument"
            )
        missing = [name for name in data.raw_features if name not in data.frame]
        if missing:
            raise DataError(
                f"raw feature {missing[0]!r} of dataset {data.name!r} is not a "
                "column of its frame; rebuild the dataset with from_frame"
            )
        frame = data.frame[list(data.raw_features)]
        kinds = data.feature_kinds
    elif isinstance(data, pd.DataFrame):
        frame = data
    else:
        array = np.asarray(data)
        if array.ndim != 2:
            raise DataError(
                f"data must be 2-D (records x features); got shape {array.shape}; "
                "reshape it or pass a DataFrame"
            )
        frame = pd.DataFrame(array)

    kinds = dict(kinds or {})
    for name, kind in kinds.items():
        if name not in frame.columns:
            raise ConfigError(
                f"kinds names {name!r}, which is not a column; use one of "
                f"{_preview(list(frame.columns))}"
            )
        if kind not in KINDS:
            raise ConfigError(
                f"kind {kind!r} of column {name!r} is unknown; use 'numeric' or "
                "'categorical'"
            )

    names, column_kinds, columns = [], [], []
    for name in frame.columns:
        series = frame[name]
        kind = kinds.get(name)
        if kind is None:
            kind = "numeric" if ptypes.is_numeric_dtype(series) else "categorical"
        names.append(name)
        column_kinds.append(kind)
        if kind == "numeric":
            columns.append(_numeric_values(series, name))
        else:
            columns.append(_category_codes(series))
    return RawTable(names, column_kinds, columns, len(frame))


def _numeric_values(series: pd.Series, name: Hashable) -> np.ndarray:
    if not ptypes.is_numeric_dtype(series):
        raise DataError(
            f"column {name!r} is taken as numeric but has dtype {series.dtype}; "
            f"mark it categorical with kinds={{{name!r}: 'categorical'}}"
        )
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(values).any():
        raise DataError(
            f"column {name!r} holds an infinite value; replace it with a finite "
            "number or NaN"
        )
    return values


def _category_codes(series: pd.Series) -> np.ndarray:
    # Codes follow the sorted text of the values, so they do not depend on
    # record order; text makes mixed-type columns sortable.
    values = series.to_numpy(dtype=object)
    missing = pd.isna(values)
    text = np.array([str(v) for v in values[~missing]], dtype=str)
    levels, inverse = np.unique(text, return_inverse=True)
    codes = np.full(len(values), len(levels), dtype=np.int64)
    codes[~missing] = inverse.reshape(-1)
    return codes


def _preview(names: Sequence[Hashable], limit: int = 8) -> str:
    shown = ", ".join(repr(n) for n in list(names)[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names) - limit} more)"
    return f"[{shown}]"
