"""Seconds per net of every defense, against the undefended engine.

    python benchmarks/bench_defenses.py --n-nets 4 --records 1000

Trains ``--n-nets`` nets of the paper's default recipe (Adult, one hidden
layer of 50 tanh units, Adam, 50 epochs) on ``--records`` rows each under
every defense of :data:`miadeps.defenses.DEFENSES` at one setting, in one
process and on one thread, and prints the seconds per net and their ratio to
``none`` (the batched engine), measured in the same run. Dropout, DP-SGD and
adversarial training run one net at a time on a plain torch loop, the others
on the engine; the ratios show what that costs. Not a test: nothing is
asserted.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

from miadeps.datasets import load_adult
from miadeps.defenses import DEFENSES, train_defended
from miadeps.experiments._measure import fairness_groups
from miadeps.models import make_model

# One setting per defense: the defenses study's Table 5 values.
SETTINGS = {
    "none": {},
    "l1": {"lam": 1e-4},
    "l2": {"lam": 1e-3},
    "group-fairness": {"lam": 1e-4},
    "predictive-fairness": {"lam": 1e-4},
    "individual-fairness": {"lam": 1e-4},
    "mutual-information": {"lam": 1e-4},
    "dp-sgd": {"noise_multiplier": 1.0},
    "dropout": {"dropout": 0.5},
    "adversarial": {"lam": 1.0},
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-nets", type=int, default=4)
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)

    adult = load_adult()
    rng = np.random.default_rng(args.seed)
    order = rng.permutation(adult.n_records)
    n, k = args.records, args.n_nets
    train_sets = [order[i * n : (i + 1) * n] for i in range(k)]
    reference_sets = [order[(k + i) * n : (k + i + 1) * n] for i in range(k)]
    groups, _ = fairness_groups(adult, None)
    spec = make_model("ann").mlp_spec(adult.X.shape[1], 2)
    seeds = list(range(1, k + 1))

    print(f"{k} nets x {n} Adult records, default recipe, 1 thread")
    print(f"{'defense':<22}{'s per net':>12}{'x none':>10}")
    baseline = None
    for name in DEFENSES:
        started = time.perf_counter()
        train_defended(
            adult.X,
            adult.y,
            train_sets,
            spec,
            seeds,
            defense=name,
            groups=groups.astype(np.int64),
            reference_sets=reference_sets,
            random_state=args.seed,
            **SETTINGS.get(name, {}),
        )
        per_net = (time.perf_counter() - started) / k
        baseline = baseline or per_net
        print(f"{name:<22}{per_net:>12.3f}{per_net / baseline:>10.1f}")


if __name__ == "__main__":
    main()
