"""Deviation from perfect MIA-indistinguishability (Yaghini et al.)."""

from __future__ import annotations

import numpy as np

from miadeps.exceptions import ConfigError, DataError
from miadeps.properties._checks import as_vector

__all__ = ["mia_indistinguishability"]


def mia_indistinguishability(
    y_pred_members, y_pred_nonmembers, *, n_classes: int = 2, eps: float = 1.0
) -> float:
    """How far a model's predicted classes tell members from non-members.

    Parameters
    ----------
    y_pred_members : array-like of int of shape (n_members,)
        Predicted classes on the training records, in ``0..n_classes-1``.
    y_pred_nonmembers : array-like of int of shape (n_nonmembers,)
        Predicted classes on held-out records.
    n_classes : int, default=2
        Number of classes the model can predict.
    eps : float, default=1.0
        Pseudo-count added to every class count (see Notes); > 0.

    Returns
    -------
    float
        delta_mi in nats, >= 0; 0 when both sets have the same predicted
        class counts and sizes.

    Raises
    ------
    DataError
        If a set is empty, not 1-d, or holds a value outside
        ``0..n_classes-1``.
    ConfigError
        If ``n_classes`` < 2 or ``eps`` <= 0.

    Notes
    -----
    ``delta_mi = max_y' |log(P[yhat = y' | member] / P[yhat = y' |
    non-member])|`` (natural log). A class predicted in one set and never in
    the other would make the ratio 0 or infinite, so each probability is
    estimated with additive (Laplace, for ``eps=1``) smoothing:
    ``P[y'] = (count(y') + eps) / (n + eps * n_classes)``. Smoothing pulls
    the estimate towards 0 by about ``eps / count``, so compare values only
    at similar set sizes. With sets of different size (75% members against
    25% non-members) equal class shares give a small positive value, not 0.
    """
    if isinstance(n_classes, bool) or not isinstance(n_classes, (int, np.integer)):
        raise ConfigError(f"n_classes must be an int, got {n_classes!r}")
    if n_classes < 2:
        raise ConfigError(f"n_classes={n_classes} must be at least 2")
    if (
        isinstance(eps, bool)
        or not isinstance(eps, (int, float, np.number))
        or not np.isfinite(eps)
        or eps <= 0
    ):
        raise ConfigError(
            f"eps={eps!r} must be a positive pseudo-count; pass e.g. eps=1.0"
        )

    members = _class_shares("y_pred_members", y_pred_members, n_classes, eps)
    nonmembers = _class_shares("y_pred_nonmembers", y_pred_nonmembers, n_classes, eps)
    return float(np.max(np.abs(np.log(members) - np.log(nonmembers))))


def _class_shares(name: str, y_pred, n_classes: int, eps: float) -> np.ndarray:
    y_pred = as_vector(name, y_pred)
    valid = np.isin(y_pred, np.arange(n_classes))
    if not valid.all():
        bad = y_pred[~valid][0].item()
        raise DataError(
            f"{name} holds {bad!r}, not a class in 0..{n_classes - 1}; "
            "pass predicted class indices (or raise n_classes)"
        )
    counts = np.bincount(y_pred.astype(np.int64), minlength=n_classes)
    return (counts + eps) / (len(y_pred) + eps * n_classes)
