"""The fitted encoding of raw feature columns into one float matrix.

Kept as an object so that records read later (an audit's population, an
attacker's pool) are encoded exactly like the records it was fitted on.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from miadeps.datasets._dataset import Dataset, _preview
from miadeps.exceptions import DataError

__all__ = ["MISSING_LEVEL", "FeatureEncoding", "encode_features"]

logger = logging.getLogger(__name__)

#: Suffix of the one-hot column that flags a missing categorical value.
MISSING_LEVEL = "<missing>"


@dataclass(frozen=True, eq=False)
class FeatureEncoding:
    """The fitted encoding of raw feature columns, kept to encode new records.

    Built by :meth:`fit` (or :meth:`from_dataset`); :meth:`transform` then
    encodes any table with the same columns exactly as the fitting records
    were: same column order, same levels, same fill values and scaling.

    Attributes
    ----------
    features : tuple of str
        The raw feature columns, in the order of their groups.
    kinds : dict of str to str
        ``"numeric"`` or ``"categorical"`` for each feature.
    numeric : dict of str to tuple of float
        For each numeric feature, ``(fill, low, high)``: the median that
        replaces a missing value and the range mapped to ``[0, 1]``. All
        three are NaN for a column that had no value at all.
    levels : dict of str to tuple of str
        For each categorical feature, its values as text, in sorted order.
    missing_flag : dict of str to bool
        For each categorical feature, whether a ``column=<missing>`` column
        flags missing values (only if the fitting records had some).
    feature_names : list of str, length n_encoded
        Name of each encoded column, e.g. ``"age"`` or ``"colour=red"``.
    feature_groups : numpy.ndarray of shape (n_encoded,), dtype int64
        Index into ``features`` of the feature each column encodes.
    """

    features: tuple[str, ...]
    kinds: dict[str, str]
    numeric: dict[str, tuple[float, float, float]]
    levels: dict[str, tuple[str, ...]]
    missing_flag: dict[str, bool]
    feature_names: list[str] = field(init=False)
    feature_groups: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        names: list[str] = []
        groups: list[int] = []
        for group, column in enumerate(self.features):
            if self.kinds[column] == "numeric":
                block = [column]
            else:
                block = [f"{column}={level}" for level in self.levels[column]]
                if self.missing_flag[column]:
                    block.append(f"{column}={MISSING_LEVEL}")
            names.extend(block)
            groups.extend([group] * len(block))
        object.__setattr__(self, "feature_names", names)
        object.__setattr__(self, "feature_groups", np.asarray(groups, dtype=np.int64))

    @classmethod
    def fit(
        cls, frame: pd.DataFrame, features: Sequence[str], kinds: dict[str, str]
    ) -> FeatureEncoding:
        """Learn the encoding of ``features`` from the records of ``frame``.

        Parameters
        ----------
        frame : pandas.DataFrame of shape (n_records, n_columns)
            Cleaned records (see :func:`clean_frame`) holding every feature.
        features : sequence of str
            The columns to encode, in the order wanted.
        kinds : dict of str to str
            ``"numeric"`` or ``"categorical"`` for each feature.

        Returns
        -------
        FeatureEncoding

        Raises
        ------
        DataError
            If a feature is missing from ``frame`` or a numeric feature holds
            an infinite value.
        """
        _require_columns(frame, features)
        numeric, levels, flags = {}, {}, {}
        for column in features:
            if kinds[column] == "numeric":
                values = _numeric_values(frame[column], column)
                present = values[~np.isnan(values)]
                if present.size == 0:
                    logger.info("column %s has no values; it encodes as 0", column)
                    numeric[column] = (np.nan, np.nan, np.nan)
                    continue
                # The median is robust to the skewed counts (capital gains,
                # priors) common in these tables, and stays inside the range.
                numeric[column] = (
                    float(np.median(present)),
                    float(present.min()),
                    float(present.max()),
                )
            else:
                series = frame[column]
                text = {_fmt(v) for v in pd.unique(series.dropna())}
                levels[column] = tuple(sorted(text))
                flags[column] = bool(series.isna().any())
        return cls(
            features=tuple(features),
            kinds={c: kinds[c] for c in features},
            numeric=numeric,
            levels=levels,
            missing_flag=flags,
        )

    @classmethod
    def from_dataset(cls, dataset: Dataset) -> FeatureEncoding:
        """The encoding that produced ``dataset.X``, refitted from its frame.

        Parameters
        ----------
        dataset : Dataset
            A dataset built by :func:`from_frame` or a loader.

        Returns
        -------
        FeatureEncoding
            ``transform(dataset.frame)`` equals ``dataset.X`` (for a dataset
            that was not made by ``subset``, whose encoding is its parent's).
        """
        return cls.fit(dataset.frame, dataset.raw_features, dataset.feature_kinds)

    @property
    def n_encoded(self) -> int:
        """Number of encoded columns."""
        return len(self.feature_names)

    def transform(self, frame: pd.DataFrame) -> np.ndarray:
        """Encode records with the fitted levels and scaling.

        Parameters
        ----------
        frame : pandas.DataFrame of shape (n_records, n_columns)
            Cleaned records holding every feature; other columns are ignored.

        Returns
        -------
        numpy.ndarray of shape (n_records, n_encoded), dtype float32
            Values in ``[0, 1]``.

        Raises
        ------
        DataError
            If a feature is missing or a numeric one holds an infinite value.

        Notes
        -----
        Records unlike the fitting ones are encoded as follows: a numeric
        value outside the fitted range is clipped to it (0 or 1), a missing
        number takes the fitted median, a category not seen in fitting sets
        none of its group's columns, and a missing category sets none either
        unless the fitting records had missing values (then the
        ``<missing>`` column).
        """
        _require_columns(frame, self.features)
        n = len(frame)
        blocks = []
        for column in self.features:
            if self.kinds[column] == "numeric":
                blocks.append(self._scale(frame[column], column)[:, None])
            else:
                blocks.append(self._one_hot(frame[column], column))
        if not blocks:
            return np.zeros((n, 0), dtype=np.float32)
        return np.concatenate(blocks, axis=1).astype(np.float32, copy=False)

    def _scale(self, series: pd.Series, column: str) -> np.ndarray:
        values = _numeric_values(series, column)
        fill, low, high = self.numeric[column]
        if np.isnan(fill):
            return np.zeros(len(values), dtype=np.float32)
        values = np.where(np.isnan(values), fill, values)
        if high > low:
            scaled = np.clip((values - low) / (high - low), 0.0, 1.0)
        else:
            scaled = np.zeros_like(values)
        return scaled.astype(np.float32)

    def _one_hot(self, series: pd.Series, column: str) -> np.ndarray:
        levels = self.levels[column]
        flagged = self.missing_flag[column]
        width = len(levels) + int(flagged)
        block = np.zeros((len(series), width), dtype=np.float32)

        # Work on the distinct values, not the rows: tables have few of them.
        missing = series.isna().to_numpy()
        distinct = pd.unique(series[~missing])
        position = {level: i for i, level in enumerate(levels)}
        column_of = np.array(
            [position.get(_fmt(v), -1) for v in distinct], dtype=np.int64
        )
        codes = pd.Categorical(series, categories=distinct).codes.astype(np.int64)
        codes = np.where(codes >= 0, column_of[codes] if distinct.size else -1, -1)
        if flagged:
            codes = np.where(missing, len(levels), codes)
        rows = np.flatnonzero(codes >= 0)
        block[rows, codes[rows]] = 1.0
        return block

    def to_dict(self) -> dict:
        """The encoding as plain JSON-ready values (NaN written as None)."""
        return {
            "features": list(self.features),
            "kinds": dict(self.kinds),
            "numeric": {
                c: dict(
                    zip(
                        ("fill", "low", "high"),
                        (None if np.isnan(v) else v for v in values),
                        strict=True,
                    )
                )
                for c, values in self.numeric.items()
            },
            "levels": {c: list(v) for c, v in self.levels.items()},
            "missing_flag": dict(self.missing_flag),
            "feature_names": list(self.feature_names),
        }


def encode_features(
    frame: pd.DataFrame, features: Sequence[str], kinds: dict[str, str]
) -> tuple[np.ndarray, list[str], np.ndarray]:
    """Encode ``features`` of ``frame`` into one float32 matrix in ``[0, 1]``.

    Returns ``X`` of shape (n_records, n_encoded), the column names, and the
    group id (index into ``features``) of each column. The encoding itself
    is :meth:`FeatureEncoding.fit` on the same records.
    """
    encoding = FeatureEncoding.fit(frame, features, kinds)
    return (
        encoding.transform(frame),
        list(encoding.feature_names),
        encoding.feature_groups.copy(),
    )


def _require_columns(frame: pd.DataFrame, features: Sequence[str]) -> None:
    absent = [c for c in features if c not in frame.columns]
    if absent:
        raise DataError(
            f"feature column {absent[0]!r} is not in the records to encode "
            f"(columns: {_preview(list(map(str, frame.columns)))}); pass records "
            "with the columns the encoding was fitted on"
        )


def _numeric_values(series: pd.Series, column: str) -> np.ndarray:
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    if np.isinf(values).any():
        row = int(np.flatnonzero(np.isinf(values))[0])
        raise DataError(
            f"column {column!r} holds an infinite value at row {row}; "
            "replace it with a finite number or NaN"
        )
    return values


def _fmt(value: Any) -> str:
    """Short text for a value: whole floats without '.0'."""
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)
