import fractions
import pickle
from pathlib import Path

import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from miadeps.audit import load_model, untrusted_skops_types
from miadeps.exceptions import ConfigError, DataError

FIXTURE = Path(__file__).parents[1] / "fixtures" / "german_mlp.skops"


class _Marker:
    """Unpickling this creates a file: proof that pickle ran code."""

    def __init__(self, path: Path):
        self.path = path

    def __reduce__(self):
        return (open, (str(self.path), "w"))


@pytest.mark.parametrize("suffix", [".pkl", ".pickle", ".joblib"])
def test_load_model_refuses_pickle_without_running_it(tmp_path, suffix):
    marker = tmp_path / "ran"
    path = tmp_path / f"model{suffix}"
    path.write_bytes(pickle.dumps(_Marker(marker)))

    with pytest.raises(ConfigError, match=r"refusing to unpickle .*--trust-pickle"):
        load_model(path)
    assert not marker.exists()

    # The payload is live: trusting it does run it.
    load_model(path, trust_pickle=True).model.close()
    assert marker.exists()


def test_load_model_trusted_pickle_gives_the_estimator(tmp_path):
    model = LogisticRegression().fit(np.eye(4), [0, 1, 0, 1])
    path = tmp_path / "model.pkl"
    path.write_bytes(pickle.dumps(model))
    loaded = load_model(path, trust_pickle=True)
    assert loaded.form == "sklearn" and loaded.source == "pickle"
    np.testing.assert_array_equal(loaded.model.coef_, model.coef_)


def test_load_model_unknown_suffix_lists_the_accepted_ones(tmp_path):
    path = tmp_path / "model.h5"
    path.write_bytes(b"\x00")
    with pytest.raises(ConfigError, match=r"unknown type '.h5'; accepted: .skops"):
        load_model(path)


def test_load_model_fixture_is_trusted_and_loads():
    assert untrusted_skops_types(FIXTURE) == ([], [])
    loaded = load_model(FIXTURE)
    assert loaded.form == "sklearn" and hasattr(loaded.model, "predict_proba")


@pytest.mark.parametrize(
    "obj, refused",
    [
        ({"value": fractions.Fraction(1, 3)}, "fractions.Fraction"),
        # A function of a trusted library is still refused: it would be
        # called on the data.
        (make_pipeline(FunctionTransformer(np.load)), "numpy.load"),
    ],
)
def test_load_model_refuses_untrusted_skops_types(tmp_path, obj, refused):
    path = tmp_path / "model.skops"
    sio.dump(obj, path)
    with pytest.raises(DataError, match=f"does not trust: {refused};"):
        load_model(path)


@pytest.mark.parametrize("suffix", [".skops", ".pt"])
def test_load_model_rejects_files_of_another_format(tmp_path, suffix):
    path = tmp_path / f"model{suffix}"
    path.write_bytes(b"not an archive")
    with pytest.raises(DataError, match="is not a"):
        load_model(path)


def test_load_model_missing_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_model(tmp_path / "absent.skops")
