"""Issue 4: a study on a real Dask cluster gives the local rows, and survives
the loss of a worker."""

import os
import signal
import threading

import pandas as pd
import pytest

from miadeps.cli import main
from miadeps.experiments import (
    DaskBackend,
    InlineBackend,
    load_study,
    open_run,
    run_study,
)

distributed = pytest.importorskip(
    "distributed",
    reason="dask.distributed is not installed (pip install 'miadeps[cluster]')",
)

SPEC = """
name = "on-dask"
dataset = "german"
seed = 9
reps = 4

[sampling]
target_size = 200
shadow_size = 200

[target.params]
epochs = 20

[attack.params]
epochs = 3

[vary]
"sampling.class_balance" = [0.3, 0.4, 0.5]
"""


def _rows(run_dir):
    rows = open_run(run_dir)[1].rows()
    return rows[[c for c in rows.columns if not c.startswith("timings.")]]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address=None,
    ) as local:
        yield local


def test_dask_run_matches_the_local_run_and_survives_a_killed_worker(tmp_path, cluster):
    spec_path = tmp_path / "on-dask.toml"
    spec_path.write_text(SPEC)
    spec = load_study(spec_path)
    run_study(spec, tmp_path / "local", backend=InlineBackend())
    expected = _rows(tmp_path / "local")
    address = cluster.scheduler_address

    code = main(
        ["study", "run", str(spec_path), "--out", str(tmp_path / "dask")]
        + ["--scheduler", address]
    )
    assert code == 0
    pd.testing.assert_frame_equal(_rows(tmp_path / "dask"), expected)

    # Again, and kill the process of a worker while it runs a task: Dask
    # runs the lost task elsewhere (or on the worker its nanny restarts).
    killed = []

    def kill_a_busy_worker(client, stop):
        while not stop.is_set() and not killed:
            busy = [w for w, keys in client.processing().items() if keys]
            if busy:
                pid = client.run(os.getpid, workers=[busy[0]])[busy[0]]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            stop.wait(0.01)

    stop = threading.Event()
    with distributed.Client(address) as client, DaskBackend(address=address) as backend:
        killer = threading.Thread(target=kill_a_busy_worker, args=(client, stop))
        killer.start()
        try:
            summary = run_study(spec, tmp_path / "killed", backend=backend)
        finally:
            stop.set()
            killer.join()
    assert killed
    assert (summary.finished, summary.failed) == (12, 0)
    pd.testing.assert_frame_equal(_rows(tmp_path / "killed"), expected)
