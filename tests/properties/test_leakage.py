import numpy as np
import pytest
from sklearn.datasets import make_classification

from miadeps.exceptions import ConfigError
from miadeps.properties import mutual_information
from miadeps.properties._leakage import _gaussian_mi_bits


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(
        n_samples=800, n_features=30, n_informative=6, flip_y=0.15, random_state=0
    )
    return ((X - X.mean(0)) / X.std(0)).astype(np.float32), y


def test_mutual_information_near_zero_for_a_model_that_ignores_its_data(data):
    X, y = data
    # epochs=0: each net keeps its random initialisation, whatever its data.
    estimate = mutual_information(
        X,
        y,
        params={"epochs": 0},
        records=np.arange(300),
        n_models=16,
        random_state=0,
    )
    assert abs(estimate.bits) < 0.01
    assert estimate.raw_bits > 0  # the plug-in bias the correction removes


def _bits(X, y, n_records, **params):
    recipe = {"learning_rate": 0.01, "batch_size": 64, "width": 128, "epochs": 60}
    return mutual_information(
        X,
        y,
        params={**recipe, **params},
        records=np.arange(n_records),
        n_models=16,
        random_state=0,
    ).bits


def test_mutual_information_grows_with_epochs(data):
    X, y = data
    assert _bits(X, y, 300, epochs=2) + 0.1 < _bits(X, y, 300, epochs=60)


def test_mutual_information_grows_with_width(data):
    X, y = data
    assert _bits(X, y, 300, width=2) + 0.1 < _bits(X, y, 300, width=128)


def test_mutual_information_grows_as_records_get_fewer(data):
    X, y = data
    # One full batch per epoch, so both train for the same number of steps.
    many = _bits(X, y, 800, batch_size=1000, width=32)
    few = _bits(X, y, 100, batch_size=1000, width=32)
    assert many + 0.05 < few <= 1.0


def test_mutual_information_same_seed_same_estimate(data):
    X, y = data
    kw = {"params": {"epochs": 2}, "records": np.arange(100), "n_models": 8}
    a = mutual_information(X, y, random_state=3, **kw)
    b = mutual_information(X, y, random_state=3, **kw)
    np.testing.assert_array_equal(a.per_record, b.per_record)


def test_mutual_information_needs_in_and_out_models(data):
    X, y = data
    with pytest.raises(ConfigError, match="at least 2 'in' and 2 'out' models"):
        mutual_information(X, y, n_models=4, inclusion_rate=0.75)


@pytest.mark.parametrize("spread", [0.0, 1e-4, 0.5])
def test_gaussian_mi_bits_sees_a_component_narrower_than_the_span(spread):
    # Two well separated groups, one of them (nearly) constant: inclusion is
    # fully determined by the output, so I = H(inclusion) = 1 bit. A single
    # grid over both components' span used to step over the narrow one.
    rng = np.random.default_rng(0)
    inside = np.zeros((40, 3), dtype=bool)
    inside[:20] = True
    stats = np.where(inside, 6.0 + spread * rng.standard_normal((40, 3)), -6.0)
    bits = _gaussian_mi_bits(stats, inside, 0.5)
    np.testing.assert_allclose(bits, 1.0, atol=1e-3)


def test_gaussian_mi_bits_is_zero_for_one_shared_distribution():
    rng = np.random.default_rng(1)
    stats = rng.standard_normal((4000, 2))
    inside = rng.random((4000, 2)) < 0.5
    assert np.all(np.abs(_gaussian_mi_bits(stats, inside, 0.5)) < 0.01)
