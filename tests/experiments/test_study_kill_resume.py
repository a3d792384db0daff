"""Issue 4: a run killed with SIGKILL resumes to the rows of an uninterrupted one."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pandas as pd

import miadeps
from miadeps.experiments import (
    InlineBackend,
    load_study,
    open_run,
    run_study,
    study_table,
)

SPEC = """
name = "killed"
dataset = "german"
seed = 5
reps = 6

[sampling]
target_size = 200
shadow_size = 200

[target.params]
epochs = 5

[attack.params]
epochs = 3

[vary]
"sampling.class_balance" = [0.3, 0.4, 0.5, 0.6]
"""
TOTAL = 24


def _env():
    env = dict(os.environ)
    src = str(Path(miadeps.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [src, env.get("PYTHONPATH")]))
    return env


def _stored(path: Path) -> int:
    try:
        with duckdb.connect(str(path), read_only=True) as con:
            return con.execute("SELECT count(*) FROM trials").fetchone()[0]
    except duckdb.Error:
        # Not created yet, or locked by the writer for a moment.
        return 0


def _group_gone(pgid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


def test_killed_run_resumes_without_duplicate_or_missing_trials(tmp_path):
    spec_path = tmp_path / "killed.toml"
    spec_path.write_text(SPEC)
    run_dir = tmp_path / "run"
    command = [
        sys.executable,
        "-m",
        "miadeps",
        "study",
        "run",
        str(spec_path),
        "--out",
        str(run_dir),
        "--workers",
        "1",
    ]

    process = subprocess.Popen(
        command,
        env=_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 90
        stored = 0
        while process.poll() is None and time.monotonic() < deadline:
            stored = _stored(run_dir / "results.duckdb")
            if stored:
                os.kill(process.pid, signal.SIGKILL)
                break
            time.sleep(0.05)
        assert process.wait(timeout=30) == -signal.SIGKILL
        # Its worker notices that its parent is gone and leaves too.
        assert _group_gone(process.pid, timeout=15)
    finally:
        if process.poll() is None or not _group_gone(process.pid, 0.1):
            os.killpg(process.pid, signal.SIGKILL)

    after_kill = _stored(run_dir / "results.duckdb")
    assert 0 < after_kill < TOTAL, "the run was not killed part-way"

    resumed = subprocess.run(
        command, env=_env(), capture_output=True, text=True, timeout=120
    )
    assert resumed.returncode == 0, resumed.stderr
    assert f"{after_kill} done before, {TOTAL - after_kill} run now" in " ".join(
        resumed.stderr.split()
    )

    reference = tmp_path / "reference"
    run_study(load_study(spec_path), reference, backend=InlineBackend())

    rows, expected = open_run(run_dir)[1].rows(), open_run(reference)[1].rows()
    assert len(rows) == TOTAL and rows["key"].is_unique
    assert rows["key"].tolist() == expected["key"].tolist()
    same = [c for c in expected.columns if not c.startswith("timings.")]
    pd.testing.assert_frame_equal(rows[same], expected[same])
    pd.testing.assert_frame_equal(study_table(run_dir), study_table(reference))
