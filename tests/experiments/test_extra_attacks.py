"""Every attack on one target: run_attack with ``also``, and the attacks study."""

import json
import math
import time

import numpy as np
import pytest

from miadeps.attacks import LiRAAttack, RMIAAttack
from miadeps.datasets import load_adult
from miadeps.exceptions import ConfigError
from miadeps.experiments import (
    EXTRA_ATTACKS,
    ROC_FPR_GRID,
    AttackConfig,
    attack_key,
    load_study,
    resolve_spec,
    roc_on_grid,
    run_attack,
)
from miadeps.experiments._execute import attack_config, flatten
from miadeps.metrics import tpr_at_fpr_score

# Small and quick: 400 target records, nets of a few epochs.
SMALL = {
    "target_size": 400,
    "shadow_size": 400,
    "target_params": {"epochs": 10},
    "mi_models": 0,
    "seed": 5,
}


@pytest.fixture(scope="module")
def adult():
    return load_adult()


@pytest.fixture(scope="module")
def every_attack(adult):
    """One small trial that runs every attack, and one without extras."""
    config = AttackConfig(**SMALL, also=EXTRA_ATTACKS, n_references=4)
    return run_attack(adult, config), run_attack(adult, AttackConfig(**SMALL))


def test_run_attack_measures_every_extra_attack(every_attack):
    result, _ = every_attack
    attacks = result["attacks"]
    assert set(attacks) == {"roc_fpr", "shadow", *map(attack_key, EXTRA_ATTACKS)}
    assert attacks["roc_fpr"] == list(ROC_FPR_GRID)
    for key, metrics in attacks.items():
        if key == "roc_fpr":
            continue
        assert 0.0 <= metrics["auc"] <= 1.0, key
        assert math.isfinite(metrics["balanced_accuracy"]), key
        assert set(metrics["tpr_at_fpr"]) == {"0.001", "0.01"}
        roc = np.asarray(metrics["roc_tpr"])
        assert roc.shape == (len(ROC_FPR_GRID),)
        assert (np.diff(roc) >= 0).all() and roc[-1] == 1.0
        assert result["timings"].get(f"{key}_s", 0.0) >= 0.0
    for name in EXTRA_ATTACKS:
        assert result["timings"][f"{attack_key(name)}_s"] > 0.0


def test_run_attack_extra_attacks_leave_the_target_and_shadow_attack_as_they_were(
    every_attack,
):
    with_extras, alone = every_attack
    assert "attacks" not in alone
    assert with_extras["target"] == alone["target"]
    assert with_extras["attack"] == alone["attack"]
    assert with_extras["data"] == alone["data"]
    # The Shokri attack's entry among the others is the same measurement.
    shadow = with_extras["attacks"]["shadow"]
    assert shadow["auc"] == alone["attack"]["auc"]


def test_run_attack_extra_attacks_same_seed_same_numbers(adult, every_attack):
    first, _ = every_attack
    # A subset, in another order: each attack's numbers do not depend on
    # which others run.
    config = AttackConfig(**SMALL, also=("rmia-offline", "loss"), n_references=4)
    again = run_attack(adult, config)
    for key in ("rmia_offline", "loss"):
        assert again["attacks"][key] == first["attacks"][key]


def test_online_lira_and_rmia_of_one_seed_train_the_same_reference_models(adult):
    # run_extra_attacks gives the online pair one seed so that both attacks
    # read the very same reference models; this is what that relies on.
    rows = np.random.default_rng(0).choice(adult.n_records, 300, replace=False)
    X, y = adult.X[rows], adult.y[rows]
    common = {"params": {"epochs": 3}, "n_reference": 4, "random_state": 9}
    lira = LiRAAttack(**common).fit(
        X[:200], y[:200], X_candidates=X[200:], y_candidates=y[200:]
    )
    rmia = RMIAAttack(**common).fit(
        X[:200], y[:200], X_candidates=X[200:], y_candidates=y[200:]
    )
    for a, b in zip(lira.reference_models_, rmia.reference_models_, strict=True):
        np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_lira_offline_and_online_run_with_8_references_on_adult(adult):
    config = AttackConfig(
        target_size=1000,
        shadow_size=1000,
        mi_models=0,
        also=("lira-online", "lira-offline"),
        n_references=8,
        seed=0,
    )
    started = time.perf_counter()
    result = run_attack(adult, config)
    wall = time.perf_counter() - started
    print(
        f"LiRA online + offline, 8 references, 1,000 Adult target records: "
        f"{wall:.1f} s (online {result['timings']['lira_online_s']:.1f} s, "
        f"offline {result['timings']['lira_offline_s']:.1f} s)"
    )
    for key in ("lira_online", "lira_offline"):
        metrics = result["attacks"][key]
        assert metrics["n_records"] == 1000
        for name in ("auc", "balanced_accuracy", "advantage"):
            assert math.isfinite(metrics[name]), (key, name)
        assert all(math.isfinite(v) for v in metrics["tpr_at_fpr"].values())


@pytest.mark.parametrize(
    ("also", "references", "message"),
    [
        (("lira",), 8, "unknown attack 'lira'; choose from loss, confidence"),
        (("shadow",), 8, "unknown attack 'shadow'"),
        (("loss", "loss"), 8, "'loss' is asked for twice"),
        (("lira-online",), 3, "at least 4; got 3"),
        ("loss", 8, "must be a list of names"),
    ],
)
def test_attack_config_rejects_bad_extra_attacks(also, references, message):
    config = AttackConfig(also=also, n_references=references)
    with pytest.raises(ConfigError, match=message):
        config.validate()


def test_roc_on_grid_agrees_with_tpr_at_fpr_score():
    rng = np.random.default_rng(0)
    membership = rng.integers(0, 2, 2000)
    scores = membership * 0.7 + rng.normal(size=2000)
    curve = roc_on_grid(membership, scores)
    for fpr, tpr in zip(ROC_FPR_GRID, curve, strict=True):
        assert tpr == tpr_at_fpr_score(membership, scores, fpr=fpr)
    assert roc_on_grid(membership, membership.astype(float)) == [1.0] * len(curve)


@pytest.mark.parametrize("profile", ["quick", "paper"])
def test_attacks_study_loads_for_both_profiles(profile):
    spec = load_study("attacks", profile=profile)
    assert spec.attack.also == EXTRA_ATTACKS
    assert spec.attack.n_references == (8 if profile == "quick" else 64)
    assert len(spec.settings()) == 2
    widths = {s["target.params.width"] for s in spec.settings()}
    assert widths == {50, 256}
    config = attack_config(spec.trial_spec(spec.settings()[1]), seed=0).validate()
    assert config.also == EXTRA_ATTACKS and config.target_params["epochs"] == 100


def test_study_spec_rejects_an_unknown_attack_in_one_line():
    raw = {"name": "bad", "attack": {"also": ["loss", "lira-onlin"]}}
    with pytest.raises(ConfigError, match="unknown attack 'lira-onlin'") as info:
        resolve_spec(raw, source="bad.toml")
    assert "\n" not in str(info.value)


def test_study_fingerprint_unchanged_without_extra_attacks():
    plain = resolve_spec({"name": "s"}, source="t").fingerprint()
    assert "n_references" not in plain and "also" not in plain
    extra = resolve_spec({"name": "s", "attack": {"also": ["loss"]}}, source="t")
    assert '"also": ["loss"]' in extra.fingerprint()


def test_extra_attack_columns_flatten_to_plain_names(every_attack):
    row = flatten(every_attack[0])
    assert "attacks.lira_online.tpr_at_fpr.0.01" in row
    assert json.loads(row["attacks.rmia_offline.roc_tpr"])[-1] == 1.0
    names = [c for c in row if c.startswith("attacks.")]
    assert all("-" not in c for c in names)


# The attacks study's overfit target (train ~0.98, test ~0.8 on Adult).
OVERFIT = {
    "width": 256,
    "activation": "relu",
    "learning_rate": 0.01,
    "batch_size": 64,
    "epochs": 100,
}


def test_online_lira_beats_the_shadow_attack_at_low_fpr_on_an_overfit_adult_target(
    adult,
):
    # With 8 reference models the trial's LiRA shares one spread per side
    # (per-candidate spreads from 4 models each were measured to give
    # TPR at 1% FPR of 0.02 here, at the shadow attack's level).
    config = AttackConfig(
        target_size=1000,
        shadow_size=1000,
        target_params=OVERFIT,
        mi_models=0,
        also=("lira-online",),
        n_references=8,
        seed=0,
    )
    result = run_attack(adult, config)
    lira = result["attacks"]["lira_online"]["tpr_at_fpr"]["0.01"]
    shokri = result["attack"]["tpr_at_fpr"]["0.01"]
    assert lira > shokri + 0.03, (lira, shokri)
