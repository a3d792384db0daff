"""Input checks shared by the property measures."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from miadeps.exceptions import DataError, DegenerateMetricWarning


def as_vector(name: str, values, *, allow_empty: bool = False) -> np.ndarray:
    """``values`` as a 1-d array without missing values."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise DataError(
            f"{name} must be 1-d (one value per record); got shape {array.shape}"
        )
    if array.size == 0 and not allow_empty:
        raise DataError(f"{name} is empty; the measure needs at least one record")
    missing = pd.isna(array)
    if missing.any():
        raise DataError(
            f"{name} has {int(missing.sum())} missing values (first at position "
            f"{int(np.flatnonzero(missing)[0])}); drop or fill them first"
        )
    return array


def same_length(**arrays: np.ndarray) -> None:
    """Raise a DataError unless every array has the same first dimension."""
    lengths = {name: len(array) for name, array in arrays.items()}
    if len(set(lengths.values())) > 1:
        shown = ", ".join(f"{name} has {n}" for name, n in lengths.items())
        raise DataError(f"one value per record is needed, but {shown}")


def two_groups(groups, n_records: int) -> np.ndarray | None:
    """Boolean mask of the second group, or None when only one group occurs.

    Groups are sorted by their text, so the mask does not depend on record
    order. More than two values is an error: the fairness measures compare
    two groups.
    """
    groups = as_vector("groups", groups)
    if len(groups) != n_records:
        raise DataError(
            f"groups has {len(groups)} values but there are {n_records} "
            "predictions; give one group per record"
        )
    values = sorted(pd.unique(groups).tolist(), key=str)
    if len(values) > 2:
        shown = ", ".join(repr(v) for v in values[:6])
        more = f", ... ({len(values)} in all)" if len(values) > 6 else ""
        raise DataError(
            f"groups must take two values, got {shown}{more}; binarize the "
            "attribute first (e.g. groups == value)"
        )
    if len(values) < 2:
        warnings.warn(
            f"every record is in group {values[0]!r}; fairness between two groups "
            "is undefined, returning NaN",
            DegenerateMetricWarning,
            stacklevel=3,
        )
        return None
    return groups == values[1]


def class_labels(labels, *observed: np.ndarray) -> np.ndarray:
    """The classes to sum over: ``labels`` or every observed value."""
    seen = pd.unique(np.concatenate([np.asarray(o, dtype=object) for o in observed]))
    if labels is None:
        return np.asarray(sorted(seen.tolist(), key=_order), dtype=object)
    labels = np.asarray(list(labels), dtype=object)
    if labels.size == 0 or len(pd.unique(labels)) != labels.size:
        raise DataError(
            f"labels must list distinct classes; got {labels.tolist()}; "
            "pass e.g. labels=[0, 1] or leave it out"
        )
    unknown = [v for v in seen.tolist() if v not in set(labels.tolist())]
    if unknown:
        raise DataError(
            f"value {unknown[0]!r} occurs but is not in labels={labels.tolist()}; "
            "add it to labels or leave labels out"
        )
    return labels


def _order(value) -> tuple[int, float | str]:
    if isinstance(value, (bool, int, float, np.number, np.bool_)):
        return (0, float(value))
    return (1, str(value))
