"""Data properties: class balance, label information, feature balance.

Each measure is a pure function of a table (a
:class:`~miadeps.datasets.Dataset`, a DataFrame or an array) and its labels.
:func:`data_properties` gathers all of them, with the entropy of
:mod:`miadeps.properties._entropy`, into one flat row.
"""

from __future__ import annotations

import logging
from collections.abc import Hashable, Mapping, Sequence

import numpy as np
from sklearn.feature_selection import mutual_info_classif

from miadeps._random import as_generator, draw_seeds
from miadeps.datasets import Dataset
from miadeps.exceptions import ConfigError, DataError
from miadeps.properties._checks import as_vector
from miadeps.properties._entropy import dataset_entropy
from miadeps.properties._raw import as_raw_table

__all__ = [
    "class_balance",
    "data_properties",
    "feature_balance",
    "feature_vectors",
    "label_mutual_information",
    "top_mi_features",
]

logger = logging.getLogger(__name__)

#: Largest number of features in one feature vector (codes are int64).
MAX_VECTOR_FEATURES = 62


def class_balance(y) -> float:
    """Share of records with label 1.

    Parameters
    ----------
    y : array-like of shape (n_records,)
        Binary labels, 0 or 1 (bools are accepted).

    Returns
    -------
    float
        The fraction of ones, in [0, 1]; 0.5 is balanced.

    Raises
    ------
    DataError
        If ``y`` is empty, not 1-d, has missing values, or holds a value other
        than 0 and 1.

    Notes
    -----
    The paper reports class balance as a percentage; miadeps keeps the
    fraction (multiply by 100 for the paper's scale).
    """
    y = as_vector("y", y)
    if not np.isin(y, (0, 1)).all():
        bad = y[~np.isin(y, (0, 1))][0].item()
        raise DataError(
            f"y must hold only 0 and 1, found {bad!r}; binarize the label first"
        )
    return float(np.mean(y == 1))


def label_mutual_information(
    data,
    y=None,
    *,
    kinds: Mapping[Hashable, str] | None = None,
    random_state: int | np.random.Generator | None = 0,
) -> np.ndarray:
    """Mutual information between each raw feature and the label.

    Parameters
    ----------
    data : Dataset, pandas.DataFrame or array-like of shape (n_records, n_features)
        One column per raw feature (see Notes for a Dataset).
    y : array-like of shape (n_records,), optional
        Labels; defaults to ``data.y`` for a Dataset and is required otherwise.
    kinds : mapping of column to "numeric" or "categorical", optional
        For a DataFrame or an array: how to treat each column. Unlisted
        columns are numeric if their dtype is numeric, else categorical.
    random_state : int, numpy Generator or None, default=0
        Seeds the small noise scikit-learn adds to continuous features. An int
        is passed to scikit-learn unchanged; a Generator gives one int seed.

    Returns
    -------
    numpy.ndarray of shape (n_features,)
        Estimated mutual information in nats, >= 0, in raw-feature order.

    Raises
    ------
    DataError
        If ``y`` is missing for non-Dataset input or its length differs.

    Notes
    -----
    Estimated with scikit-learn's ``mutual_info_classif`` (3 neighbours) on
    one column per raw feature. A numeric feature is continuous: its values
    over the given records, missing ones set to their median, min-max scaled
    to [0, 1] (the encoding of ``Dataset.X``). A categorical feature is
    discrete: integer codes of its sorted values, with missing values as one
    more category. For a Dataset the raw values come from ``frame``, so the
    result follows ``subset`` and ``select_features``.
    """
    # TODO(issue-3): discrete features get a plug-in estimate, which grows
    # with the number of categories on small samples, while numeric ones get
    # scikit-learn's nearest-neighbour estimate; the ranking of the two kinds
    # is not like for like. A bias correction (or binning numerics too) would
    # make top_mi_features fairer between kinds.
    table = as_raw_table(data, kinds)
    if y is None:
        if not isinstance(data, Dataset):
            raise DataError(
                "y is required unless data is a Dataset; pass the labels as y"
            )
        y = data.y
    y = as_vector("y", y)
    if len(y) != table.n_records:
        raise DataError(
            f"y has {len(y)} labels but data has {table.n_records} records; "
            "give one label per record"
        )

    columns, discrete = [], []
    for values, kind in zip(table.columns, table.kinds, strict=True):
        if kind == "categorical":
            columns.append(values.astype(np.float64))
            discrete.append(True)
        else:
            columns.append(_scaled(values))
            discrete.append(False)
    X = np.column_stack(columns)
    return mutual_info_classif(
        X,
        y,
        discrete_features=np.asarray(discrete),
        random_state=_sklearn_seed(random_state),
    )


def top_mi_features(
    data,
    y=None,
    k: int = 5,
    *,
    kinds: Mapping[Hashable, str] | None = None,
    random_state: int | np.random.Generator | None = 0,
) -> list[int]:
    """The ``k`` raw features that carry the most information about the label.

    Parameters
    ----------
    data : Dataset, pandas.DataFrame or array-like of shape (n_records, n_features)
        One column per raw feature.
    y : array-like of shape (n_records,), optional
        Labels; defaults to ``data.y`` for a Dataset.
    k : int, default=5
        How many features to return, 1 <= k <= n_features.
    kinds : mapping of column to "numeric" or "categorical", optional
        As in :func:`label_mutual_information`.
    random_state : int, numpy Generator or None, default=0
        As in :func:`label_mutual_information`.

    Returns
    -------
    list of int, length k
        Raw feature positions (into ``Dataset.raw_features`` or the columns),
        highest mutual information first; ties go to the lower position.

    Raises
    ------
    ConfigError
        If ``k`` is not an int in 1..n_features.
    DataError
        As :func:`label_mutual_information`.

    Notes
    -----
    The paper picks the 5 features of highest mutual information with the
    label to define feature vectors; see :func:`label_mutual_information` for
    how each raw feature is represented.
    """
    mi = label_mutual_information(data, y, kinds=kinds, random_state=random_state)
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ConfigError(f"k must be an int, got {k!r}")
    if not 1 <= k <= mi.size:
        raise ConfigError(
            f"k={k} is out of range for {mi.size} features; pass 1 <= k <= {mi.size}"
        )
    order = np.argsort(-mi, kind="stable")
    return [int(i) for i in order[:k]]


def feature_vectors(
    data,
    features: Sequence[int | Hashable],
    *,
    kinds: Mapping[Hashable, str] | None = None,
    cut: str | float = "median",
    combination: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Binarize some features and code each record's combination of them.

    Parameters
    ----------
    data : Dataset, pandas.DataFrame or array-like of shape (n_records, n_features)
        One column per raw feature.
    features : sequence of int or column name, length k
        The features to combine, e.g. the output of
        :func:`top_mi_features`. An int is a position (into
        ``Dataset.raw_features`` or the columns), anything else a name;
        1 <= k <= 62, no repeats.
    kinds : mapping of column to "numeric" or "categorical", optional
        As in :func:`label_mutual_information`.
    cut : {"median", "midrange"} or float, default="median"
        Where a numeric feature is cut: its median, its midrange (the
        authors' rule: 0.5 after min-max scaling), or a quantile in (0, 1).
    combination : int, optional
        The code that defines ``groups``; defaults to the most frequent code.

    Returns
    -------
    codes : numpy.ndarray of shape (n_records,), dtype int64
        Each record's feature vector, in ``0 .. 2**k - 1``.
    groups : numpy.ndarray of shape (n_records,), dtype int64
        1 for records whose code is ``combination``, else 0: the two groups
        whose sizes :func:`feature_balance` compares.

    Raises
    ------
    ConfigError
        If ``features`` is empty, repeats a feature or names an unknown one,
        or ``cut`` or ``combination`` is invalid.
    DataError
        If ``data`` has no records.

    Notes
    -----
    Bit ``j`` of a code (value ``2**j``) is the binarized ``features[j]``.
    A numeric feature gives 1 where its value is strictly above the cut,
    computed on the given records; missing values are set to the median
    first, as in ``Dataset.X``. With the median cut and ties at the median
    (e.g. a mostly-zero count), fewer than half the records get a 1. A
    categorical feature gives 1 where the record holds the feature's most
    frequent value (missing counts as a value; ties go to the first value
    in sorted order) and 0 for every other value.
    """
    table = as_raw_table(data, kinds)
    positions = table.positions(list(features))
    if not positions or len(set(positions)) != len(positions):
        raise ConfigError(
            f"features must name 1 to {MAX_VECTOR_FEATURES} distinct features; "
            f"got {list(features)!r}"
        )
    if len(positions) > MAX_VECTOR_FEATURES:
        raise ConfigError(
            f"{len(positions)} features give codes beyond int64; pass at most "
            f"{MAX_VECTOR_FEATURES}"
        )
    _check_cut(cut)
    if table.n_records == 0:
        raise DataError("data has no records; feature vectors need at least one")

    codes = np.zeros(table.n_records, dtype=np.int64)
    for bit, position in enumerate(positions):
        values = table.columns[position]
        if table.kinds[position] == "categorical":
            high = values == _most_frequent(values)
        else:
            high = _above_cut(values, cut)
        codes |= high.astype(np.int64) << bit

    chosen = _chosen(codes, combination, limit=2 ** len(positions))
    return codes, (codes == chosen).astype(np.int64)


def feature_balance(codes, *, combination: int | None = None) -> float:
    """Share of records whose feature vector is one chosen combination.

    Parameters
    ----------
    codes : array-like of int of shape (n_records,)
        Feature-vector codes from :func:`feature_vectors`.
    combination : int, optional
        The code to count; defaults to the most frequent code (ties go to the
        smaller code).

    Returns
    -------
    float
        The fraction of records with that code, in [0, 1]. With the default,
        it is at least 1 / (number of distinct codes).

    Raises
    ------
    DataError
        If ``codes`` is empty or holds a value that is not a non-negative int.
    ConfigError
        If ``combination`` is not a non-negative int.

    Notes
    -----
    The paper's feature balance is the share of one value combination of the
    5 most label-informative features against all others. The authors' code
    counted the all-low combination; miadeps defaults to the most frequent
    one, which exists in every sample. ``combination=0`` counts the records
    with every numeric feature at or below its cut and no categorical
    feature at its most frequent value (see :func:`feature_vectors`).
    """
    codes = as_vector("codes", codes)
    if not np.issubdtype(codes.dtype, np.integer) or (codes < 0).any():
        raise DataError(
            f"codes must be non-negative ints (dtype {codes.dtype}); pass the codes "
            "returned by feature_vectors"
        )
    chosen = _chosen(codes, combination, limit=None)
    return float(np.mean(codes == chosen))


def data_properties(
    dataset: Dataset,
    *,
    k: int = 5,
    features: Sequence[int | str] | None = None,
    cut: str | float = "median",
    bins: int | str = 10,
    max_distinct: int = 20,
    random_state: int | np.random.Generator | None = 0,
) -> dict[str, float | int]:
    """Every data property of a dataset, as one flat row.

    Parameters
    ----------
    dataset : Dataset
        The records to describe (a whole dataset or a ``subset``).
    k : int, default=5
        Features in a feature vector; fewer if the dataset has fewer.
    features : sequence of int or str, optional
        The feature-vector features (positions or names of raw features).
        By default the ``min(k, n_features)`` features of highest mutual
        information with the label *in this dataset*; pass the features
        chosen on a parent pool to measure its subsets on the same ones.
    cut : {"median", "midrange"} or float, default="median"
        Cut of numeric features, as in :func:`feature_vectors`.
    bins, max_distinct
        Binning of numeric features for the entropy, as in
        :func:`~miadeps.properties.dataset_entropy`.
    random_state : int, numpy Generator or None, default=0
        Seeds the mutual-information estimate that picks the features.

    Returns
    -------
    dict
        ``size`` (int, records), ``class_balance`` (float in [0, 1]),
        ``feature_balance`` (float in [0, 1]: share of the most frequent
        feature vector over the ``min(k, n_features)`` raw features of
        highest mutual information with the label, or over ``features``),
        ``n_features`` (int, raw features) and ``entropy`` (float, bits: mean
        per-feature entropy).

    Raises
    ------
    DataError
        If ``dataset`` is not a Dataset or has no records.
    ConfigError
        If ``features``, ``cut``, ``bins`` or ``max_distinct`` is invalid.
    """
    if not isinstance(dataset, Dataset):
        raise DataError(
            f"data_properties needs a miadeps Dataset, got {type(dataset).__name__}; "
            "build one with miadeps.datasets.from_frame"
        )
    if dataset.n_records == 0:
        raise DataError("the dataset has no records; pass a non-empty subset")

    if features is None:
        features = top_mi_features(
            dataset, k=min(k, dataset.n_features), random_state=random_state
        )
    codes, _ = feature_vectors(dataset, features, cut=cut)
    logger.debug("feature vectors of %s over %s", dataset.name, list(features))
    return {
        "size": dataset.n_records,
        "class_balance": class_balance(dataset.y),
        "feature_balance": feature_balance(codes),
        "n_features": dataset.n_features,
        "entropy": dataset_entropy(dataset, bins=bins, max_distinct=max_distinct),
    }


def _scaled(values: np.ndarray) -> np.ndarray:
    """Numeric values with NaN set to the median, min-max scaled to [0, 1]."""
    present = ~np.isnan(values)
    if not present.any():
        return np.zeros_like(values)
    values = np.where(present, values, np.median(values[present]))
    low, high = values.min(), values.max()
    return (values - low) / (high - low) if high > low else np.zeros_like(values)


def _above_cut(values: np.ndarray, cut: str | float) -> np.ndarray:
    present = ~np.isnan(values)
    if not present.any():
        return np.zeros(values.shape, dtype=bool)
    values = np.where(present, values, np.median(values[present]))
    if cut == "median":
        threshold = np.median(values)
    elif cut == "midrange":
        threshold = (values.min() + values.max()) / 2
    else:
        threshold = np.quantile(values, float(cut))
    return values > threshold


def _check_cut(cut: str | float) -> None:
    if isinstance(cut, str):
        if cut not in ("median", "midrange"):
            raise ConfigError(
                f"cut={cut!r} is unknown; use 'median', 'midrange' or a quantile "
                "in (0, 1)"
            )
    elif isinstance(cut, bool) or not isinstance(cut, (int, float, np.number)):
        raise ConfigError(f"cut must be a string or a number, got {cut!r}")
    elif not 0 < cut < 1:
        raise ConfigError(f"cut={cut!r} is not a quantile in (0, 1); pass e.g. 0.5")


def _most_frequent(values: np.ndarray) -> int:
    levels, counts = np.unique(values, return_counts=True)
    return int(levels[np.argmax(counts)])


def _chosen(codes: np.ndarray, combination: int | None, limit: int | None) -> int:
    if combination is None:
        return _most_frequent(codes)
    if (
        isinstance(combination, bool)
        or not isinstance(combination, (int, np.integer))
        or combination < 0
        or (limit is not None and combination >= limit)
    ):
        allowed = f"0..{limit - 1}" if limit is not None else "a non-negative int"
        raise ConfigError(
            f"combination={combination!r} is not a feature-vector code; use "
            f"{allowed} or None for the most frequent"
        )
    return int(combination)


def _sklearn_seed(random_state) -> int | None:
    # An int goes through unchanged so results match a direct scikit-learn
    # call with the same seed; anything else is reduced to one int seed.
    if isinstance(random_state, (int, np.integer)) and not isinstance(
        random_state, bool
    ):
        if random_state < 0:
            raise ConfigError(
                f"random_state must be a non-negative int, a numpy Generator or "
                f"None; got {random_state!r}"
            )
        return int(random_state)
    return draw_seeds(as_generator(random_state), 1)[0]
