"""Threshold attacks: one statistic of the prediction vector, one cut-off.

Yeom et al. (CSF 2018) threshold the loss, Salem et al. (NDSS 2019) the
confidence in the true class or the entropy of the prediction vector, and
Song & Mittal (USENIX Security 2021) a modified entropy that also uses the
true label. Each statistic is turned into a score where higher means "more
likely a member"; the cut-off is learnt from shadow models.
"""

from __future__ import annotations

import logging

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_curve

from miadeps._random import as_generator, draw_seeds
from miadeps.attacks._features import (
    check_prediction_vectors,
    check_shadow_records,
    full_proba,
)
from miadeps.exceptions import ConfigError, NotFittedError
from miadeps.models import MODEL_KINDS, fit_models
from miadeps.sampling import check_member_rate, split_members

logger = logging.getLogger(__name__)

__all__ = ["THRESHOLD_METRICS", "ThresholdAttack", "threshold_scores"]

THRESHOLD_METRICS = ("loss", "confidence", "entropy", "modified_entropy")

# Probabilities are floored here before logs: exact 0s come from models with
# hard outputs (k-NN, forests) and would make the loss infinite.
_FLOOR = 1e-30


def threshold_scores(proba, labels, metric: str) -> np.ndarray:
    """Membership scores of one threshold statistic (higher = more likely a member).

    Parameters
    ----------
    proba : array-like of shape (n_records, n_classes)
        Prediction vectors.
    labels : array-like of int of shape (n_records,)
        Column of ``proba`` that holds each record's true class.
    metric : {"loss", "confidence", "entropy", "modified_entropy"}
        ``"loss"``: minus the cross-entropy loss, ``log p_y``.
        ``"confidence"``: ``p_y``.
        ``"entropy"``: minus the Shannon entropy ``-sum_i p_i log p_i``.
        ``"modified_entropy"``: minus Song & Mittal's
        ``Mentr(p, y) = -(1 - p_y) log p_y - sum_{i != y} p_i log(1 - p_i)``.

    Returns
    -------
    ndarray of shape (n_records,)

    Raises
    ------
    ConfigError
        If ``metric`` is unknown.
    """
    if metric not in THRESHOLD_METRICS:
        raise ConfigError(
            f"unknown threshold metric {metric!r}; choose one of "
            f"{', '.join(THRESHOLD_METRICS)}"
        )
    proba = np.asarray(proba, dtype=np.float64)
    labels = np.asarray(labels, dtype=np.int64)
    rows = np.arange(labels.size)
    p_true = proba[rows, labels]
    if metric == "confidence":
        return p_true
    if metric == "loss":
        return np.log(np.maximum(p_true, _FLOOR))
    if metric == "entropy":
        return np.sum(proba * np.log(np.maximum(proba, _FLOOR)), axis=1)

    # Mentr rewards confident right answers and penalises confident wrong
    # ones, where plain entropy treats both as "confident".
    log_p = np.log(np.maximum(proba, _FLOOR))
    log_not_p = np.log(np.maximum(1.0 - proba, _FLOOR))
    other = proba * log_not_p
    other[rows, labels] = 0.0
    mentr = -(1.0 - p_true) * log_p[rows, labels] - other.sum(axis=1)
    return -mentr


class ThresholdAttack(BaseEstimator):
    """Membership inference by thresholding one statistic of the output.

    Parameters
    ----------
    metric : {"loss", "confidence", "entropy", "modified_entropy"}, default="loss"
        The statistic; see :func:`threshold_scores`.
    shadow_model : str, default="ann"
        Model kind of the shadow models (one of ``MODEL_KINDS``).
    shadow_params : dict, optional
        Hyper-parameters of the shadow models; match the target's recipe.
    n_shadows : int, default=1
        Shadow models trained; their outputs are pooled to pick the threshold.
    member_rate : float, default=0.75
        Share of the attacker's records each shadow model trains on.
    random_state : int, numpy Generator or None
        Seed of the splits and of every shadow model.
    per_class : bool, default=False
        One threshold per true class (Song & Mittal), each picked on the
        shadow records of that class, instead of one for all. Use it when the
        target is more confident on some classes than on others.

    Attributes
    ----------
    classes_ : ndarray
        Classes seen in the attacker's records.
    threshold_ : float
        The global threshold: statistics at or above it are called members
        (when ``per_class`` is False).
    class_thresholds_ : ndarray of shape (n_classes,)
        The threshold of each class of ``classes_``; all equal to
        ``threshold_`` unless ``per_class`` (a class whose shadow records are
        all members, or all non-members, keeps the global one).
    shadow_models_ : list
        The fitted shadow models.
    calibrator_ : LogisticRegression
        Maps a score to a membership probability (``predict_proba``).

    Notes
    -----
    The threshold maximises the balanced accuracy ``(TPR + TNR) / 2`` on the
    shadow models' members and non-members, which does not depend on the
    member rate. Among ties the highest threshold wins (fewest false
    positives). With ``per_class``, the score of a record is its statistic
    minus its class's threshold, so that one cut at 0 applies every class's
    threshold and the ranking (AUC, TPR at low FPR) follows the class-wise
    cut-offs.
    """

    def __init__(
        self,
        *,
        metric: str = "loss",
        shadow_model: str = "ann",
        shadow_params: dict | None = None,
        n_shadows: int = 1,
        member_rate: float = 0.75,
        random_state=None,
        per_class: bool = False,
    ):
        self.per_class = per_class
        self.metric = metric
        self.shadow_model = shadow_model
        self.shadow_params = shadow_params
        self.n_shadows = n_shadows
        self.member_rate = member_rate
        self.random_state = random_state

    def _validate_params(self) -> None:
        if self.metric not in THRESHOLD_METRICS:
            raise ConfigError(
                f"unknown threshold metric {self.metric!r}; choose one of "
                f"{', '.join(THRESHOLD_METRICS)}"
            )
        if self.shadow_model not in MODEL_KINDS:
            raise ConfigError(
                f"unknown shadow model kind {self.shadow_model!r}; choose one of "
                f"{', '.join(MODEL_KINDS)}"
            )
        if (
            isinstance(self.n_shadows, bool)
            or not isinstance(self.n_shadows, (int, np.integer))
            or self.n_shadows < 1
        ):
            raise ConfigError(
                f"n_shadows must be a positive integer; got {self.n_shadows!r}"
            )
        check_member_rate(self.member_rate)
        if not isinstance(self.per_class, (bool, np.bool_)):
            raise ConfigError(
                f"per_class must be True or False; got {self.per_class!r}"
            )

    def fit(self, X, y):
        """Train shadow models on ``(X, y)`` and pick the threshold on them.

        Parameters
        ----------
        X : array-like of shape (n_records, n_features)
            The attacker's records, from the target's distribution.
        y : array-like of shape (n_records,)
            Their true classes.

        Returns
        -------
        self

        Raises
        ------
        ConfigError
            For an unknown metric or model kind, or a bad count or rate.
        DataError
            If ``X`` and ``y`` do not match or ``y`` holds one class only.
        """
        self._validate_params()
        X, y, self.classes_ = check_shadow_records(X, y)

        rng = as_generator(self.random_state)
        splits = [
            split_members(np.arange(X.shape[0]), self.member_rate, rng)
            for _ in range(self.n_shadows)
        ]
        logger.info("training %d %s shadow model(s)", self.n_shadows, self.shadow_model)
        self.shadow_models_ = fit_models(
            self.shadow_model,
            dict(self.shadow_params or {}),
            X,
            y,
            [s.members for s in splits],
            draw_seeds(rng, self.n_shadows),
        )

        scores, membership, codes = [], [], []
        for model, split in zip(self.shadow_models_, splits, strict=True):
            rows = split.indices
            proba = full_proba(model, X[rows], self.classes_)
            labels = np.searchsorted(self.classes_, y[rows])
            scores.append(threshold_scores(proba, labels, self.metric))
            membership.append(split.membership)
            codes.append(labels)
        scores, membership = np.concatenate(scores), np.concatenate(membership)
        codes = np.concatenate(codes)

        self.threshold_ = _best_threshold(membership, scores)
        self.class_thresholds_ = np.full(self.classes_.size, self.threshold_)
        if self.per_class:
            for code in range(self.classes_.size):
                mine = codes == code
                if np.unique(membership[mine]).size == 2:
                    self.class_thresholds_[code] = _best_threshold(
                        membership[mine], scores[mine]
                    )
        self.calibrator_ = LogisticRegression().fit(
            self._shift(scores, codes)[:, None], membership
        )
        return self

    def _shift(self, statistic: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """The score: the statistic, less its class's threshold if per class."""
        if not self.per_class:
            return statistic
        return statistic - self.class_thresholds_[codes]

    def decision_function(self, proba, labels) -> np.ndarray:
        """Membership scores of records, from a model's outputs on them.

        Parameters
        ----------
        proba : array-like of shape (n_records, n_classes)
            The target's prediction vectors, one column per class in
            ``classes_``.
        labels : array-like of shape (n_records,)
            The records' true classes.

        Returns
        -------
        ndarray of shape (n_records,)
            The statistic of ``metric`` as a score (less the record's class
            threshold when ``per_class``): higher = more likely a member. Not
            bounded to [0, 1]; see ``predict_proba``.
        """
        if not hasattr(self, "threshold_"):
            raise NotFittedError(
                "this ThresholdAttack is not fitted yet; call fit(X, y) with the "
                "shadow records first"
            )
        proba, labels = check_prediction_vectors(proba, labels, self.classes_)
        codes = np.searchsorted(self.classes_, labels)
        return self._shift(threshold_scores(proba, codes, self.metric), codes)

    def predict_proba(self, proba, labels) -> np.ndarray:
        """Probabilities of non-member and member, shape (n_records, 2).

        A logistic fit of membership on the shadow scores; the ranking is
        that of ``decision_function``.
        """
        scores = self.decision_function(proba, labels)
        return self.calibrator_.predict_proba(scores[:, None])

    def predict(self, proba, labels) -> np.ndarray:
        """1 for records whose statistic reaches their threshold, else 0.

        The threshold is ``threshold_``, or with ``per_class`` the record's
        class threshold (its score is then compared with 0).
        """
        scores = self.decision_function(proba, labels)
        cut = 0.0 if self.per_class else self.threshold_
        return (scores >= cut).astype(np.int64)


def _best_threshold(membership: np.ndarray, scores: np.ndarray) -> float:
    """The cut-off of highest TPR - FPR (highest threshold among ties).

    Youden's J = TPR - FPR is balanced accuracy up to an affine map.
    """
    fpr, tpr, thresholds = roc_curve(membership, scores, drop_intermediate=False)
    return float(thresholds[int(np.argmax(tpr - fpr))])
