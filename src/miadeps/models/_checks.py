"""Validation of the inputs shared by every way of fitting K models."""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

from miadeps.exceptions import ConfigError, DataError

__all__ = [
    "check_index_sets",
    "check_labels",
    "check_same_length",
    "check_seeds",
]

_MAX_SEED = 2**63 - 1


def check_index_sets(index_sets, n_records: int) -> list[np.ndarray]:
    """Each index set as a 1-D int64 array of valid, in-range row numbers.

    Parameters
    ----------
    index_sets : sequence of array-like of int
        K sets of rows of a shared matrix with ``n_records`` rows; lengths
        may differ. A 2-D integer array counts as K rows of one length.
    n_records : int
        Rows of the shared matrix.

    Returns
    -------
    list of ndarray of shape (n_k,), dtype int64

    Raises
    ------
    ConfigError
        If there are no sets, a set is empty, not 1-D, not integer, or
        points outside ``0..n_records-1``.
    """
    if isinstance(index_sets, np.ndarray) and index_sets.ndim == 2:
        index_sets = list(index_sets)
    if not isinstance(index_sets, Sequence | np.ndarray) or len(index_sets) == 0:
        raise ConfigError(
            "index_sets must be a non-empty sequence of integer arrays, one per "
            f"model; got {type(index_sets).__name__}"
        )
    checked = []
    for k, rows in enumerate(index_sets):
        rows = np.asarray(rows)
        if rows.ndim != 1 or rows.size == 0:
            raise ConfigError(
                f"index set {k} must be a non-empty 1-D array of row numbers; got "
                f"shape {rows.shape}"
            )
        if rows.dtype.kind not in "iu":
            raise ConfigError(
                f"index set {k} must hold integers; got dtype {rows.dtype} "
                "(boolean masks: pass np.flatnonzero(mask))"
            )
        low, high = int(rows.min()), int(rows.max())
        if low < 0 or high >= n_records:
            bad = low if low < 0 else high
            raise ConfigError(
                f"index set {k} holds row {bad}, outside 0..{n_records - 1}; "
                "index rows of the X that is passed"
            )
        checked.append(rows.astype(np.int64, copy=False))
    return checked


def check_seeds(seeds, n_models: int) -> list[int]:
    """K non-negative int seeds, one per model.

    Raises
    ------
    ConfigError
        If the count differs from ``n_models`` or a seed is not a
        non-negative int below 2**63.
    """
    if isinstance(seeds, np.ndarray):
        seeds = seeds.reshape(-1).tolist()
    elif not isinstance(seeds, Sequence):
        raise ConfigError(
            f"seeds must be a sequence of ints, one per model; got {seeds!r}"
        )
    check_same_length("seeds", len(seeds), n_models)
    out = []
    for k, seed in enumerate(seeds):
        if (
            isinstance(seed, bool | np.bool_)
            or not isinstance(seed, numbers.Integral)
            or not 0 <= seed <= _MAX_SEED
        ):
            raise ConfigError(f"seed {k} must be an int in 0..2**63-1; got {seed!r}")
        out.append(int(seed))
    return out


def check_same_length(name: str, got: int, n_models: int) -> None:
    """Raise ConfigError unless ``got`` equals the number of index sets."""
    if got != n_models:
        raise ConfigError(
            f"{name} must have one entry per index set ({n_models}); got {got}"
        )


def check_labels(y, n_records: int) -> np.ndarray:
    """``y`` as a 1-D array with one label per row of ``X``.

    Raises
    ------
    DataError
        If ``y`` is not 1-D or its length differs from ``n_records``.
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.shape[0] != n_records:
        raise DataError(
            f"y must have shape ({n_records},), one label per row of X; got {y.shape}"
        )
    return y
