"""Stores of made-up trial rows: a report's input without training a model."""

import json

import numpy as np

from miadeps import __version__
from miadeps.experiments import (
    STORE_FILE,
    ResultStore,
    expand_trials,
)

SWEEP_SPEC = {
    "name": "shadow-size",
    "description": "a synthetic sweep of the shadow set size",
    "reference": "Fig 2",
    "dataset": "german",
    "seed": 1,
    "reps": 6,
    "sampling": {"target_size": 200, "shadow_size": 200},
    "vary": {"sampling.shadow_size": [100, 200, 400, 800]},
}


def _flatten(data, prefix):
    flat = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flatten(value, f"{prefix}{key}."))
        elif isinstance(value, list):
            flat[f"{prefix}{key}"] = json.dumps(value)
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def synthetic_rows(spec, seed=0, attack=None):
    """One made-up row per trial of ``spec``, shaped like the runner's rows.

    ``attack(values, rng)`` gives the attack accuracy from the trial's varied
    values; by default it is noise around the member rate.
    """
    rng = np.random.default_rng(seed)
    rows = []
    for trial in expand_trials(spec):
        accuracy = attack(trial.values, rng) if attack else 0.75 + rng.normal(0, 0.01)
        train = 0.85 + rng.normal(0, 0.01)
        rows.append(
            {
                "key": trial.key,
                "study": trial.study,
                "setting": trial.setting,
                "rep": trial.rep,
                "seed": trial.seed,
                **_flatten(trial.spec.model_dump(mode="json"), "spec."),
                "member_rate": trial.spec.sampling.member_rate,
                "target.train_accuracy": train,
                "target.test_accuracy": train - 0.02,
                "data.size": trial.spec.sampling.target_size,
                "data.class_balance": 0.3 + rng.normal(0, 0.01),
                "data.entropy": 1.5 + rng.normal(0, 0.2),
                "model.accuracy_gap": 0.02 + rng.normal(0, 0.005),
                "model.group_fairness": rng.uniform(0, 0.2),
                "model.predictive_fairness": rng.uniform(0, 0.2),
                "model.individual_fairness": rng.uniform(0, 0.1),
                "model.mia_indistinguishability": rng.uniform(0, 0.3),
                "model.mutual_information": rng.uniform(0, 0.05),
                "attack.accuracy": accuracy,
                "attack.balanced_accuracy": 0.5 + (accuracy - 0.75) / 2,
                "attack.auc": 0.5 + (accuracy - 0.75) + rng.normal(0, 0.01),
                "attack.advantage": accuracy - 0.75,
                "timings.trial_s": 0.5 + rng.uniform(0, 0.1),
                "version": __version__,
            }
        )
    return rows


def make_store(run_dir, spec, rows):
    """A run directory holding ``rows`` as the runner would have stored them."""
    run_dir.mkdir(parents=True, exist_ok=True)
    store = ResultStore.create(
        run_dir / STORE_FILE, {"study": spec.name, "fingerprint": spec.fingerprint()}
    )
    store.update_meta(
        {"spec_json": spec.model_dump_json(indent=2), "last_run_with": __version__}
    )
    store.write(rows)
    return run_dir
