"""The likelihood-ratio attack (LiRA) of Carlini et al. (IEEE S&P 2022)."""

from __future__ import annotations

import hashlib
import logging

import numpy as np
from scipy.special import expit, log_ndtr
from sklearn.base import BaseEstimator

from miadeps._random import as_generator, draw_seeds
from miadeps.attacks._features import check_prediction_vectors, full_proba
from miadeps.exceptions import ConfigError, DataError, NotFittedError
from miadeps.models import MODEL_KINDS, fit_models
from miadeps.properties._leakage import _inclusion_design, _logit_confidence

logger = logging.getLogger(__name__)

__all__ = ["LiRAAttack"]

# Floor of a fitted spread: reference models with hard outputs (or nets that
# saturate the clipped confidence) give identical logits, and a zero spread
# would make every likelihood infinite.
_MIN_STD = 1e-3
_LOG_SQRT_2PI = 0.5 * np.log(2.0 * np.pi)


def _check_matrix(X, y, what: str) -> tuple[np.ndarray, np.ndarray]:
    X = np.asarray(X, dtype=np.float32)
    y = np.asarray(y)
    if X.ndim != 2 or y.shape != (X.shape[0],) or X.shape[0] == 0:
        raise DataError(
            f"{what} must be a non-empty 2-d X with one label per row; got X "
            f"{X.shape}, y {y.shape}"
        )
    return X, y


# What two attacks must share to read the same reference models.
_REUSE_PARAMS = ("model", "params", "n_reference", "online", "random_state")


def _fingerprint(*arrays) -> str:
    digest = hashlib.sha256()
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(str((array.dtype, array.shape)).encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


def train_references(
    attack, X, y, X_candidates, y_candidates, name: str, reuse=None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Train an attack's reference models in one call of the models layer.

    Reads ``model``, ``params``, ``n_reference``, ``online`` and
    ``random_state`` from ``attack`` and sets its ``classes_``,
    ``reference_models_`` and ``reference_inside_``. Returns the checked
    candidates ``(X_cand, y_cand)`` and ``inside`` of shape (n_reference,
    n_pool + n_candidates): whether reference model r trained on pool row i
    (columns ``< n_pool``) or candidate ``i - n_pool``. Online, every record
    is in exactly half of the models; offline, only pool records are, and
    candidates never.

    ``reuse``, another fitted LiRA or RMIA attack with the same settings of
    :data:`_REUSE_PARAMS` and fitted on the same records, lends its reference
    models instead: they are the very models this call would train (same
    seed, same design), so training them again would only cost time.
    """
    X, y = _check_matrix(X, y, "the pool")
    X_cand, y_cand = _check_matrix(X_candidates, y_candidates, "the candidates")
    if X_cand.shape[1] != X.shape[1]:
        raise DataError(
            f"candidates have {X_cand.shape[1]} features but the pool has "
            f"{X.shape[1]}; encode both alike"
        )
    if np.unique(y).size < 2:
        raise DataError(
            f"the pool holds one class only ({np.unique(y).tolist()}); "
            "reference models need at least two"
        )
    attack.classes_ = np.unique(np.concatenate([y, y_cand]))
    attack.reference_data_ = _fingerprint(X, y, X_cand, y_cand)
    if reuse is not None:
        _check_reuse(attack, reuse, name)
        attack.reference_models_ = reuse.reference_models_
        attack.reference_inside_ = reuse.reference_inside_
        return X_cand, y_cand, reuse.reference_inside_

    rng = as_generator(attack.random_state)
    n_pool, n_cand = X.shape[0], X_cand.shape[0]
    inside = np.zeros((attack.n_reference, n_pool + n_cand), bool)
    n_design = n_pool + n_cand if attack.online else n_pool
    inside[:, :n_design] = _inclusion_design(n_design, attack.n_reference, 0.5, rng)
    logger.info(
        "%s: training %d %s reference models (%s)",
        name,
        attack.n_reference,
        attack.model,
        "online" if attack.online else "offline",
    )
    attack.reference_models_ = fit_models(
        attack.model,
        dict(attack.params or {}),
        np.concatenate([X, X_cand]),
        np.concatenate([y, y_cand]),
        [np.flatnonzero(row) for row in inside],
        draw_seeds(rng, attack.n_reference),
    )
    attack.reference_inside_ = inside
    return X_cand, y_cand, inside


def _check_reuse(attack, reuse, name: str) -> None:
    """Refuse reference models that are not the ones ``attack`` would train."""
    if not hasattr(reuse, "reference_inside_"):
        raise ConfigError(
            f"{name}: reuse= needs a fitted LiRAAttack or RMIAAttack; got "
            f"{type(reuse).__name__}, fit it first"
        )
    for param in _REUSE_PARAMS:
        mine, theirs = getattr(attack, param), getattr(reuse, param)
        if mine != theirs:
            raise ConfigError(
                f"{name}: cannot reuse reference models trained with "
                f"{param}={theirs!r} for {param}={mine!r}; give both attacks the "
                "same model, params, n_reference, online and random_state"
            )
    if isinstance(attack.random_state, np.random.Generator):
        raise ConfigError(
            f"{name}: reuse= needs an int random_state on both attacks (a "
            "Generator has moved on after the first fit)"
        )
    if reuse.reference_data_ != attack.reference_data_:
        raise ConfigError(
            f"{name}: the reference models to reuse were fitted on other pool or "
            "candidate records; fit both attacks on the same records"
        )


def candidate_rows(labels, candidate_index, candidate_labels) -> np.ndarray:
    """Check which candidate each row is and that its label matches."""
    n_rows, n_cand = labels.size, candidate_labels.size
    if candidate_index is None:
        if n_rows != n_cand:
            raise DataError(
                f"got {n_rows} rows but fit saw {n_cand} candidates; pass the "
                "candidates in fit order or give candidate_index"
            )
        rows = np.arange(n_rows)
    else:
        rows = np.asarray(candidate_index)
        if (
            rows.shape != (n_rows,)
            or not np.issubdtype(rows.dtype, np.integer)
            or (rows.size and (rows.min() < 0 or rows.max() >= n_cand))
        ):
            raise DataError(
                f"candidate_index must hold {n_rows} integers in [0, {n_cand}), "
                f"one per row; got shape {rows.shape}"
            )
    wrong = labels != candidate_labels[rows]
    if wrong.any():
        first = int(np.flatnonzero(wrong)[0])
        raise DataError(
            f"row {first} has label {labels[first].item()!r} but candidate "
            f"{int(rows[first])} has {candidate_labels[rows[first]].item()!r}; "
            "pass rows in fit order or the matching candidate_index"
        )
    return rows


def _gaussian_logpdf(x, mean, std):
    return -0.5 * ((x - mean) / std) ** 2 - np.log(std) - _LOG_SQRT_2PI


class LiRAAttack(BaseEstimator):
    """Per-record likelihood-ratio membership test from reference models.

    Parameters
    ----------
    model : str, default="ann"
        Model kind of the reference models; match the target's.
    params : dict, optional
        Hyper-parameters of the reference models; match the target's recipe.
    n_reference : int, default=16
        Reference models trained; at least 4 (each record is in exactly half
        of them, and a spread needs 2 models per side).
    online : bool, default=True
        Online: each candidate is in the training set of half the reference
        models and the test compares an IN and an OUT Gaussian. Offline: no
        reference model sees a candidate, and the test is one-sided against
        the OUT Gaussian.
    fixed_variance : bool, default=False
        Use one spread per side shared by all candidates (the root mean of the
        per-candidate variances) instead of a spread per candidate; steadier
        with few reference models.
    random_state : int, numpy Generator or None
        Seed of the inclusion design and of every reference model.

    Attributes
    ----------
    classes_ : ndarray
        Classes seen in the pool and the candidates.
    n_candidates_ : int
        Candidates passed to ``fit``.
    out_mean_, out_std_ : ndarray of shape (n_candidates,)
        Gaussian of the logit-scaled confidence of models that did not train
        on each candidate.
    in_mean_, in_std_ : ndarray of shape (n_candidates,) or None
        The same for models that did (online only).
    reference_models_ : list
        The fitted reference models.
    reference_inside_ : ndarray of bool of shape (n_reference, n_pool + \
n_candidates)
        Which records each reference model trained on.

    Notes
    -----
    *Statistic.* The target's logit-scaled confidence on the true class,
    ``phi = log(p_y / (1 - p_y))`` with ``p_y`` clipped to
    ``[1e-7, 1 - 1e-7]``, which is close to Gaussian across retrainings.

    *Scores.* Online: the log likelihood ratio
    ``log N(phi; mu_in, sd_in^2) - log N(phi; mu_out, sd_out^2)``, computed
    in log space. Offline: ``log Phi((phi - mu_out) / sd_out)``, the log of
    the one-sided statistic ``1 - P(Z > phi)`` for ``Z ~ N(mu_out, sd_out^2)``
    (high when the target is more confident on the record than models that
    never saw it), via ``log_ndtr`` so that far tails stay finite.

    *Training sets.* Online, the reference models train on halves of the
    union of the pool and the candidates (every record in exactly half of
    them); offline, on halves of the pool. Each reference model therefore
    trains on half of what it is offered: size the pool so that this matches
    the target's training set. All reference models are trained in one call
    of the models layer (neural nets together in the batched engine).

    The paper also queries augmented copies of each record; we query the
    record alone.
    """

    # TODO(issue-7): query augmented copies (noise for tabular records) and
    # fit a multivariate Gaussian over them, as the paper does for images;
    # one query per record leaves some low-FPR power unused.

    def __init__(
        self,
        *,
        model: str = "ann",
        params: dict | None = None,
        n_reference: int = 16,
        online: bool = True,
        fixed_variance: bool = False,
        random_state=None,
    ):
        self.model = model
        self.params = params
        self.n_reference = n_reference
        self.online = online
        self.fixed_variance = fixed_variance
        self.random_state = random_state

    def _validate_params(self) -> None:
        if self.model not in MODEL_KINDS:
            raise ConfigError(
                f"unknown reference model kind {self.model!r}; choose one of "
                f"{', '.join(MODEL_KINDS)}"
            )
        # The balanced design needs 2 'in' and 2 'out' models per record.
        least = 4
        if (
            isinstance(self.n_reference, bool)
            or not isinstance(self.n_reference, (int, np.integer))
            or self.n_reference < least
        ):
            raise ConfigError(
                f"n_reference must be an integer of at least {least}; got "
                f"{self.n_reference!r}"
            )

    def fit(self, X, y, *, X_candidates, y_candidates, reuse=None):
        """Train the reference models and fit each candidate's Gaussians.

        Parameters
        ----------
        X : array-like of shape (n_pool, n_features)
            The attacker's own records (the population), from the target's
            distribution.
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
            For an unknown model kind, too few reference models, or a
            ``reuse`` that does not match.
        DataError
            For mismatched shapes or one class only.
        """
        self._validate_params()
        X_cand, y_cand, inside = train_references(
            self, X, y, X_candidates, y_candidates, "LiRA", reuse
        )

        labels = np.searchsorted(self.classes_, y_cand)
        stats = np.stack(
            [
                _logit_confidence(full_proba(m, X_cand, self.classes_), labels)
                for m in self.reference_models_
            ]
        )
        cand_in = inside[:, -y_cand.size :]
        self.out_mean_, self.out_std_ = self._moments(stats, ~cand_in)
        if self.online:
            self.in_mean_, self.in_std_ = self._moments(stats, cand_in)
        else:
            self.in_mean_ = self.in_std_ = None
        self.n_candidates_ = y_cand.size
        self.candidate_labels_ = y_cand
        return self

    def _moments(self, stats: np.ndarray, mask: np.ndarray):
        """Per-candidate mean and spread of ``stats`` over the masked models."""
        count = mask.sum(0)
        mean = (stats * mask).sum(0) / count
        var = (((stats - mean) ** 2) * mask).sum(0) / (count - 1)
        if self.fixed_variance:
            var = np.full_like(var, var.mean())
        return mean, np.maximum(np.sqrt(var), _MIN_STD)

    def decision_function(self, proba, labels, *, candidate_index=None) -> np.ndarray:
        """Membership scores of candidates, from the target's outputs on them.

        Parameters
        ----------
        proba : array-like of shape (n_rows, n_classes)
            The target's prediction vectors, one column per class in
            ``classes_``.
        labels : array-like of shape (n_rows,)
            The records' true classes; must equal the candidates' labels.
        candidate_index : array-like of int of shape (n_rows,), optional
            Which candidate (position in ``X_candidates`` at fit) each row
            is. Default: the rows are all the candidates, in fit order.

        Returns
        -------
        ndarray of shape (n_rows,)
            Online: log likelihood ratio (IN over OUT). Offline: log of the
            one-sided statistic. Higher = more likely a member.

        Raises
        ------
        NotFittedError
            Before ``fit``.
        DataError
            For bad shapes, an index out of range, or labels that differ from
            the candidates' (rows in the wrong order).
        """
        if not hasattr(self, "out_mean_"):
            raise NotFittedError(
                "this LiRAAttack is not fitted yet; call fit(X, y, X_candidates=..., "
                "y_candidates=...) first"
            )
        proba, labels = check_prediction_vectors(proba, labels, self.classes_)
        rows = candidate_rows(labels, candidate_index, self.candidate_labels_)

        phi = _logit_confidence(proba, np.searchsorted(self.classes_, labels))
        out_mean, out_std = self.out_mean_[rows], self.out_std_[rows]
        if not self.online:
            return log_ndtr((phi - out_mean) / out_std)
        return _gaussian_logpdf(
            phi, self.in_mean_[rows], self.in_std_[rows]
        ) - _gaussian_logpdf(phi, out_mean, out_std)

    def predict_proba(self, proba, labels, *, candidate_index=None) -> np.ndarray:
        """Probabilities of non-member and member, shape (n_rows, 2).

        Online: the posterior under the two Gaussians with even prior odds.
        Offline: ``Phi((phi - mu_out) / sd_out)``, one minus the one-sided
        p-value, which ranks like a probability but is not a posterior.
        """
        scores = self.decision_function(proba, labels, candidate_index=candidate_index)
        member = expit(scores) if self.online else np.exp(scores)
        return np.column_stack([1.0 - member, member])

    def predict(self, proba, labels, *, candidate_index=None) -> np.ndarray:
        """1 where the member probability of ``predict_proba`` is at least 0.5."""
        member = self.predict_proba(proba, labels, candidate_index=candidate_index)
        return (member[:, 1] >= 0.5).astype(np.int64)
