"""Turning model outputs into attack-model inputs."""

from __future__ import annotations

import numpy as np

from miadeps.exceptions import DataError


def full_proba(model, X, classes: np.ndarray) -> np.ndarray:
    """``model.predict_proba(X)`` with one column per class of ``classes``.

    A model fitted on a subset that lacked a class has fewer columns; the
    missing classes get probability 0 so that every model's prediction vector
    has the same layout.
    """
    proba = np.asarray(model.predict_proba(X), dtype=np.float64)
    model_classes = np.asarray(model.classes_)
    if proba.shape[1] == classes.size and np.array_equal(model_classes, classes):
        return proba
    out = np.zeros((proba.shape[0], classes.size))
    out[:, np.searchsorted(classes, model_classes)] = proba
    return out


def check_shadow_records(X, y) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The attacker's records as float32 ``X``, labels ``y`` and their classes."""
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (X.shape[0],):
        raise DataError(
            f"X must be 2-d with one row per label; got X {X.shape}, y {y.shape}"
        )
    classes = np.unique(y)
    if classes.size < 2:
        raise DataError(
            f"the shadow records hold one class only ({classes.tolist()}); "
            "shadow models need at least two"
        )
    return X, y, classes


def check_prediction_vectors(
    proba, labels, classes: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Validate a target's prediction vectors and record labels."""
    proba = np.asarray(proba, dtype=np.float64)
    labels = np.asarray(labels)
    if proba.ndim != 2 or proba.shape[1] != classes.size:
        raise DataError(
            f"prediction vectors must have shape (n_records, {classes.size}), one "
            f"column per class the shadow models saw; got shape {proba.shape}"
        )
    if labels.shape != (proba.shape[0],):
        raise DataError(
            f"labels must have shape ({proba.shape[0]},) to match the prediction "
            f"vectors; got {labels.shape}"
        )
    unknown = ~np.isin(labels, classes)
    if unknown.any():
        raise DataError(
            f"label {labels[unknown][0].item()!r} was never seen in the shadow data "
            f"(classes {classes.tolist()}); encode target labels like the shadow's"
        )
    if not np.isfinite(proba).all():
        raise DataError("prediction vectors contain NaN or infinite values")
    return proba, labels


# Smallest probability kept before taking logs: far below anything a float32
# softmax separates from 0, so it only guards against log(0).
_LOG_FLOOR = 1e-30

FEATURE_MODES = ("log", "proba")


def attack_inputs(
    proba: np.ndarray, labels: np.ndarray, classes, per_class: bool, mode: str
):
    """The attack model's input rows.

    ``mode="proba"`` passes the prediction vector as it is (Shokri et al.);
    ``"log"`` passes its logarithm, which spreads apart the confidences near
    1 that separate members from non-members (0.999 and 0.99 are 10x apart
    in 1 - p but 0.009 apart in p). Per-class attack models see the vector
    alone (the class is implied by which model is asked); one shared attack
    model also needs the record's class, appended one-hot.
    """
    if mode == "log":
        proba = np.log(np.maximum(proba, _LOG_FLOOR))
    features = proba.astype(np.float32)
    if per_class:
        return features
    onehot = (labels[:, None] == np.asarray(classes)[None, :]).astype(np.float32)
    return np.hstack([features, onehot])
