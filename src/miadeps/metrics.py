"""Metrics of a membership inference attack.

Membership is the positive class throughout: ``membership`` is 1 for a record
that was in the target's training set (a *member*) and 0 for a non-member.
Scores are higher for records the attack believes are members.

Names follow scikit-learn's convention: ``*_score`` is higher-is-better and
``*_curve`` returns arrays. Plain accuracy depends on the share of members in
the evaluation set (an attack that always answers "member" scores the member
rate), so :func:`attack_report` always returns it next to the member rate and
the balanced measures: balanced accuracy, AUC, advantage and TPR at low FPR.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence

import numpy as np
from sklearn import metrics as skm

from miadeps.exceptions import DataError, DegenerateMetricWarning

__all__ = [
    "DEFAULT_FPRS",
    "attack_report",
    "membership_advantage_score",
    "tpr_at_fpr_score",
    "format_fpr",
]

DEFAULT_FPRS: tuple[float, ...] = (0.001, 0.01)


def _check_inputs(membership, scores) -> tuple[np.ndarray, np.ndarray]:
    membership = np.asarray(membership)
    scores = np.asarray(scores, dtype=np.float64)
    if membership.shape != scores.shape or membership.ndim != 1:
        raise DataError(
            f"membership and scores must be 1-d arrays of one length; got shapes "
            f"{membership.shape} and {scores.shape}"
        )
    if not np.isin(membership, (0, 1)).all():
        bad = membership[~np.isin(membership, (0, 1))][0].item()
        raise DataError(
            f"membership labels must be 0 (non-member) or 1 (member); got {bad!r}"
        )
    if np.isnan(scores).any():
        raise DataError(
            f"membership scores contain {int(np.isnan(scores).sum())} NaN values; "
            "the attack produced no score for those records"
        )
    return membership.astype(np.int64), scores


def _both_classes(membership: np.ndarray, what: str) -> bool:
    if membership.min() == membership.max():
        warnings.warn(
            f"{what} is undefined when every record is a "
            f"{'member' if membership[0] == 1 else 'non-member'}; returning NaN",
            DegenerateMetricWarning,
            stacklevel=3,
        )
        return False
    return True


def tpr_at_fpr_score(membership, scores, *, fpr: float) -> float:
    """True-positive rate of the best threshold whose false-positive rate is
    at most ``fpr``.

    Parameters
    ----------
    membership : array-like of shape (n_records,)
        1 for members, 0 for non-members.
    scores : array-like of shape (n_records,)
        Membership scores, higher meaning "more likely a member".
    fpr : float
        The largest false-positive rate allowed, in [0, 1].

    Returns
    -------
    float
        TPR in [0, 1], or NaN (with :class:`DegenerateMetricWarning`) when only
        one class is present.

    Notes
    -----
    With ``m`` non-members the smallest non-zero FPR is ``1 / m``; when
    ``fpr < 1 / m`` only thresholds with no false positive qualify.
    """
    if not 0.0 <= fpr <= 1.0:
        raise DataError(f"fpr must lie in [0, 1]; got {fpr!r}")
    membership, scores = _check_inputs(membership, scores)
    if not _both_classes(membership, "TPR at a fixed FPR"):
        return math.nan
    fprs, tprs, _ = skm.roc_curve(membership, scores, drop_intermediate=False)
    return _tpr_where_fpr_at_most(fprs, tprs, fpr)


def _tpr_where_fpr_at_most(fprs: np.ndarray, tprs: np.ndarray, fpr: float) -> float:
    # The tolerance keeps FPR = k/m from being excluded by rounding when the
    # requested rate is exactly k/m.
    return float(tprs[fprs <= fpr + 1e-12].max())


def membership_advantage_score(membership, scores) -> float:
    """Largest TPR - FPR over all thresholds (Yeom et al.'s advantage).

    Parameters
    ----------
    membership : array-like of shape (n_records,)
        1 for members, 0 for non-members.
    scores : array-like of shape (n_records,)
        Membership scores.

    Returns
    -------
    float
        Advantage in [0, 1]; 0 for an attack no better than chance at any
        threshold. NaN when only one class is present.
    """
    membership, scores = _check_inputs(membership, scores)
    if not _both_classes(membership, "advantage"):
        return math.nan
    fprs, tprs, _ = skm.roc_curve(membership, scores, drop_intermediate=False)
    return float(np.max(tprs - fprs))


def attack_report(
    membership,
    scores,
    predictions=None,
    *,
    fprs: Sequence[float] = DEFAULT_FPRS,
) -> dict:
    """Every attack metric miadeps reports, as one flat-ish dictionary.

    Parameters
    ----------
    membership : array-like of shape (n_records,)
        1 for members of the target's training set, 0 for non-members.
    scores : array-like of shape (n_records,)
        Membership scores, higher meaning "more likely a member".
    predictions : array-like of shape (n_records,), optional
        The attack's hard member / non-member decisions. When omitted, a
        record is called a member when its score is at least 0.5 (scores are
        then taken to be probabilities).
    fprs : sequence of float
        The false-positive rates at which to report the TPR.

    Returns
    -------
    dict
        ``accuracy``, ``member_rate`` (share of members in the evaluation
        set: the accuracy of always answering "member"), ``balanced_accuracy``,
        ``precision``, ``recall``, ``auc``, ``advantage``, ``tpr_at_fpr``
        (a dict keyed by the FPR written as a string, e.g. ``"0.001"``) and
        ``n_records``.
    """
    membership, scores = _check_inputs(membership, scores)
    if predictions is None:
        predictions = (scores >= 0.5).astype(np.int64)
    predictions = np.asarray(predictions).astype(np.int64)
    if predictions.shape != membership.shape:
        raise DataError(
            f"predictions must have shape {membership.shape}; got {predictions.shape}"
        )

    both = _both_classes(membership, "AUC, advantage and balanced accuracy")
    # Precision is undefined when the attack calls nobody a member; it is 0
    # by convention then, as is recall with no members.
    precision = skm.precision_score(membership, predictions, zero_division=0)
    recall = skm.recall_score(membership, predictions, zero_division=0)

    report = {
        "n_records": int(membership.size),
        "member_rate": float(membership.mean()),
        "accuracy": float((predictions == membership).mean()),
        "balanced_accuracy": math.nan,
        "precision": float(precision),
        "recall": float(recall),
        "auc": math.nan,
        "advantage": math.nan,
        "tpr_at_fpr": {format_fpr(f): math.nan for f in fprs},
    }
    if not both:
        return report

    report["balanced_accuracy"] = float(
        skm.balanced_accuracy_score(membership, predictions)
    )
    report["auc"] = float(skm.roc_auc_score(membership, scores))
    roc_fpr, roc_tpr, _ = skm.roc_curve(membership, scores, drop_intermediate=False)
    report["advantage"] = float(np.max(roc_tpr - roc_fpr))
    for f in fprs:
        report["tpr_at_fpr"][format_fpr(f)] = _tpr_where_fpr_at_most(
            roc_fpr, roc_tpr, f
        )
    return report


def format_fpr(fpr: float) -> str:
    """The key under which a TPR at ``fpr`` is stored: ``0.001`` -> ``"0.001"``."""
    return f"{fpr:g}"
