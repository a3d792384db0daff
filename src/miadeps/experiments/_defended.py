"""Training the target under a defense (miadeps.defenses) inside a trial.

``miadeps.defenses`` builds torch penalties, so it is imported only when a
defense is asked for: undefended trials, and every command of the CLI, start
without loading torch on its account.
"""

from __future__ import annotations

import numpy as np

from miadeps.exceptions import ConfigError
from miadeps.models import make_model, seed_from


def check_defense(defense: str, lam: float, target: str) -> None:
    """Refuse a defense the trial cannot apply, before anything trains."""
    if not (isinstance(lam, (int, float)) and lam >= 0):
        raise ConfigError(f"lam must be a number >= 0; got {lam!r}")
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
):
    """Train the target net on ``members`` under ``defense``.

    Returns the fitted :class:`~miadeps.models.ANNClassifier` and a summary
    of what the defense measured: the property ``r`` after every epoch and
    its largest fall ("max diff" in the study).
    """
    from miadeps.defenses import train_defended

    template = make_model("ann", **params)
    classes = np.unique(y[members])
    codes = np.searchsorted(classes, y).clip(0, classes.size - 1)
    spec = template.mlp_spec(X.shape[1], classes.size)
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
    )
    target = template.with_stack(defended.stack, classes, seed)
    summary = {"name": defense, "lam": float(lam)}
    if defended.r_history is not None:
        summary["variant"] = variant
        summary["r_per_epoch"] = [float(r) for r in defended.r_history[0]]
        summary["max_diff"] = float(defended.max_diff[0])
    return target, summary
