"""Time one whole shadow-model attack with many shadows, against a plain loop.

    python benchmarks/bench_attack.py --n-shadows 16

Runs, in one process and on the same data:

* miadeps: ``run_attack`` on Adult (10,000 target and 10,000 shadow
  records, the default neural nets), shadows and attack models trained by the
  batched engine, without the I_X estimate (the baseline has none);
* a baseline written the way the attack is usually coded: a Python loop that
  fits one scikit-learn ``MLPClassifier`` per shadow model (same shape and
  epochs) and one per-class ``MLPClassifier`` attack model with 5 hidden
  units.

It prints the wall time of each, their ratio, and both attacks' AUC so that a
reader can see the two did comparable work. Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier

from miadeps.datasets import load_adult
from miadeps.experiments import AttackConfig, run_attack
from miadeps.sampling import split_members, split_target_shadow


def _mlp(width: int, epochs: int, seed: int) -> MLPClassifier:
    return MLPClassifier(
        hidden_layer_sizes=(width,),
        activation="tanh",
        solver="adam",
        learning_rate_init=1e-3,
        alpha=1e-7,
        max_iter=epochs,
        tol=0.0,
        n_iter_no_change=epochs + 1,
        random_state=seed,
    )


def baseline_attack(X, y, n_shadows: int, seed: int, epochs: int) -> float:
    """The loop version; returns the attack AUC on the same kind of target."""
    split = split_target_shadow(
        len(y), target_size=10_000, shadow_size=10_000, random_state=seed
    )
    target = _mlp(50, epochs, seed).fit(
        X[split.target.members], y[split.target.members]
    )
    rng = np.random.default_rng(seed)
    feats, member, labels = [], [], []
    pool = split.shadow_pool
    for s in range(n_shadows):
        part = split_members(pool, 0.75, rng)
        shadow = _mlp(50, epochs, seed + s + 1).fit(X[part.members], y[part.members])
        feats.append(shadow.predict_proba(X[part.indices]))
        member.append(part.membership)
        labels.append(y[part.indices])
    feats, member, labels = map(np.concatenate, (feats, member, labels))

    rows = split.target.indices
    target_proba = target.predict_proba(X[rows])
    scores = np.empty(rows.size)
    for cls in (0, 1):
        attack = _mlp(5, epochs, seed).fit(feats[labels == cls], member[labels == cls])
        mask = y[rows] == cls
        scores[mask] = attack.predict_proba(target_proba[mask])[:, 1]
    return roc_auc_score(split.target.membership, scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-shadows", type=int, default=16)
    parser.add_argument("--epochs", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    data = load_adult()
    X, y = data.X, data.y
    print(
        f"Adult, target 10,000 / shadow 10,000 records, {args.n_shadows} shadows, "
        f"{args.epochs} epochs"
    )

    start = time.perf_counter()
    params = {"epochs": args.epochs}
    result = run_attack(
        data,
        # I_X's retrainings are left out: the baseline measures no property.
        AttackConfig(
            n_shadows=args.n_shadows,
            target_params=params,
            seed=args.seed,
            mi_models=0,
        ),
    )
    ours = time.perf_counter() - start
    print(f"miadeps run_attack:      {ours:7.1f} s   AUC {result['attack']['auc']:.3f}")
    print(
        "  steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in result["timings"].items())
    )

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        start = time.perf_counter()
        auc = baseline_attack(X, y, args.n_shadows, args.seed, args.epochs)
        loop = time.perf_counter() - start
    print(f"sklearn loop baseline:   {loop:7.1f} s   AUC {auc:.3f}")
    print(f"speed-up: {loop / ours:.1f}x")


if __name__ == "__main__":
    main()
