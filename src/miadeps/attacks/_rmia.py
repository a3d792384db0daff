"""The relative membership inference attack (RMIA) of Zarifzadeh et al. (ICML 2024)."""

from __future__ import annotations

import logging

import numpy as np
from sklearn.base import BaseEstimator

from miadeps.attacks._features import check_prediction_vectors, full_proba
from miadeps.attacks._lira import candidate_rows, train_references
from miadeps.exceptions import ConfigError, NotFittedError
from miadeps.models import MODEL_KINDS

logger = logging.getLogger(__name__)

__all__ = ["RMIAAttack"]

# Floor of a probability before its log: hard outputs of k-NN or forests are
# exactly 0 on some records.
_FLOOR = 1e-30


def _true_class_proba(proba: np.ndarray, labels: np.ndarray) -> np.ndarray:
    return proba[np.arange(labels.size), labels]


class RMIAAttack(BaseEstimator):
    """Membership by how a record's likelihood ratio ranks against a population.

    Parameters
    ----------
    model : str, default="ann"
        Model kind of the reference models; match the target's.
    params : dict, optional
        Hyper-parameters of the reference models; match the target's recipe.
    n_reference : int, default=8
        Reference models trained; at least 4.
    online : bool, default=True
        Online: every candidate and pool record is in half the reference
        models and ``Pr(x)`` averages all of them. Offline: candidates are in
        none, and ``Pr(x)`` averages the models that did not train on ``x``,
        corrected by ``offline_a``.
    offline_a : float, default=0.3
        Offline only: ``Pr(x) = (1 + a) / 2 * mean_out + (1 - a) / 2``, the
        linear map from the average of OUT models to that of all models
        (Zarifzadeh et al. fit ``a`` per setting; 0.3 is a middle value).
    gamma : float, default=1.0
        ``x`` dominates a population record ``z`` when
        ``LR(x, z) >= gamma``.
    random_state : int, numpy Generator or None
        Seed of the inclusion design and of every reference model.

    Attributes
    ----------
    classes_ : ndarray
        Classes seen in the pool and the candidates.
    n_candidates_, n_pool_ : int
        Candidates and pool records passed to ``fit``.
    candidate_marginal_ : ndarray of shape (n_candidates,)
        ``Pr(x)``: reference models' mean probability of each candidate's
        true class.
    pool_marginal_ : ndarray of shape (n_pool,)
        The same for the pool records, which serve as the population ``z``.
    reference_models_ : list
        The fitted reference models.
    reference_inside_ : ndarray of bool of shape (n_reference, n_pool + \
n_candidates)
        Which records each reference model trained on.

    Notes
    -----
    For a candidate ``x`` and a population record ``z``,
    ``LR(x, z) = (p(x) / Pr(x)) / (p(z) / Pr(z))`` where ``p`` is the target's
    probability of the true class and ``Pr`` its mean over reference
    models. The score is the share of population records with
    ``LR(x, z) >= gamma``, computed in log space with one sort of the
    population. The population is the pool passed to ``fit``, so scoring also
    needs the target's outputs on the pool (``pool_proba``). Scores move in
    steps of ``1 / n_pool``, and a few non-members that dominate the whole
    population tie at 1 with the strongest members: use a pool of at least
    ``1 / fpr`` records to read TPR at a low FPR. The paper also
    queries augmented copies of each record; we query the record alone.
    """

    def __init__(
        self,
        *,
        model: str = "ann",
        params: dict | None = None,
        n_reference: int = 8,
        online: bool = True,
        offline_a: float = 0.3,
        gamma: float = 1.0,
        random_state=None,
    ):
        self.model = model
        self.params = params
        self.n_reference = n_reference
        self.online = online
        self.offline_a = offline_a
        self.gamma = gamma
        self.random_state = random_state

    def _validate_params(self) -> None:
        if self.model not in MODEL_KINDS:
            raise ConfigError(
                f"unknown reference model kind {self.model!r}; choose one of "
                f"{', '.join(MODEL_KINDS)}"
            )
        if (
            isinstance(self.n_reference, bool)
            or not isinstance(self.n_reference, (int, np.integer))
            or self.n_reference < 4
        ):
            raise ConfigError(
                f"n_reference must be an integer of at least 4; got "
                f"{self.n_reference!r}"
            )
        if not 0.0 <= self.offline_a <= 1.0:
            raise ConfigError(f"offline_a must lie in [0, 1]; got {self.offline_a!r}")
        if not self.gamma > 0.0:
            raise ConfigError(f"gamma must be positive; got {self.gamma!r}")

    def fit(self, X, y, *, X_candidates, y_candidates, reuse=None):
        """Train the reference models and each record's ``Pr(x)``.

        Parameters
        ----------
        X : array-like of shape (n_pool, n_features)
            The attacker's own records: the population ``z``.
        y : array-like of shape (n_pool,)
            Their true classes.
        X_candidates : array-like of shape (n_candidates, n_features)
            The records whose membership will be queried, in the order
            ``decision_function`` refers to them.
        y_candidates : array-like of shape (n_candidates,)
            Their true classes.
        reuse : LiRAAttack or RMIAAttack, optional
            A fitted attack with the same model, params, n_reference,
            online and (int) random_state, fitted on the same records: its
            reference models are used instead of training the same ones
            again.

        Returns
        -------
        self

        Raises
        ------
        ConfigError
            For a bad parameter, or a ``reuse`` that does not match.
        DataError
            For mismatched shapes or a pool of one class.
        """
        self._validate_params()
        X_cand, y_cand, inside = train_references(
            self, X, y, X_candidates, y_candidates, "RMIA", reuse
        )
        X_all = np.concatenate([np.asarray(X, dtype=np.float32), X_cand])
        y_all = np.concatenate([np.asarray(y), y_cand])
        labels = np.searchsorted(self.classes_, y_all)
        p_ref = np.stack(
            [
                _true_class_proba(full_proba(m, X_all, self.classes_), labels)
                for m in self.reference_models_
            ]
        )

        if self.online:
            marginal = p_ref.mean(axis=0)
        else:
            out = ~inside
            mean_out = (p_ref * out).sum(0) / out.sum(0)
            marginal = 0.5 * (1 + self.offline_a) * mean_out + 0.5 * (
                1 - self.offline_a
            )
        n_pool = y_all.size - y_cand.size
        self.pool_marginal_ = marginal[:n_pool]
        self.candidate_marginal_ = marginal[n_pool:]
        self.pool_labels_ = y_all[:n_pool]
        self.candidate_labels_ = y_cand
        self.n_pool_, self.n_candidates_ = n_pool, y_cand.size
        return self

    def _log_ratio(self, proba, labels, marginal) -> np.ndarray:
        p = _true_class_proba(proba, np.searchsorted(self.classes_, labels))
        return np.log(np.maximum(p, _FLOOR)) - np.log(np.maximum(marginal, _FLOOR))

    def decision_function(
        self, proba, labels, *, pool_proba, candidate_index=None
    ) -> np.ndarray:
        """Membership scores of candidates, from the target's outputs.

        Parameters
        ----------
        proba : array-like of shape (n_rows, n_classes)
            The target's prediction vectors on the candidates.
        labels : array-like of shape (n_rows,)
            The candidates' true classes.
        pool_proba : array-like of shape (n_pool, n_classes)
            The target's prediction vectors on the pool records passed to
            ``fit``, in that order.
        candidate_index : array-like of int of shape (n_rows,), optional
            Which candidate each row is. Default: all candidates in fit order.

        Returns
        -------
        ndarray of shape (n_rows,)
            Scores in (0, 1): ``(c + t) / (n_pool + 1)`` with ``c`` the number
            of population records the candidate dominates and ``t`` in (0, 1)
            rising with its own likelihood ratio, which orders candidates of
            equal ``c`` (with a small pool many dominate it all).

        Raises
        ------
        NotFittedError
            Before ``fit``.
        DataError
            For bad shapes, an index out of range or labels that differ from
            the candidates'.
        """
        if not hasattr(self, "candidate_marginal_"):
            raise NotFittedError(
                "this RMIAAttack is not fitted yet; call fit(X, y, X_candidates=..., "
                "y_candidates=...) first"
            )
        proba, labels = check_prediction_vectors(proba, labels, self.classes_)
        pool_proba, _ = check_prediction_vectors(
            pool_proba, self.pool_labels_, self.classes_
        )
        rows = candidate_rows(labels, candidate_index, self.candidate_labels_)

        log_x = self._log_ratio(proba, labels, self.candidate_marginal_[rows])
        log_z = np.sort(
            self._log_ratio(pool_proba, self.pool_labels_, self.pool_marginal_)
        )
        # LR(x, z) >= gamma  <=>  log ratio(z) <= log ratio(x) - log gamma
        dominated = np.searchsorted(log_z, log_x - np.log(self.gamma), side="right")
        # Candidates with the same count (above all, those that dominate the
        # whole population) tie; a fraction in (0, 1) that rises with their
        # own ratio orders them without crossing into the next count. arctan
        # saturates slowly, so ratios far out still differ.
        tie_break = 0.5 + np.arctan(log_x) / np.pi
        return (dominated + tie_break) / (log_z.size + 1)

    def predict(self, proba, labels, *, pool_proba, candidate_index=None):
        """1 where the score is above one half, 0 elsewhere (a default cut)."""
        scores = self.decision_function(
            proba, labels, pool_proba=pool_proba, candidate_index=candidate_index
        )
        return (scores > 0.5).astype(np.int64)
