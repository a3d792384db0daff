import numpy as np
import pandas as pd
import pytest

from miadeps.audit import LoadedModel, read_records, target_outputs
from miadeps.audit._oracle import _as_probabilities
from miadeps.exceptions import DataError

_MODEL = LoadedModel("torchscript", path="model.pt", source="torchscript")


def test_as_probabilities_keeps_probabilities_and_softmaxes_logits():
    proba = np.array([[0.2, 0.8], [1.0, 0.0]])
    np.testing.assert_array_equal(_as_probabilities(proba, _MODEL), proba)

    logits = np.array([[0.0, 2.0], [3.0, -1.0]])
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(_as_probabilities(logits, _MODEL), expected)

    one_logit = np.array([[0.0], [np.log(3.0)]])
    np.testing.assert_allclose(
        _as_probabilities(one_logit, _MODEL), [[0.5, 0.5], [0.25, 0.75]]
    )


def test_as_probabilities_refuses_other_shapes():
    with pytest.raises(DataError, match=r"returns shape \(2, 3\)"):
        _as_probabilities(np.zeros((2, 3)), _MODEL)


@pytest.fixture
def records(tmp_path):
    rng = np.random.default_rng(0)
    for name, n in (("train", 30), ("population", 40)):
        pd.DataFrame(
            {
                "x": rng.normal(size=n),
                "y": np.tile(["a", "b"], n // 2),
            }
        ).to_csv(tmp_path / f"{name}.csv", index=False)
    return read_records(tmp_path / "train.csv", tmp_path / "population.csv", "y")


def _predictions(path, records, drop_last=False):
    rows = []
    for split in ("train", "population"):
        n = records.y[split].size
        rows.append(
            pd.DataFrame({"split": split, "row": np.arange(n), "a": 0.3, "b": 0.7})
        )
    frame = pd.concat(rows)
    if drop_last:
        frame = frame.iloc[:-1]
    frame.to_csv(path, index=False)
    return LoadedModel("predictions", path=path, source="csv")


def test_target_outputs_reads_prediction_files_by_row(tmp_path, records):
    outputs = target_outputs(_predictions(tmp_path / "p.csv", records), records)
    assert outputs["train"].shape == (30, 2)
    # Class "b" is class 1 (the later value in sorted order).
    np.testing.assert_allclose(outputs["population"][:, 1], 0.7)


def test_target_outputs_names_a_missing_prediction_row(tmp_path, records):
    loaded = _predictions(tmp_path / "p.csv", records, drop_last=True)
    with pytest.raises(DataError, match="no row for 1 population record"):
        target_outputs(loaded, records)
