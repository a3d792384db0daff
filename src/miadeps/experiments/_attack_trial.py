"""One attack trial: sample, train the target, attack it, measure.

A trial is a pure function of its configuration: the same configuration
(seed included) gives the same numbers.
"""

from __future__ import annotations

import logging
import time
from dataclasses import asdict, dataclass, field

import numpy as np

from miadeps import __version__
from miadeps.attacks import ShadowModelAttack
from miadeps.datasets import Dataset
from miadeps.exceptions import ConfigError
from miadeps.experiments._defended import (
    check_defense,
    fit_defended_target,
    pick_reference_rows,
    reference_size,
)
from miadeps.experiments._extra_attacks import (
    ROC_FPR_GRID,
    check_extra_attacks,
    roc_on_grid,
    run_extra_attacks,
)
from miadeps.experiments._measure import fairness_groups, measure_target
from miadeps.metrics import DEFAULT_FPRS, attack_report
from miadeps.models import MODEL_KINDS, fit_models
from miadeps.sampling import split_target_shadow

logger = logging.getLogger(__name__)

__all__ = ["AttackConfig", "run_attack"]


@dataclass(frozen=True)
class AttackConfig:
    """What one attack trial does.

    Attributes
    ----------
    target, shadow : str
        Model kinds of the target and of the shadow models (``shadow`` may be
        ``"all"``).
    target_params, shadow_params : dict
        Hyper-parameters; the shadows take the target's when ``shadow`` is the
        target's kind and ``shadow_params`` is empty (the attacker is assumed
        to know the target's training recipe).
    n_shadows : int
        Shadow models per shadow kind.
    target_size, shadow_size : int
        Records in the target set (members and non-members) and in the
        attacker's disjoint shadow pool.
    member_rate : float
        Share of each set that its model trains on.
    attack_model, attack_params, per_class, attack_features, combine
        Passed to :class:`~miadeps.attacks.ShadowModelAttack` (``features``
        there).
    fairness_attribute : str or None
        Sensitive attribute whose two groups the fairness measures compare;
        None takes the dataset's first (see
        :func:`~miadeps.experiments._measure.fairness_groups`).
    mi_models : int
        Retrainings used to estimate the mutual information I_X of the
        target's recipe; 0 skips it.
    defense, lam, defense_variant
        How the target trains (see :func:`miadeps.defenses.train_defended`);
        "none" by default. The shadows always train without it: the attacker
        imitates the recipe it believes the target used.
    defense_params : dict
        The defense's other settings: ``noise_multiplier``,
        ``max_grad_norm`` and ``delta`` (DP-SGD) and ``dropout``; each is
        passed on only to the defense that uses it.
    also : tuple of str
        Attacks run on the same target besides the shadow-model attack, from
        :data:`~miadeps.experiments.EXTRA_ATTACKS` (threshold attacks, LiRA
        and RMIA, online and offline); empty by default.
    n_references : int
        Reference models of LiRA and RMIA (at least 4).
    seed : int
        The one seed every random choice of the trial flows from.
    """

    target: str = "ann"
    shadow: str = "ann"
    target_params: dict = field(default_factory=dict)
    shadow_params: dict = field(default_factory=dict)
    n_shadows: int = 1
    target_size: int = 10_000
    shadow_size: int = 10_000
    member_rate: float = 0.75
    attack_model: str = "ann"
    attack_params: dict = field(default_factory=dict)
    per_class: bool = True
    attack_features: str = "log"
    combine: str = "pool"
    fairness_attribute: str | None = None
    mi_models: int = 16
    defense: str = "none"
    lam: float = 0.0
    defense_variant: str = "l1_exp"
    defense_params: dict = field(default_factory=dict)
    also: tuple[str, ...] = ()
    n_references: int = 8
    seed: int = 0

    def validate(self) -> AttackConfig:
        """Check every setting before any model is trained; return ``self``."""
        if self.target not in MODEL_KINDS:
            raise ConfigError(
                f"unknown target model kind {self.target!r}; choose one of "
                f"{', '.join(MODEL_KINDS)}"
            )
        ShadowModelAttack(
            shadow_model=self.shadow,
            n_shadows=self.n_shadows,
            member_rate=self.member_rate,
            attack_model=self.attack_model,
            features=self.attack_features,
            combine=self.combine,
        )._validate_params()
        if (
            isinstance(self.mi_models, bool)
            or not isinstance(self.mi_models, int)
            or self.mi_models < 0
            or 0 < self.mi_models < 4
        ):
            raise ConfigError(
                f"mi_models must be 0 (skip I_X) or at least 4; got {self.mi_models!r}"
            )
        check_defense(self.defense, self.lam, self.target, self.defense_params)
        check_extra_attacks(self.also, self.n_references)
        return self

    def resolved_shadow_params(self) -> dict:
        if self.shadow_params or self.shadow != self.target:
            return dict(self.shadow_params)
        return dict(self.target_params)


def run_attack(dataset: Dataset, config: AttackConfig) -> dict:
    """Train a target on ``dataset``, attack it with shadow models, measure.

    Parameters
    ----------
    dataset : Dataset
        Source of the target's and the attacker's records.
    config : AttackConfig
        The trial's settings and seed.

    Returns
    -------
    dict
        ``dataset``, ``seed``, ``member_rate``, ``config``, ``target``
        (kind, sizes, train and test accuracy), ``data`` (properties of the
        target set), ``model`` (properties of the target), ``attack`` (every
        metric of
        :func:`miadeps.metrics.attack_report`, at the evaluation set's member
        rate), ``attacks`` (only when ``config.also`` names attacks: per
        attack key, e.g. ``lira_online``, every metric of ``attack_report``
        and ``roc_tpr``, its TPR at each rate of
        :data:`~miadeps.experiments.ROC_FPR_GRID`, which ``roc_fpr`` holds;
        ``shadow`` holds the same for the shadow-model attack), ``timings``
        (seconds per step and per extra attack, the only entry that varies
        between identical runs) and ``version``.
    """
    config.validate()
    started = time.perf_counter()
    # A fourth stream, for the defender's held-out rows, leaves the first
    # three (and so every undefended trial) as they were.
    seeds = np.random.SeedSequence(config.seed).spawn(4)
    split_seed, target_seed, attack_seed, reference_seed = (
        int(s.generate_state(1)[0]) for s in seeds
    )
    X, y = dataset.X, dataset.y

    split = split_target_shadow(
        dataset.n_records,
        target_size=config.target_size,
        shadow_size=config.shadow_size,
        member_rate=config.member_rate,
        random_state=split_seed,
    )
    members, nonmembers = split.target.members, split.target.nonmembers

    logger.info("training the %s target on %d records", config.target, members.size)
    defense = None
    if config.defense == "none":
        target = fit_models(
            config.target, config.target_params, X, y, [members], [target_seed]
        )[0]
    else:
        groups, _ = fairness_groups(dataset, config.fairness_attribute)
        reference = None
        wanted = reference_size(config.defense, members.size, 1.0)
        if wanted:
            used = np.concatenate([split.target.indices, split.shadow_pool])
            reference = pick_reference_rows(
                dataset.n_records,
                used,
                wanted,
                reference_seed,
                defense=config.defense,
            )
        target, defense = fit_defended_target(
            X,
            y,
            members,
            config.target_params,
            target_seed,
            defense=config.defense,
            lam=config.lam,
            variant=config.defense_variant,
            groups=groups,
            random_state=target_seed,
            defense_params=config.defense_params,
            reference=reference,
        )
    trained = time.perf_counter()

    attack = ShadowModelAttack(
        shadow_model=config.shadow,
        shadow_params=config.resolved_shadow_params(),
        n_shadows=config.n_shadows,
        member_rate=config.member_rate,
        attack_model=config.attack_model,
        attack_params=config.attack_params,
        per_class=config.per_class,
        features=config.attack_features,
        combine=config.combine,
        random_state=attack_seed,
    )
    attack.fit(X[split.shadow_pool], y[split.shadow_pool])
    attacked = time.perf_counter()

    rows = split.target.indices
    proba = target.predict_proba(X[rows])
    scores = attack.decision_function(proba, y[rows])
    report = attack_report(split.target.membership, scores, fprs=DEFAULT_FPRS)
    evaluated = time.perf_counter()

    extra, extra_timings = {}, {}
    if config.also:
        # The attacker's models imitate the target's kind and recipe, as the
        # shadow models do; "all" shadows leave the target's own.
        same = config.shadow != "all"
        extra, extra_timings = run_extra_attacks(
            X,
            y,
            split,
            target,
            config.also,
            kind=config.shadow if same else config.target,
            params=config.resolved_shadow_params() if same else config.target_params,
            n_shadows=config.n_shadows,
            member_rate=config.member_rate,
            n_references=config.n_references,
            seed=config.seed,
        )
        shadow_roc = roc_on_grid(split.target.membership, scores)
        extra = {
            "roc_fpr": list(ROC_FPR_GRID),
            "shadow": {**report, "roc_tpr": shadow_roc},
            **extra,
        }
    extra_done = time.perf_counter()

    data_row, model_row = measure_target(
        dataset,
        split.target,
        target,
        model=config.target,
        params=config.target_params,
        member_rate=config.member_rate,
        fairness_attribute=config.fairness_attribute,
        mi_models=config.mi_models,
        seed=config.seed,
    )
    finished = time.perf_counter()

    return {
        "dataset": dataset.name,
        "seed": config.seed,
        "member_rate": config.member_rate,
        "config": asdict(config),
        "target": {
            "kind": config.target,
            "n_members": int(members.size),
            "n_nonmembers": int(nonmembers.size),
            "train_accuracy": model_row["train_accuracy"],
            "test_accuracy": model_row["test_accuracy"],
        },
        "data": data_row,
        "model": model_row,
        **({"defense": defense} if defense is not None else {}),
        "attack": {
            "shadow": config.shadow,
            "n_shadows": config.n_shadows,
            "n_attack_records": attack.n_attack_records_,
            **report,
        },
        **({"attacks": extra} if extra else {}),
        "timings": {
            "target_s": trained - started,
            "attack_fit_s": attacked - trained,
            "evaluate_s": evaluated - attacked,
            **extra_timings,
            "properties_s": finished - extra_done,
            "total_s": finished - started,
        },
        "version": __version__,
    }
