"""The study's recipe for the 100-class sets: two clusters, a few features.

The paper makes Purchase and Texas binary by clustering the records into two
Gaussian-mixture components, and keeps 16 features. Here the features kept
are those with the highest mutual information with the cluster label.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np

from miadeps.exceptions import DataError

__all__: list[str] = []

logger = logging.getLogger(__name__)

#: Records used to fit the projection and the mixture (all if fewer).
GMM_SAMPLE = 20_000
#: Dimensions of the PCA projection the mixture is fitted on.
GMM_DIMENSIONS = 10
_PREDICT_CHUNK = 8_192


def gmm_clusters(X: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Split records into two Gaussian-mixture clusters.

    Parameters
    ----------
    X : numpy.ndarray of shape (n_records, n_features), dtype uint8
        Binary features.
    rng : numpy.random.Generator
        Source of every random choice (sample, PCA, mixture start).

    Returns
    -------
    numpy.ndarray of shape (n_records,), dtype int64
        1 for the records of the smaller cluster, 0 for the others (on a
        tie, 1 is the mixture's second component).

    Notes
    -----
    A full-covariance mixture on thousands of binary columns is neither
    tractable nor well posed, so the mixture (2 components, full covariance)
    is fitted on a PCA projection to ``GMM_DIMENSIONS`` dimensions, and both
    are fitted on a random sample of ``GMM_SAMPLE`` records; every record is
    then assigned to its most likely component.
    """
    # Imported here so that importing miadeps.datasets does not load sklearn.
    from sklearn.decomposition import PCA
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.mixture import GaussianMixture

    n_records, n_features = X.shape
    if n_records < 2 or (X == X[0]).all():
        raise DataError(
            f"the {n_records} records are all identical, so they cannot be split "
            "into two clusters; use a dataset with varied records"
        )
    size = min(n_records, GMM_SAMPLE)
    sample = np.sort(rng.choice(n_records, size=size, replace=False))
    seed = int(rng.integers(np.iinfo(np.int32).max))

    fitted = X[sample].astype(np.float32)
    dims = max(1, min(GMM_DIMENSIONS, n_features, size - 1))
    pca = PCA(n_components=dims, svd_solver="randomized", random_state=seed)
    projected = pca.fit_transform(fitted)
    mixture = GaussianMixture(n_components=2, covariance_type="full", random_state=seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ConvergenceWarning)
        mixture.fit(projected)
    for warning in caught:
        # The split is still usable; say so in the log rather than fail.
        logger.warning("Gaussian mixture: %s", warning.message)

    components = np.empty(n_records, dtype=np.int64)
    for start in range(0, n_records, _PREDICT_CHUNK):
        chunk = X[start : start + _PREDICT_CHUNK].astype(np.float32)
        components[start : start + _PREDICT_CHUNK] = mixture.predict(
            pca.transform(chunk)
        )

    sizes = np.bincount(components, minlength=2)
    if sizes.min() == 0:
        raise DataError(
            f"the Gaussian mixture put all {n_records} records in one cluster; "
            "the features do not separate into two groups"
        )
    positive = 0 if sizes[0] < sizes[1] else 1
    logger.debug("mixture cluster sizes %s, class 1 = component %d", sizes, positive)
    return (components == positive).astype(np.int64)


def binary_mutual_info(X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Mutual information (nats) of each 0/1 feature with a 0/1 label.

    Parameters
    ----------
    X : numpy.ndarray of shape (n_records, n_features)
        Values 0 and 1.
    y : numpy.ndarray of shape (n_records,)
        Values 0 and 1.

    Returns
    -------
    numpy.ndarray of shape (n_features,), dtype float64
        The plug-in estimate from the 2x2 contingency table of each feature,
        the same quantity as ``sklearn.feature_selection.mutual_info_classif``
        with ``discrete_features=True``, computed from column counts so that
        no float copy of ``X`` is made.
    """
    y = np.asarray(y).astype(bool)
    n = len(y)
    n_pos = int(y.sum())
    ones = X.sum(axis=0, dtype=np.int64)
    ones_pos = X[y].sum(axis=0, dtype=np.int64)

    # Joint counts, shape (2 feature values, 2 label values, n_features).
    joint = np.stack(
        [
            [n - n_pos - (ones - ones_pos), n_pos - ones_pos],
            [ones - ones_pos, ones_pos],
        ]
    ).astype(np.float64)
    p_joint = joint / n
    p_x = p_joint.sum(axis=1, keepdims=True)
    p_y = p_joint.sum(axis=0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = p_joint * np.log(p_joint / (p_x * p_y))
    return np.nansum(terms, axis=(0, 1))


def top_features(X: np.ndarray, y: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` features with the highest mutual information with ``y``.

    Ties keep the lower column index; the result is sorted ascending.
    """
    scores = binary_mutual_info(X, y)
    order = np.argsort(-scores, kind="stable")
    return np.sort(order[:k])
