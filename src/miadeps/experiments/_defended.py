"""Training the target under a defense (miadeps.defenses) inside a trial.

``miadeps.defenses`` builds torch penalties, so it is imported only when a
defense is asked for: undefended trials, and every command of the CLI, start
without loading torch on its account.
"""

from __future__ import annotations

import logging
import math
import numbers

import numpy as np

from miadeps.exceptions import ConfigError
from miadeps.models import make_model, seed_from

logger = logging.getLogger(__name__)

__all__ = [
    "DEFENSE_PARAMS",
    "REFERENCE_DEFENSES",
    "check_defense",
    "fit_defended_target",
    "pick_reference_rows",
    "reference_size",
]

#: Defenses that learn from rows the defender holds out of training.
REFERENCE_DEFENSES = ("adversarial", "mutual-information")
#: The settings of :attr:`AttackConfig.defense_params`, by the defense that
#: uses them.
DEFENSE_PARAMS = {
    "noise_multiplier": "dp-sgd",
    "max_grad_norm": "dp-sgd",
    "delta": "dp-sgd",
    "dropout": "dropout",
}


def _is_number(value) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def _check_params(params: dict) -> None:
    unknown = sorted(set(params) - set(DEFENSE_PARAMS))
    if unknown:
        raise ConfigError(
            f"unknown defense parameter {unknown[0]!r}; use {', '.join(DEFENSE_PARAMS)}"
        )
    for name in ("noise_multiplier", "max_grad_norm"):
        value = params.get(name, 1.0)
        if not (_is_number(value) and value > 0):
            raise ConfigError(f"{name} must be a number > 0; got {value!r}")
    delta = params.get("delta")
    if delta is not None and not (_is_number(delta) and 0 < delta < 1):
        raise ConfigError(
            f"delta must lie in (0, 1), e.g. 1e-5, or be left unset; got {delta!r}"
        )
    dropout = params.get("dropout", 0.5)
    if not (_is_number(dropout) and 0 <= dropout < 1):
        raise ConfigError(f"dropout must lie in [0, 1), e.g. 0.5; got {dropout!r}")


def check_defense(
    defense: str, lam: float, target: str, params: dict | None = None
) -> None:
    """Refuse a defense the trial cannot apply, before anything trains.

    Parameters
    ----------
    defense : str
        ``"none"`` or one of :data:`miadeps.defenses.DEFENSES`.
    lam : float
        Weight of the penalty, >= 0.
    target : str
        The target's model kind; a defense needs ``"ann"``.
    params : dict, optional
        The defense's other settings (see :data:`DEFENSE_PARAMS`).

    Raises
    ------
    ConfigError
        Naming the bad value and what is allowed.
    """
    if not (_is_number(lam) and lam >= 0):
        raise ConfigError(f"lam must be a number >= 0; got {lam!r}")
    _check_params(params or {})
    if defense == "none":
        return
    from miadeps.defenses import DEFENSES

    if defense not in DEFENSES:
        raise ConfigError(
            f"unknown defense {defense!r}; choose one of {', '.join(DEFENSES)}"
        )
    if target != "ann":
        raise ConfigError(
            f"defense {defense!r} regularizes neural nets; the target is "
            f"{target!r}, so use --target ann or --defense none"
        )


def reference_size(defense: str, target_size: int, member_rate: float) -> int:
    """Held-out rows a defense wants: as many as the target's members, or 0."""
    if defense not in REFERENCE_DEFENSES:
        return 0
    return int(round(target_size * member_rate))


def pick_reference_rows(
    n_records: int,
    used: np.ndarray,
    wanted: int,
    random_state: int,
    *,
    defense: str,
) -> np.ndarray:
    """Rows the defender holds out: in the dataset, used by no other set.

    Parameters
    ----------
    n_records : int
        Rows in the dataset.
    used : ndarray of int
        Rows of the target set and of the shadow pool.
    wanted : int
        How many to take (the target's members).
    random_state : int
        Seed of the choice.
    defense : str
        For the messages.

    Returns
    -------
    ndarray of int of shape (min(wanted, free),)
        Sorted row indices, disjoint from ``used``.

    Raises
    ------
    ConfigError
        If no row is free.
    """
    free = np.setdiff1d(np.arange(n_records), used)
    if free.size == 0:
        raise ConfigError(
            f"defense {defense!r} needs held-out rows that neither the target nor "
            f"the shadow pool uses, but they take all {n_records} records; lower "
            "target_size or shadow_size"
        )
    if free.size < wanted:
        logger.warning(
            "defense %s: only %d free rows for its reference set, %d wanted",
            defense,
            free.size,
            wanted,
        )
    rng = np.random.default_rng(random_state)
    return np.sort(rng.choice(free, size=min(wanted, free.size), replace=False))


def _defense_kwargs(defense: str, params: dict, reference) -> dict:
    """The keyword arguments of train_defended that ``defense`` uses."""
    kwargs = {
        name: value
        for name, value in params.items()
        if DEFENSE_PARAMS.get(name) == defense
    }
    if defense in REFERENCE_DEFENSES:
        kwargs["reference_sets"] = [reference]
    return kwargs


def fit_defended_target(
    X,
    y,
    members: np.ndarray,
    params: dict,
    seed: int,
    *,
    defense: str,
    lam: float,
    variant: str,
    groups: np.ndarray,
    random_state: int,
    defense_params: dict | None = None,
    reference: np.ndarray | None = None,
):
    """Train the target net on ``members`` under ``defense``.

    Parameters
    ----------
    X : ndarray of shape (n, n_features)
    y : ndarray of shape (n,)
    members : ndarray of int
        The target's training rows.
    params : dict
        The target net's hyper-parameters.
    seed : int
        The seed an undefended target would train with.
    defense, lam, variant
        As :func:`miadeps.defenses.train_defended`.
    groups : ndarray of shape (n,)
        0/1 group of every row (the fairness regularizers compare them).
    random_state : int
        Seeds the defense's own draws.
    defense_params : dict, optional
        The defense's other settings; only those of ``defense`` are passed
        on (see :data:`DEFENSE_PARAMS`).
    reference : ndarray of int, optional
        Held-out rows, for the defenses of :data:`REFERENCE_DEFENSES`.

    Returns
    -------
    target : ANNClassifier
        The fitted net.
    summary : dict
        ``name`` and ``lam``; the parameters the defense used; ``epsilon``
        and ``delta`` for DP-SGD; ``n_reference`` where reference rows were
        used; ``variant``, ``r_per_epoch`` and ``max_diff`` (the largest
        fall of r) whenever the defense measured a property r.
    """
    from miadeps.defenses import train_defended

    template = make_model("ann", **params)
    classes = np.unique(y[members])
    codes = np.searchsorted(classes, y).clip(0, classes.size - 1)
    spec = template.mlp_spec(X.shape[1], classes.size)
    extra = _defense_kwargs(defense, defense_params or {}, reference)
    # The seed the undefended target's fit would use, so that lam = 0 gives
    # the very same net.
    defended = train_defended(
        X,
        codes,
        [members],
        spec,
        [seed_from(seed)],
        defense=defense,
        lam=lam,
        groups=groups.astype(np.int64),
        variant=variant,
        random_state=random_state,
        **extra,
    )
    target = template.with_stack(defended.stack, classes, seed)

    summary = {"name": defense, "lam": float(lam)}
    summary.update({k: v for k, v in extra.items() if k != "reference_sets"})
    if "reference_sets" in extra:
        summary["n_reference"] = int(len(reference))
    epsilon = getattr(defended, "epsilon", None)
    if epsilon is not None:
        summary["epsilon"] = float(np.asarray(epsilon)[0])
        summary["delta"] = float(np.asarray(defended.delta).reshape(-1)[0])
    if defended.r_history is not None:
        summary["variant"] = variant
        summary["r_per_epoch"] = [float(r) for r in defended.r_history[0]]
        summary["max_diff"] = float(defended.max_diff[0])
    return target, summary
