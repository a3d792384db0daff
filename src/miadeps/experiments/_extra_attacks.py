"""Attacks run on a trial's target besides the shadow-model attack.

A trial trains one target and can attack it with every attack of
:mod:`miadeps.attacks`, so that the attacks are compared on the very same
target, shadow pool and candidate records. This module runs the extra
attacks a trial asks for and measures each one as the trial measures the
shadow-model attack, plus its ROC curve at a fixed grid of false-positive
rates (so that curves of repetitions can be averaged point by point).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import numpy as np
from sklearn import metrics as skm

from miadeps._random import draw_seeds
from miadeps.attacks import LiRAAttack, RMIAAttack, ThresholdAttack
from miadeps.exceptions import ConfigError
from miadeps.metrics import DEFAULT_FPRS, attack_report
from miadeps.sampling import AttackSplit

logger = logging.getLogger(__name__)

__all__ = [
    "EXTRA_ATTACKS",
    "ROC_FPR_GRID",
    "attack_key",
    "check_extra_attacks",
    "roc_on_grid",
    "run_extra_attacks",
]

# LiRA fits a spread per candidate from this many reference models on.
_PER_EXAMPLE_VARIANCE = 64

#: Attacks a trial can run besides the shadow-model attack, cheapest first.
EXTRA_ATTACKS = (
    "loss",
    "confidence",
    "entropy",
    "modified-entropy",
    "lira-online",
    "lira-offline",
    "rmia-online",
    "rmia-offline",
)
#: False-positive rates at which every attack's ROC curve is stored:
#: 25 points spaced evenly in log from 1e-4 to 1.
ROC_FPR_GRID: tuple[float, ...] = tuple(float(f) for f in np.logspace(-4, 0, 25))
_LEAST_REFERENCES = 4
# The seeds of the extra attacks come from their own stream, so that asking
# for them leaves the target, the split and the shadow attack as they were.
_EXTRA_STREAM = 2


def attack_key(name: str) -> str:
    """The key of an attack in results and store columns: ``lira-online`` ->
    ``lira_online`` (column names stay plain SQL identifiers between dots)."""
    return name.replace("-", "_")


def check_extra_attacks(names: Sequence[str], n_references: int) -> tuple[str, ...]:
    """Validate a list of extra attacks and the number of reference models.

    Parameters
    ----------
    names : sequence of str
        Names from :data:`EXTRA_ATTACKS`, each at most once.
    n_references : int
        Reference models of LiRA and RMIA; at least 4.

    Returns
    -------
    tuple of str
        ``names`` as a tuple.

    Raises
    ------
    ConfigError
        For a name that is not an attack, a name given twice, or too few
        reference models.
    """
    if isinstance(names, str):
        raise ConfigError(
            f"the extra attacks must be a list of names; got the string {names!r}; "
            f"write e.g. [{names!r}]"
        )
    names = tuple(names)
    for name in names:
        if name not in EXTRA_ATTACKS:
            raise ConfigError(
                f"unknown attack {name!r}; choose from {', '.join(EXTRA_ATTACKS)} "
                "(the shadow-model attack always runs)"
            )
    repeated = [n for n in dict.fromkeys(names) if names.count(n) > 1]
    if repeated:
        raise ConfigError(
            f"attack {repeated[0]!r} is asked for twice; name each attack once"
        )
    if (
        isinstance(n_references, bool)
        or not isinstance(n_references, (int, np.integer))
        or n_references < _LEAST_REFERENCES
    ):
        raise ConfigError(
            f"the number of reference models must be an integer of at least "
            f"{_LEAST_REFERENCES}; got {n_references!r}"
        )
    return names


def roc_on_grid(membership, scores, grid: Sequence[float] = ROC_FPR_GRID) -> list:
    """TPR of the best threshold whose FPR is at most each rate of ``grid``.

    Parameters
    ----------
    membership : array-like of shape (n_records,)
        1 for members, 0 for non-members; both must occur.
    scores : array-like of shape (n_records,)
        Membership scores, higher meaning "more likely a member".
    grid : sequence of float, default=ROC_FPR_GRID
        False-positive rates in [0, 1].

    Returns
    -------
    list of float
        One TPR per rate of ``grid``: the ROC curve read as a step function
        from below, as :func:`miadeps.metrics.tpr_at_fpr_score` reads it.
    """
    fprs, tprs, _ = skm.roc_curve(membership, scores, drop_intermediate=False)
    return [float(tprs[fprs <= f + 1e-12].max()) for f in grid]


def _measure(membership, scores, predictions) -> dict:
    report = attack_report(membership, scores, predictions, fprs=DEFAULT_FPRS)
    report["roc_tpr"] = roc_on_grid(membership, scores)
    return report


def run_extra_attacks(
    X: np.ndarray,
    y: np.ndarray,
    split: AttackSplit,
    target,
    names: Sequence[str],
    *,
    kind: str,
    params: dict,
    n_shadows: int,
    member_rate: float,
    n_references: int,
    seed: int,
) -> tuple[dict, dict]:
    """Attack one trained target with each of ``names``.

    Parameters
    ----------
    X : ndarray of shape (n_records, n_features)
    y : ndarray of shape (n_records,)
        The trial's records.
    split : AttackSplit
        The target's members and non-members (the candidates) and the
        attacker's shadow pool.
    target : fitted classifier
        The target model, queried with ``predict_proba``.
    names : sequence of str
        Attacks of :data:`EXTRA_ATTACKS`.
    kind : str
        Model kind of the attacker's shadow and reference models.
    params : dict
        Their hyper-parameters (the attacker imitates the target's recipe).
    n_shadows : int
        Shadow models of each threshold attack.
    member_rate : float
        Share of the shadow pool each threshold attack's shadow trains on.
    n_references : int
        Reference models of LiRA and RMIA.
    seed : int
        The trial's seed.

    Returns
    -------
    results : dict
        Keyed by :func:`attack_key` of each name: every entry of
        :func:`miadeps.metrics.attack_report` and ``roc_tpr`` (TPR at each
        rate of :data:`ROC_FPR_GRID`).
    timings : dict
        Seconds each attack took (``<key>_s``), training included.

    Notes
    -----
    The four threshold attacks get one seed, so their shadow models are the
    same; online LiRA and online RMIA share one set of reference models
    (trained by whichever runs first, reused by the other), and so do the
    two offline attacks.
    Reference models train on the shadow pool (and, online, on the
    candidates too); RMIA's population is the shadow pool. A threshold
    attack's hard decisions use the threshold it picked on its shadows;
    LiRA's and RMIA's their own ``predict``.
    """
    names = check_extra_attacks(names, n_references)
    rng = np.random.default_rng([seed, _EXTRA_STREAM])
    threshold_seed, online_seed, offline_seed = draw_seeds(rng, 3)

    pool, candidates = split.shadow_pool, split.target.indices
    X_pool, y_pool, X_cand = X[pool], y[pool], X[candidates]
    labels = y[candidates]
    proba = target.predict_proba(X_cand)
    # RMIA compares each candidate with the population: the pool, as the
    # target sees it.
    pool_proba = (
        target.predict_proba(X_pool) if any("rmia" in n for n in names) else None
    )

    # The first of LiRA and RMIA in a mode trains the reference models, the
    # other reuses them (the same models: same seed, same design).
    fitted: dict[bool, object] = {}
    results, timings = {}, {}
    for name in names:
        started = time.perf_counter()
        family, _, mode = name.partition("-")
        if family in ("lira", "rmia"):
            online = mode == "online"
            cls, options = RMIAAttack, {}
            if family == "lira":
                # A spread per candidate from a handful of models (4 per side
                # at 8) is noise; below 64 models LiRA shares one per side.
                cls = LiRAAttack
                options = {"fixed_variance": n_references < _PER_EXAMPLE_VARIANCE}
            attack = cls(
                model=kind,
                params=dict(params),
                n_reference=n_references,
                online=online,
                random_state=online_seed if online else offline_seed,
                **options,
            ).fit(
                X_pool,
                y_pool,
                X_candidates=X_cand,
                y_candidates=labels,
                reuse=fitted.get(online),
            )
            fitted.setdefault(online, attack)
            query = {"pool_proba": pool_proba} if family == "rmia" else {}
        else:
            attack = ThresholdAttack(
                metric=attack_key(name),
                shadow_model=kind,
                shadow_params=dict(params),
                n_shadows=n_shadows,
                member_rate=member_rate,
                random_state=threshold_seed,
            ).fit(X_pool, y_pool)
            query = {}
        scores = attack.decision_function(proba, labels, **query)
        predictions = attack.predict(proba, labels, **query)

        key = attack_key(name)
        results[key] = _measure(split.target.membership, scores, predictions)
        timings[f"{key}_s"] = time.perf_counter() - started
        logger.info(
            "%s: AUC %.3f in %.1f s", name, results[key]["auc"], timings[f"{key}_s"]
        )
    return results, timings
