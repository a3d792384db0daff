"""The recipe that makes the 100-class sets binary and keeps 16 features."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_selection import mutual_info_classif

from miadeps.datasets._recipe import binary_mutual_info, gmm_clusters, top_features
from miadeps.exceptions import DataError


def two_groups(n_small: int, n_large: int, n_columns: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    group = np.r_[np.ones(n_small, dtype=int), np.zeros(n_large, dtype=int)]
    p = np.full((len(group), n_columns), 0.1)
    p[:n_small, : n_columns // 4] = 0.9
    X = (rng.random((len(group), n_columns)) < p).astype(np.uint8)
    return X, group


def test_binary_mutual_info_matches_sklearn() -> None:
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 300)
    X = (rng.random((300, 25)) < 0.3).astype(np.uint8)
    X[:, 0] = y
    X[:, 1] = 1
    X[:, 2] = 1 - y
    expected = mutual_info_classif(X, y, discrete_features=True, random_state=0)
    np.testing.assert_allclose(binary_mutual_info(X, y), expected, atol=1e-12)
    assert binary_mutual_info(X, y)[1] == 0.0


def test_top_features_prefers_informative_columns_and_breaks_ties_by_index() -> None:
    rng = np.random.default_rng(6)
    y = rng.integers(0, 2, 400)
    X = (rng.random((400, 10)) < 0.5).astype(np.uint8)
    X[:, 7] = y
    X[:, 3] = y
    X[:, 5] = 1 - y
    assert top_features(X, y, 2).tolist() == [3, 5]
    assert top_features(X, y, 3).tolist() == [3, 5, 7]


def test_gmm_clusters_find_planted_groups_and_mark_the_smaller() -> None:
    X, group = two_groups(30, 90, 60)
    labels = gmm_clusters(X, np.random.default_rng(0))
    assert labels.dtype == np.int64
    np.testing.assert_array_equal(labels, group)


def test_gmm_clusters_same_seed_same_labels() -> None:
    X, _ = two_groups(40, 60, 30, seed=2)
    X = X ^ (np.random.default_rng(9).random(X.shape) < 0.2).astype(np.uint8)
    first = gmm_clusters(X, np.random.default_rng(11))
    second = gmm_clusters(X, np.random.default_rng(11))
    np.testing.assert_array_equal(first, second)


def test_gmm_clusters_fit_on_a_sample(monkeypatch: pytest.MonkeyPatch) -> None:
    from miadeps.datasets import _recipe

    monkeypatch.setattr(_recipe, "GMM_SAMPLE", 50)
    X, group = two_groups(100, 200, 40, seed=4)
    np.testing.assert_array_equal(gmm_clusters(X, np.random.default_rng(1)), group)


def test_gmm_clusters_refuse_identical_records() -> None:
    X = np.ones((20, 5), dtype=np.uint8)
    with pytest.raises(DataError, match="all identical"):
        gmm_clusters(X, np.random.default_rng(0))
