"""The :class:`Dataset` container: a raw table and its encoded feature matrix."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from miadeps.exceptions import DataError

__all__ = ["Dataset"]

logger = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True, eq=False)
class Dataset:
    """A binary-labelled tabular dataset, raw and encoded side by side.

    Instances are built by the loaders (:func:`~miadeps.datasets.from_frame`,
    :func:`~miadeps.datasets.load_adult`, ...), not usually by hand. The
    attributes cannot be reassigned and the arrays are read-only, so one
    instance can be shared by many models and sampling plans.

    Parameters
    ----------
    name : str
        Short name, e.g. ``"adult"`` or the stem of a CSV file.
    frame : pandas.DataFrame of shape (n_records, n_columns)
        The table as loaded, after cleaning (strings stripped, missing values
        as NaN), with the label and the sensitive columns, index ``0..n-1``.
    X : numpy.ndarray of shape (n_records, n_encoded), dtype float32
        Encoded features, every value in ``[0, 1]``.
    y : numpy.ndarray of shape (n_records,), dtype int64
        Binary label; 1 is the class described by ``label_rule``.
    feature_names : list of str, length n_encoded
        One name per column of ``X``, e.g. ``"age"`` or ``"workclass=Private"``.
    feature_groups : numpy.ndarray of shape (n_encoded,), dtype int64
        For each column of ``X``, the index into ``raw_features`` of the raw
        feature it encodes.
    raw_features : list of str, length n_features
        The raw columns that make up ``X``, in the order of their groups.
    feature_kinds : dict of str to str
        ``"numeric"`` or ``"categorical"`` for each raw feature.
    sensitive : pandas.DataFrame of shape (n_records, n_sensitive)
        Sensitive attributes with their raw values (no columns if none).
    label_name : str
        Name of the label column in ``frame``.
    label_rule : str
        Human-readable rule that gives ``y == 1``, e.g. ``"income is >50K"``.
    source : str
        Provenance: citation and licence of the data.

    Raises
    ------
    DataError
        If the shapes of the parts do not agree, or ``y`` is not binary.
    """

    name: str
    frame: pd.DataFrame
    X: np.ndarray
    y: np.ndarray
    feature_names: list[str]
    feature_groups: np.ndarray
    raw_features: list[str]
    feature_kinds: dict[str, str]
    sensitive: pd.DataFrame
    label_name: str
    label_rule: str
    source: str = ""

    def __post_init__(self) -> None:
        X = np.asarray(self.X, dtype=np.float32)
        y = np.asarray(self.y, dtype=np.int64)
        groups = np.asarray(self.feature_groups, dtype=np.int64)
        n = len(self.frame)

        if X.ndim != 2 or X.shape[0] != n or y.shape != (n,):
            raise DataError(
                f"Dataset {self.name!r}: X has shape {X.shape} and y {y.shape}, "
                f"but the frame has {n} rows; build datasets with from_frame"
            )
        if len(self.sensitive) != n:
            raise DataError(
                f"Dataset {self.name!r}: sensitive has {len(self.sensitive)} rows, "
                f"expected {n}; pass one row per record"
            )
        if len(self.feature_names) != X.shape[1] or groups.shape != (X.shape[1],):
            raise DataError(
                f"Dataset {self.name!r}: {X.shape[1]} encoded columns but "
                f"{len(self.feature_names)} feature names and {groups.shape[0]} "
                "group ids; give one of each per column of X"
            )
        if groups.size and (groups.min() < 0 or groups.max() >= len(self.raw_features)):
            raise DataError(
                f"Dataset {self.name!r}: feature_groups must index raw_features "
                f"(0..{len(self.raw_features) - 1}); rebuild the dataset"
            )
        if y.size and not np.isin(y, (0, 1)).all():
            raise DataError(
                f"Dataset {self.name!r}: y must hold only 0 and 1, "
                f"found {np.unique(y)[:5].tolist()}; binarize the label first"
            )

        for array in (X, y, groups):
            array.setflags(write=False)
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "feature_groups", groups)

    @property
    def n_records(self) -> int:
        """Number of records (rows)."""
        return int(self.X.shape[0])

    @property
    def n_features(self) -> int:
        """Number of raw features that make up ``X``."""
        return len(self.raw_features)

    @property
    def n_encoded(self) -> int:
        """Number of encoded columns of ``X``."""
        return int(self.X.shape[1])

    @property
    def class_balance(self) -> float:
        """Share of records with ``y == 1`` (NaN for an empty dataset)."""
        return float(self.y.mean()) if self.y.size else float("nan")

    def subset(self, indices: Sequence[int] | np.ndarray) -> Dataset:
        """Return a new dataset over some of the records.

        Parameters
        ----------
        indices : array-like of shape (n_selected,) or (n_records,)
            Integer positions of the records to keep, in the order wanted
            (repeats allowed), or a boolean mask with one flag per record.

        Returns
        -------
        Dataset
            ``X``, ``y``, ``frame`` and ``sensitive`` restricted to those rows
            (frame indices reset to ``0..n_selected-1``); the encoding is kept
            as it is, so columns are not re-scaled.

        Raises
        ------
        DataError
            If an index is out of range, or a mask has the wrong length.
        """
        idx = np.asarray(indices)
        if idx.dtype == bool:
            if idx.shape != (self.n_records,):
                raise DataError(
                    f"boolean mask has shape {idx.shape}, expected "
                    f"({self.n_records},); pass one flag per record"
                )
            idx = np.flatnonzero(idx)
        elif idx.size == 0:
            idx = idx.astype(np.int64)
        elif not np.issubdtype(idx.dtype, np.integer):
            raise DataError(
                f"subset indices must be integers or a boolean mask, got dtype "
                f"{idx.dtype}; pass record positions"
            )
        idx = idx.reshape(-1)
        if idx.size and (idx.min() < -self.n_records or idx.max() >= self.n_records):
            bad = idx[(idx < -self.n_records) | (idx >= self.n_records)][0]
            raise DataError(
                f"subset index {int(bad)} is out of range for {self.n_records} "
                f"records; use positions 0..{self.n_records - 1}"
            )

        return dataclasses.replace(
            self,
            frame=self.frame.iloc[idx].reset_index(drop=True),
            X=self.X[idx],
            y=self.y[idx],
            sensitive=self.sensitive.iloc[idx].reset_index(drop=True),
            feature_names=list(self.feature_names),
            raw_features=list(self.raw_features),
            feature_kinds=dict(self.feature_kinds),
        )

    def select_features(self, raw_feature_names: Iterable[str]) -> Dataset:
        """Return a new dataset whose ``X`` keeps only some raw features.

        Parameters
        ----------
        raw_feature_names : iterable of str
            Names from ``raw_features``. Their order does not matter: the
            kept features stay in the order of ``raw_features``.

        Returns
        -------
        Dataset
            Same records; ``X``, ``feature_names``, ``feature_groups``,
            ``raw_features`` and ``feature_kinds`` restricted to the chosen
            features (groups renumbered). ``frame`` and ``sensitive`` are
            unchanged.

        Raises
        ------
        DataError
            If a name is not a raw feature, or no name is given.
        """
        wanted = list(dict.fromkeys(raw_feature_names))
        unknown = [name for name in wanted if name not in self.feature_kinds]
        if unknown:
            raise DataError(
                f"{unknown[0]!r} is not a feature of dataset {self.name!r}; "
                f"choose from {_preview(self.raw_features)}"
            )
        if not wanted:
            raise DataError("select_features got no feature names; pass at least one")

        old_ids = [i for i, name in enumerate(self.raw_features) if name in wanted]
        new_id = {old: new for new, old in enumerate(old_ids)}
        columns = np.flatnonzero(np.isin(self.feature_groups, old_ids))
        raw = [self.raw_features[i] for i in old_ids]
        # TODO(issue-2): the frames are shared with self, and pandas
        # frames cannot be locked, so an in-place edit of one shows in both.
        return dataclasses.replace(
            self,
            frame=self.frame,
            X=self.X[:, columns],
            feature_names=[self.feature_names[c] for c in columns],
            feature_groups=np.array(
                [new_id[int(g)] for g in self.feature_groups[columns]], dtype=np.int64
            ),
            raw_features=raw,
            feature_kinds={name: self.feature_kinds[name] for name in raw},
        )

    def equals(self, other: object) -> bool:
        """Whether ``other`` is a dataset with the same content.

        Parameters
        ----------
        other : object
            Any object.

        Returns
        -------
        bool
            True when every attribute is equal (arrays and frames compared by
            value, NaN equal to NaN).
        """
        if not isinstance(other, Dataset):
            return False
        return (
            self.name == other.name
            and self.label_name == other.label_name
            and self.label_rule == other.label_rule
            and self.source == other.source
            and self.feature_names == other.feature_names
            and self.raw_features == other.raw_features
            and self.feature_kinds == other.feature_kinds
            and np.array_equal(self.X, other.X)
            and np.array_equal(self.y, other.y)
            and np.array_equal(self.feature_groups, other.feature_groups)
            and self.frame.equals(other.frame)
            and self.sensitive.equals(other.sensitive)
        )

    def __repr__(self) -> str:
        return (
            f"Dataset(name={self.name!r}, n_records={self.n_records}, "
            f"n_features={self.n_features}, n_encoded={self.n_encoded}, "
            f"label_rule={self.label_rule!r}, "
            f"sensitive={list(self.sensitive.columns)})"
        )


def _preview(names: Sequence[str], limit: int = 10) -> str:
    """Comma-separated names, cut after ``limit`` with a count of the rest."""
    shown = ", ".join(repr(str(n)) for n in names[:limit])
    if len(names) > limit:
        shown += f", ... ({len(names) - limit} more)"
    return f"[{shown}]"
