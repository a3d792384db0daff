"""One way to ask the audited model for its prediction vectors.

Whatever the model's form, the audit needs the same thing: for each train
and population record, the probability of class 0 and class 1 (the binary
classes of the label rule). :func:`target_outputs` gives it.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from miadeps.audit._load import LoadedModel
from miadeps.audit._records import SPLITS, AuditRecords, read_table
from miadeps.datasets._feature_encoding import _fmt
from miadeps.exceptions import DataError

__all__ = ["target_outputs"]

logger = logging.getLogger(__name__)

# Rows of a probability matrix must sum to 1 within this tolerance.
_SUM_TOL = 1e-3


def target_outputs(loaded: LoadedModel, records: AuditRecords) -> dict[str, np.ndarray]:
    """The model's prediction vectors on every train and population record.

    Parameters
    ----------
    loaded : LoadedModel
        The model, from :func:`~miadeps.audit.load_model`.
    records : AuditRecords
        The records, from :func:`~miadeps.audit.read_records`.

    Returns
    -------
    dict of str to numpy.ndarray
        ``"train"`` of shape (n_train, 2) and ``"population"`` of shape
        (n_population, 2): probabilities of class 0 and class 1, rows summing
        to 1.

    Raises
    ------
    DataError
        If the model cannot be queried, its classes do not match the label's
        values, or a prediction file misses records or columns.

    Notes
    -----
    *scikit-learn* models get the raw feature columns (a DataFrame, as read
    from the CSV, without label and id) and must have ``predict_proba`` and
    ``classes_``. *TorchScript* models get a float32 tensor of shape
    ``(n, n_encoded)`` of the features as miadeps encodes them (the columns
    of ``records.encoding.feature_names``) and return shape ``(n, 2)``,
    ``(n, 1)`` or ``(n,)``: two columns that lie in [0, 1] and sum to 1 are
    read as probabilities, other two-column outputs as logits (softmax), and
    one column as the logit of class 1 (sigmoid). *Prediction files* have a
    ``split`` column (``train`` / ``population``), the id column (or
    ``row``, the row number in its file, without ``--id``) and one column per
    label value. A model with more label values than two has the
    probabilities of the values of each binary class summed.
    """
    if loaded.form == "sklearn":
        outputs = _sklearn_outputs(loaded, records)
    elif loaded.form == "torchscript":
        outputs = _torch_outputs(loaded, records)
    else:
        outputs = _stored_outputs(loaded, records)
    for split in SPLITS:
        outputs[split] = _check_probabilities(outputs[split], split, loaded)
    return outputs


def _class_map(classes, records: AuditRecords, where: str) -> np.ndarray:
    """Matrix of shape (n_model_classes, 2) summing model classes into 0 / 1."""
    # TODO(issue-7): a multi-class model is audited through its binary view
    # (the label rule); attacks on its full prediction vector would see more.
    texts = [_fmt(c) for c in classes]
    unknown = [t for t in texts if t not in records.label_classes]
    if unknown:
        raise DataError(
            f"{where} has class {unknown[0]!r}, which is not a value of the label "
            f"(values: {sorted(records.label_classes)}); audit the model with the "
            "label it was trained on"
        )
    matrix = np.zeros((len(texts), 2))
    for row, text in enumerate(texts):
        matrix[row, records.label_classes[text]] = 1.0
    if (matrix.sum(axis=0) == 0).any():
        raise DataError(
            f"{where} predicts classes {texts}, which cover one side of the label "
            "rule only; audit a model trained on both classes"
        )
    return matrix


def _sklearn_outputs(loaded: LoadedModel, records: AuditRecords) -> dict:
    model = loaded.model
    if not hasattr(model, "predict_proba") or not hasattr(model, "classes_"):
        raise DataError(
            f"the model in {loaded.path} ({type(model).__name__}) has no "
            "predict_proba and classes_; audit a fitted scikit-learn classifier"
        )
    mapping = _class_map(model.classes_, records, f"the model in {loaded.path}")
    outputs = {}
    for split in SPLITS:
        frame = records.raw[split][records.features]
        try:
            proba = np.asarray(model.predict_proba(frame), dtype=np.float64)
        except (ValueError, KeyError, TypeError) as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise DataError(
                f"the model in {loaded.path} cannot predict the {split} records "
                f"({type(exc).__name__}: {first}); give files with the columns it "
                "was trained on"
            ) from exc
        outputs[split] = proba @ mapping
    return outputs


def _torch_outputs(loaded: LoadedModel, records: AuditRecords) -> dict:
    import torch

    outputs = {}
    for split in SPLITS:
        X = torch.from_numpy(np.ascontiguousarray(records.X[split]))
        try:
            with torch.no_grad():
                out = loaded.model(X)
        except RuntimeError as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            raise DataError(
                f"the TorchScript model in {loaded.path} fails on the encoded "
                f"{split} records, shape {tuple(X.shape)} ({first}); it must take "
                f"{records.encoding.n_encoded} float32 features encoded by miadeps"
            ) from exc
        if not isinstance(out, torch.Tensor):
            raise DataError(
                f"the TorchScript model in {loaded.path} returns "
                f"{type(out).__name__}; it must return one tensor"
            )
        outputs[split] = _as_probabilities(out.double().numpy(), loaded)
    return outputs


def _as_probabilities(out: np.ndarray, loaded: LoadedModel) -> np.ndarray:
    if out.ndim == 1 or (out.ndim == 2 and out.shape[1] == 1):
        p1 = 1.0 / (1.0 + np.exp(-out.reshape(-1)))
        return np.stack([1.0 - p1, p1], axis=1)
    if out.ndim != 2 or out.shape[1] != 2:
        raise DataError(
            f"the TorchScript model in {loaded.path} returns shape {out.shape}; "
            "a binary model must return (n, 2) logits or probabilities, or (n, 1)"
        )
    finite = np.isfinite(out).all()
    if (
        finite
        and (out >= 0).all()
        and (out <= 1).all()
        and np.allclose(out.sum(1), 1.0, atol=_SUM_TOL)
    ):
        return out
    shifted = out - out.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def _stored_outputs(loaded: LoadedModel, records: AuditRecords) -> dict:
    frame = read_table(loaded.path, "prediction")
    key = records.id_column or "row"
    for column in ("split", key):
        if column not in frame.columns:
            raise DataError(
                f"prediction file {loaded.path} has no column {column!r}; it needs "
                f"'split' (train/population), {key!r} and one column per label value"
            )
    class_columns = [c for c in frame.columns if c not in ("split", key)]
    mapping = _class_map(class_columns, records, f"prediction file {loaded.path}")
    frame["split"] = frame["split"].astype(str).str.strip()
    bad = sorted(set(frame["split"]) - set(SPLITS))
    if bad:
        raise DataError(
            f"prediction file {loaded.path} has split {bad[0]!r}; use 'train' or "
            "'population'"
        )

    outputs = {}
    for split in SPLITS:
        part = frame[frame["split"] == split]
        keys = part[key].map(_fmt).to_numpy(dtype=str)
        if len(np.unique(keys)) != len(keys):
            raise DataError(
                f"prediction file {loaded.path} lists a {split} record twice; give "
                "one row per record"
            )
        values = pd.DataFrame(
            part[class_columns].to_numpy(dtype=np.float64), index=keys
        )
        wanted = records.row_keys[split]
        absent = np.setdiff1d(wanted, keys)
        if absent.size:
            raise DataError(
                f"prediction file {loaded.path} has no row for {absent.size} {split} "
                f"record(s), e.g. {key} {absent[0]!r}; give one row per record"
            )
        outputs[split] = values.loc[wanted].to_numpy() @ mapping
    return outputs


def _check_probabilities(proba: np.ndarray, split: str, loaded: LoadedModel):
    if not np.isfinite(proba).all():
        raise DataError(
            f"the outputs of {loaded.path} on the {split} records hold NaN or "
            "infinite values; give finite probabilities"
        )
    sums = proba.sum(axis=1)
    if (proba < -_SUM_TOL).any() or not np.allclose(sums, 1.0, atol=_SUM_TOL):
        row = int(np.argmax(np.abs(sums - 1.0)))
        raise DataError(
            f"the outputs of {loaded.path} on {split} record {row} sum to "
            f"{sums[row]:.4g}, not 1; give class probabilities"
        )
    # Rounding in a stored file or a softmax leaves rows a hair off 1.
    proba = np.clip(proba, 0.0, 1.0)
    return proba / proba.sum(axis=1, keepdims=True)
