"""Trials per second of one small study on three backends, and their ratios.

    python benchmarks/bench_runner.py [--reps 8] [--size 1000]

Runs the same study (Adult, class balance 0.3 / 0.4 / 0.5 / 0.6 / 0.7,
``--size`` target and shadow records, default nets) into fresh run
directories with:

* 1 local worker process,
* 2 local worker processes,
* 2 Dask workers (a ``LocalCluster`` of 2 single-threaded processes on
  loopback, started before the clock starts),

and prints, for each, the wall time of :func:`run_study` (worker start-up
included: every backend starts cold), trials per second over the whole run,
trials per second once the first task is back (warm), and the ratios to one
local worker. It checks that the three runs stored the same rows.

It also times what the runner does not do: training the targets of a task
(8 repetitions of one setting) in one ``fit_models`` call of the batched
engine instead of one call each, on one thread.

Not a test: nothing is asserted except that the rows agree.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np


def _study(reps: int, size: int):
    from miadeps.experiments import resolve_spec

    raw = {
        "name": "bench",
        "dataset": "adult",
        "seed": 0,
        "reps": reps,
        "sampling": {"target_size": size, "shadow_size": size},
        "vary": {"sampling.class_balance": [0.3, 0.4, 0.5, 0.6, 0.7]},
    }
    return resolve_spec(raw, source="bench")


def _timed_run(spec, run_dir: Path, backend) -> dict:
    from miadeps.experiments import run_study

    marks = []

    def progress(done: int, total: int) -> None:
        marks.append((time.perf_counter(), done))

    started = time.perf_counter()
    summary = run_study(spec, run_dir, backend=backend, fresh=True, progress=progress)
    wall = time.perf_counter() - started
    assert summary.failed == 0, summary.failures[:1]
    progressed = [(t, d) for t, d in marks if d > 0]
    (t0, d0), (t1, d1) = progressed[0], progressed[-1]
    warm = (d1 - d0) / (t1 - t0) if t1 > t0 else float("nan")
    return {"wall": wall, "rate": summary.finished / wall, "warm": warm}


def _rows(run_dir: Path):
    from miadeps.experiments import open_run

    rows = open_run(run_dir)[1].rows()
    return rows[[c for c in rows.columns if not c.startswith("timings.")]]


def _batching(size: int, k: int = 8) -> tuple[float, float]:
    """Seconds to train k targets in one engine call, and one call each."""
    import torch

    from miadeps.datasets import load_adult
    from miadeps.models import fit_models

    torch.set_num_threads(1)
    data = load_adult()
    rng = np.random.default_rng(0)
    sets = [
        rng.choice(data.n_records, int(0.75 * size), replace=False) for _ in range(k)
    ]
    fit_models("ann", {}, data.X, data.y, sets[:1], [0])  # warm-up

    started = time.perf_counter()
    fit_models("ann", {}, data.X, data.y, sets, list(range(k)))
    together = time.perf_counter() - started
    started = time.perf_counter()
    for i, rows in enumerate(sets):
        fit_models("ann", {}, data.X, data.y, [rows], [i])
    apart = time.perf_counter() - started
    return together, apart


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=8, help="repetitions per setting")
    parser.add_argument("--size", type=int, default=1000, help="target = shadow size")
    args = parser.parse_args()

    from distributed import LocalCluster

    from miadeps.experiments import DaskBackend, LocalBackend

    spec = _study(args.reps, args.size)
    n_trials = 5 * args.reps
    work = Path(tempfile.mkdtemp(prefix="miadeps-bench-"))
    results = {}
    try:
        with LocalBackend(1) as backend:
            results["1 local worker"] = _timed_run(spec, work / "local1", backend)
        with LocalBackend(2) as backend:
            results["2 local workers"] = _timed_run(spec, work / "local2", backend)
        with LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
        ) as cluster:
            with DaskBackend(address=cluster.scheduler_address) as backend:
                results["2 Dask workers"] = _timed_run(spec, work / "dask2", backend)
        reference = _rows(work / "local1")
        same = all(_rows(work / name).equals(reference) for name in ("local2", "dask2"))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    base = results["1 local worker"]
    print(f"study: Adult, {n_trials} trials, target = shadow = {args.size} records")
    header = ("wall s", 8), ("trials/s", 10), ("ratio", 7), ("warm/s", 9), ("ratio", 7)
    print(f"{'backend':<18}" + "".join(f"{text:>{width}}" for text, width in header))
    for name, r in results.items():
        print(
            f"{name:<18}{r['wall']:>8.1f}{r['rate']:>10.2f}"
            f"{r['rate'] / base['rate']:>7.2f}{r['warm']:>9.2f}"
            f"{r['warm'] / base['warm']:>7.2f}"
        )
    print(f"rows identical on the three backends (timings aside): {same}")

    together, apart = _batching(args.size)
    print(
        f"8 targets of {int(0.75 * args.size)} records: one engine call "
        f"{together:.2f} s, one call each {apart:.2f} s "
        f"(saves {(apart - together) / 8:.3f} s per trial)"
    )


if __name__ == "__main__":
    main()
