"""Dataset entropy: how spread out the values of each raw feature are."""

from __future__ import annotations

from collections.abc import Hashable, Mapping

import numpy as np

from miadeps.exceptions import ConfigError, DataError
from miadeps.properties._raw import as_raw_table

__all__ = ["dataset_entropy", "feature_entropies"]

#: The bin rules numpy's ``histogram_bin_edges`` knows by name.
BIN_RULES = ("auto", "fd", "doane", "scott", "stone", "rice", "sturges", "sqrt")


def feature_entropies(
    data,
    *,
    kinds: Mapping[Hashable, str] | None = None,
    bins: int | str = 10,
    max_distinct: int = 20,
) -> np.ndarray:
    """Shannon entropy of each raw feature's empirical value distribution.

    Parameters
    ----------
    data : Dataset, pandas.DataFrame or array-like of shape (n_records, n_features)
        One column per raw feature; for a Dataset, the raw values of its
        ``frame``.
    kinds : mapping of column to "numeric" or "categorical", optional
        For a DataFrame or an array: how to treat each column. Unlisted
        columns are numeric if their dtype is numeric, else categorical.
    bins : int or str, default=10
        Bins of a numeric feature with more than ``max_distinct`` values: a
        number of equal-width bins, or a numpy rule name such as ``"fd"``.
    max_distinct : int, default=20
        A numeric feature with at most this many distinct values is not
        binned: each value is its own bin.

    Returns
    -------
    numpy.ndarray of shape (n_features,)
        Entropy in bits of each feature, in column order. Each lies in
        ``[0, log2(number of non-empty bins)]``.

    Raises
    ------
    ConfigError
        If ``bins`` or ``max_distinct`` is invalid.
    DataError
        If ``data`` has no records.

    Notes
    -----
    ``H(a) = -sum_v p(v) log2 p(v)`` over the bins ``v`` of feature ``a``,
    with ``p(v)`` the share of records in ``v``. A categorical feature has one
    bin per value. A numeric feature has one bin per value when it takes at
    most ``max_distinct`` values (counts, ordinal codes), else equal-width bins
    between its smallest and largest value over the given records (or
    numpy's rule). Missing values, numeric or categorical, form one more bin.
    The numbers depend on the binning: with 10 bins a continuous feature has
    at most ``log2(10) = 3.32`` bits.
    """
    _check_binning(bins, max_distinct)
    table = as_raw_table(data, kinds)
    if table.n_records == 0:
        raise DataError("data has no records; entropy needs at least one")

    result = np.empty(len(table.columns))
    for j, (values, kind) in enumerate(zip(table.columns, table.kinds, strict=True)):
        if kind == "categorical":
            counts = np.bincount(values)
        else:
            counts = _numeric_counts(values, bins, max_distinct)
        result[j] = _entropy_bits(counts)
    return result


def dataset_entropy(
    data,
    *,
    kinds: Mapping[Hashable, str] | None = None,
    bins: int | str = 10,
    max_distinct: int = 20,
) -> float:
    """The dataset entropy H_D: mean entropy of its raw features.

    Parameters
    ----------
    data : Dataset, pandas.DataFrame or array-like of shape (n_records, n_features)
        One column per raw feature.
    kinds, bins, max_distinct
        As in :func:`feature_entropies`.

    Returns
    -------
    float
        Mean of :func:`feature_entropies`, in bits, >= 0.

    Raises
    ------
    ConfigError, DataError
        As :func:`feature_entropies`.

    Notes
    -----
    The paper defines H_D as the mean over features of the Shannon entropy of
    each feature's value distribution, without saying how continuous values
    are grouped; :func:`feature_entropies` states the binning used here.
    """
    values = feature_entropies(data, kinds=kinds, bins=bins, max_distinct=max_distinct)
    return float(values.mean())


def _numeric_counts(values: np.ndarray, bins: int | str, max_distinct: int):
    missing = np.isnan(values)
    present = values[~missing]
    if present.size == 0:
        return np.array([missing.size])
    levels, counts = np.unique(present, return_counts=True)
    if levels.size > max_distinct:
        counts, _ = np.histogram(present, bins=bins)
    return np.append(counts, missing.sum())


def _entropy_bits(counts: np.ndarray) -> float:
    counts = counts[counts > 0].astype(np.float64)
    p = counts / counts.sum()
    # max() turns the -0.0 of a single bin into 0.0.
    return float(max(0.0, -np.sum(p * np.log2(p))))


def _check_binning(bins: int | str, max_distinct: int) -> None:
    if isinstance(bins, str):
        if bins not in BIN_RULES:
            raise ConfigError(
                f"bins={bins!r} is not a numpy bin rule; use an int or one of "
                f"{', '.join(BIN_RULES)}"
            )
    elif isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ConfigError(f"bins must be a positive int or a rule name, got {bins!r}")
    if (
        isinstance(max_distinct, bool)
        or not isinstance(max_distinct, (int, np.integer))
        or max_distinct < 0
    ):
        raise ConfigError(
            f"max_distinct must be a non-negative int, got {max_distinct!r}"
        )
