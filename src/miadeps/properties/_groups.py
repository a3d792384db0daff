"""Two groups of records from a sensitive attribute, for the fairness measures."""

from __future__ import annotations

import numpy as np
import pandas as pd

from miadeps.exceptions import DataError

__all__ = ["binary_groups"]

# A numeric attribute with more distinct values than this (age, say) is cut
# at its median; one with fewer (a 0/1 flag, a small code) is treated as
# categories.
_MAX_CODES = 10


def binary_groups(values, name: str = "attribute") -> tuple[np.ndarray, str]:
    """Split records into two groups by one attribute.

    Parameters
    ----------
    values : array-like of shape (n_records,)
        The attribute, e.g. ``dataset.sensitive["sex"]``.
    name : str
        The attribute's name, used in the description and in errors.

    Returns
    -------
    groups : ndarray of bool of shape (n_records,)
        True for the records of the second group.
    description : str
        Which records are in the second group, e.g. ``"sex == 'Male'"`` or
        ``"age > 37"``.

    Notes
    -----
    A categorical attribute (or a numeric one with at most 10 distinct
    values) puts its most frequent value, ties broken by the value's text,
    against all the others; a two-valued attribute is thus split exactly.
    Other numeric attributes are cut at their median: records strictly above
    it form the second group. Missing values fall in the first group.
    """
    series = pd.Series(
        np.asarray(values, dtype=object)
        if not isinstance(values, pd.Series)
        else values
    ).reset_index(drop=True)
    present = series.dropna()
    if present.nunique() < 2:
        raise DataError(
            f"{name} takes {present.nunique()} distinct value(s) in these records; "
            "fairness needs two groups, so choose another attribute"
        )
    numeric = pd.api.types.is_numeric_dtype(series)
    if numeric and present.nunique() > _MAX_CODES:
        cut = float(present.median())
        groups = (series > cut).fillna(False).to_numpy(bool)
        if groups.all() or not groups.any():
            raise DataError(
                f"{name} is constant above or below its median {cut:g}; choose "
                "another attribute"
            )
        return groups, f"{name} > {cut:g}"
    counts = present.astype(str).value_counts()
    top = sorted(counts[counts == counts.max()].index)[0]
    groups = (series.astype(str) == top).to_numpy(bool) & series.notna().to_numpy()
    return groups, f"{name} == {top!r}"
