"""Running the project's attacks against the audited model's outputs."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np

from miadeps._random import as_generator, draw_seeds
from miadeps.attacks import LiRAAttack, RMIAAttack, ShadowModelAttack, ThresholdAttack
from miadeps.exceptions import ConfigError
from miadeps.metrics import attack_report
from miadeps.models import MODEL_KINDS
from miadeps.properties._leakage import _logit_confidence

__all__ = ["ATTACK_NAMES", "AttackOutcome", "run_attacks"]

logger = logging.getLogger(__name__)

#: Key and display name of every attack the audit runs, in report order.
ATTACK_NAMES = {
    "shadow": "shadow models (Shokri et al.)",
    "loss": "loss threshold",
    "confidence": "confidence threshold",
    "modified_entropy": "modified-entropy threshold",
    "lira_offline": "LiRA, offline (z-score)",
    "rmia_offline": "RMIA, offline",
}

# Shadows train on half of their records, so the attack learns from as many
# members as non-members.
_SHADOW_MEMBER_RATE = 0.5


@dataclass(frozen=True)
class AttackOutcome:
    """One attack's result on the evaluation records.

    Attributes
    ----------
    key, name : str
        Key (see :data:`ATTACK_NAMES`) and display name.
    scores : numpy.ndarray of shape (n_eval,)
        Membership scores, higher meaning more likely a member. For offline
        LiRA, the standardised statistic ``z = (phi - mu_out) / sd_out`` of
        each record (the attack's own score, ``log Phi(z)``, is an
        increasing function of it that rounds to 0 for large ``z``).
    predictions : numpy.ndarray of int of shape (n_eval,)
        The attack's own member / non-member calls.
    report : dict
        :func:`~miadeps.metrics.attack_report` of the scores and calls.
    seconds : float
        Wall time of fitting and scoring.
    """

    key: str
    name: str
    scores: np.ndarray
    predictions: np.ndarray
    report: dict
    seconds: float


def run_attacks(
    pool: tuple[np.ndarray, np.ndarray, np.ndarray],
    candidates: tuple[np.ndarray, np.ndarray, np.ndarray],
    membership: np.ndarray,
    *,
    shadow: str = "ann",
    shadow_params: dict | None = None,
    n_shadows: int = 4,
    n_references: int = 8,
    random_state=None,
) -> list[AttackOutcome]:
    """Fit every attack on the pool and score the candidates.

    Parameters
    ----------
    pool : tuple of (X, y, proba)
        The attacker's records: encoded features of shape (n_pool,
        n_encoded), classes of shape (n_pool,), and the target's prediction
        vectors on them, shape (n_pool, 2) (RMIA compares against them).
    candidates : tuple of (X, y, proba)
        The records whose membership is tested, the same three arrays.
    membership : numpy.ndarray of int of shape (n_candidates,)
        1 for the target's members, 0 for non-members (for the metrics only).
    shadow : {"ann", "lr", "svm", "rf", "knn"}, default="ann"
        Kind of the shadow and reference models.
    shadow_params : dict, optional
        Their hyper-parameters.
    n_shadows : int, default=4
        Shadow models of the Shokri and threshold attacks.
    n_references : int, default=8
        Reference models of LiRA and RMIA (each trains its own).
    random_state : int, numpy Generator or None
        Seed of every attack.

    Returns
    -------
    list of AttackOutcome
        In the order of :data:`ATTACK_NAMES`.

    Raises
    ------
    ConfigError
        For an unknown model kind or a bad count.
    DataError
        As the attacks raise it (e.g. a pool of one class).
    """
    if shadow not in MODEL_KINDS:
        raise ConfigError(
            f"unknown shadow model kind {shadow!r}; choose one of "
            f"{', '.join(MODEL_KINDS)}"
        )
    X_pool, y_pool, proba_pool = pool
    X_cand, y_cand, proba_cand = candidates
    params = dict(shadow_params or {})
    seeds = iter(draw_seeds(as_generator(random_state), len(ATTACK_NAMES)))
    outcomes = []

    def record(key, fit_and_score):
        start = time.perf_counter()
        logger.info("attack: %s", ATTACK_NAMES[key])
        scores, predictions = fit_and_score()
        outcomes.append(
            AttackOutcome(
                key=key,
                name=ATTACK_NAMES[key],
                scores=np.asarray(scores, dtype=np.float64),
                predictions=np.asarray(predictions, dtype=np.int64),
                report=attack_report(membership, scores, predictions),
                seconds=time.perf_counter() - start,
            )
        )

    def shokri():
        attack = ShadowModelAttack(
            shadow_model=shadow,
            shadow_params=params,
            n_shadows=n_shadows,
            member_rate=_SHADOW_MEMBER_RATE,
            random_state=next(seeds),
        ).fit(X_pool, y_pool)
        scores = attack.decision_function(proba_cand, y_cand)
        return scores, (scores >= 0.5).astype(np.int64)

    def threshold(metric):
        def fit_and_score():
            attack = ThresholdAttack(
                metric=metric,
                shadow_model=shadow,
                shadow_params=params,
                n_shadows=n_shadows,
                member_rate=_SHADOW_MEMBER_RATE,
                random_state=next(seeds),
            ).fit(X_pool, y_pool)
            return (
                attack.decision_function(proba_cand, y_cand),
                attack.predict(proba_cand, y_cand),
            )

        return fit_and_score

    def lira():
        attack = LiRAAttack(
            model=shadow,
            params=params,
            n_reference=n_references,
            online=False,
            random_state=next(seeds),
        ).fit(X_pool, y_pool, X_candidates=X_cand, y_candidates=y_cand)
        # The attack's score is log Phi(z), which rounds to 0 for every record
        # the model is sure of; z itself ranks the same and keeps them apart.
        phi = _logit_confidence(proba_cand, np.searchsorted(attack.classes_, y_cand))
        z = (phi - attack.out_mean_) / attack.out_std_
        return z, attack.predict(proba_cand, y_cand)

    def rmia():
        attack = RMIAAttack(
            model=shadow,
            params=params,
            n_reference=n_references,
            online=False,
            random_state=next(seeds),
        ).fit(X_pool, y_pool, X_candidates=X_cand, y_candidates=y_cand)
        return (
            attack.decision_function(proba_cand, y_cand, pool_proba=proba_pool),
            attack.predict(proba_cand, y_cand, pool_proba=proba_pool),
        )

    record("shadow", shokri)
    # TODO(issue-7): the three threshold attacks each train n_shadows shadows
    # of their own; they could share one set (ThresholdAttack has no way to
    # take fitted shadows yet), saving two thirds of that training.
    for metric in ("loss", "confidence", "modified_entropy"):
        record(metric, threshold(metric))
    record("lira_offline", lira)
    record("rmia_offline", rmia)
    return outcomes
