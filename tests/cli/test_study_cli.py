import hashlib
import json
import sys

import duckdb
import pandas as pd
import pytest

from miadeps.cli import main
from miadeps.experiments import PAPER_STUDIES, open_run

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

SPEC = """
name = "cli-tiny"
reference = "a test"
dataset = "german"
seed = 1
reps = 2

[sampling]
target_size = 200
shadow_size = 200

[target.params]
epochs = 3

[attack.params]
epochs = 3

[vary]
"sampling.class_balance" = [0.3, 0.5]
"""


def _run(capsys, *args):
    code = main([str(a) for a in args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def spec_path(tmp_path):
    path = tmp_path / "cli-tiny.toml"
    path.write_text(SPEC)
    return path


@pytest.fixture
def finished_run(tmp_path, spec_path, capsys):
    run_dir = tmp_path / "run"
    code, _, err = _run(
        capsys, "study", "run", spec_path, "--out", run_dir, "--workers", "0"
    )
    assert code == 0, err
    return run_dir, " ".join(err.split())


def test_study_list_names_every_builtin_study(capsys):
    code, out, _ = _run(capsys, "study", "list")
    assert code == 0
    for name in PAPER_STUDIES:
        assert name in out
    assert "Fig 4" in out and "Table 2" in out


def test_study_spec_prints_toml_that_parses(capsys):
    code, out, _ = _run(capsys, "study", "spec", "depth-l2")
    assert code == 0
    assert tomllib.loads(out)["name"] == "depth-l2"


def test_study_run_reports_and_stores_every_trial(finished_run):
    run_dir, err = finished_run
    assert (
        "cli-tiny: 4 trials, 0 done before, 4 run now, 0 failed" in err
        and "results.duckdb" in err
    )
    _, store = open_run(run_dir)
    assert len(store.rows()) == 4


def test_study_run_again_resumes_and_fresh_starts_over(finished_run, spec_path, capsys):
    run_dir, _ = finished_run
    args = ["study", "run", spec_path, "--out", run_dir, "--workers", "0"]
    code, _, err = _run(capsys, *args)
    assert code == 0 and "4 done before, 0 run now" in " ".join(err.split())
    code, _, err = _run(capsys, *args, "--fresh")
    assert code == 0 and "0 done before, 4 run now" in " ".join(err.split())


def test_study_show_prints_mean_and_interval_per_setting(finished_run, capsys):
    run_dir, _ = finished_run
    code, out, _ = _run(capsys, "study", "show", run_dir)
    assert code == 0
    assert "cli-tiny (a test)" in out and "Student-t" in out
    assert "4 of 4" in out and "±" in out
    rows = [line for line in out.splitlines() if line.startswith("│")]
    assert any("0.3" in line for line in rows) and any("0.5" in line for line in rows)


def test_study_show_json_gives_the_aggregated_records(finished_run, capsys):
    run_dir, _ = finished_run
    code, out, _ = _run(
        capsys, "study", "show", run_dir, "--json", "--metric", "attack.auc"
    )
    assert code == 0
    records = json.loads(out)
    assert [r["spec.sampling.class_balance"] for r in records] == [0.3, 0.5]
    assert all(r["metric"] == "attack.auc" and r["n"] == 2 for r in records)
    assert all(r["ci_low"] <= r["mean"] <= r["ci_high"] for r in records)


def test_study_show_unknown_metric_is_one_line(finished_run, capsys):
    run_dir, _ = finished_run
    code, _, err = _run(capsys, "study", "show", run_dir, "--metric", "attack.nope")
    assert code == 2
    assert err.startswith("error: no column 'attack.nope' in the results")


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_study_export_writes_every_row(finished_run, capsys, fmt):
    run_dir, _ = finished_run
    code, _, err = _run(capsys, "study", "export", run_dir, "--format", fmt)
    assert code == 0 and f"results.{fmt}" in err
    path = run_dir / f"results.{fmt}"
    if fmt == "csv":
        table = pd.read_csv(path)
    else:
        with duckdb.connect() as con:
            table = con.execute(f"SELECT * FROM read_parquet('{path}')").df()
    assert len(table) == 4 and "attack.auc" in table.columns


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["study", "run", "clas-balance"], "error: unknown study 'clas-balance'"),
        (
            ["study", "run", "depth-l2", "--profile", "slow"],
            "error: spec depth-l2 has no profile 'slow'",
        ),
        (
            ["study", "run", "depth-l2", "--workers", "2", "--cluster", "local:2"],
            "error: give only one of --workers and --cluster",
        ),
        (
            ["study", "export", ".", "--format", "xlsx"],
            "error: --format must be parquet or csv; got 'xlsx'",
        ),
    ],
)
def test_study_bad_input_is_one_line_and_exit_code_2(capsys, args, message):
    code, _, err = _run(capsys, *args)
    assert code == 2
    assert err.startswith(message) and err.count("\n") == 1


@pytest.mark.parametrize("command", ["show", "export", "run"])
def test_corrupted_store_is_refused_and_left_as_it_was(
    tmp_path, capsys, spec_path, command
):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    store = run_dir / "results.duckdb"
    store.write_bytes(b"not a duckdb file at all\n" * 100)
    before = hashlib.sha256(store.read_bytes()).hexdigest()
    args = {
        "show": ["study", "show", run_dir],
        "export": ["study", "export", run_dir],
        "run": ["study", "run", spec_path, "--out", run_dir, "--workers", "0"],
    }[command]
    code, _, err = _run(capsys, *args)
    assert code == 2
    assert err.startswith(f"error: {store} is not a results store DuckDB can read")
    assert "--fresh" in err and err.count("\n") == 1
    assert hashlib.sha256(store.read_bytes()).hexdigest() == before


def test_study_show_before_any_trial_says_so(tmp_path, capsys):
    spec = SPEC.replace("target_size = 200", "target_size = 900")
    path = tmp_path / "too-big.toml"
    path.write_text(spec)
    code, _, err = _run(
        capsys, "study", "run", path, "--out", tmp_path / "r", "--workers", "0"
    )
    assert code == 2 and "cannot draw 1100 records from a pool of 1000" in err
    code, out, err = _run(capsys, "study", "show", tmp_path / "r")
    assert code == 0 and out == ""
    assert "cli-tiny: no finished trial" in err and "(0 of 4)" in err


def test_study_run_and_show_report_failed_trials(tmp_path, capsys):
    path = tmp_path / "failing.toml"
    path.write_text(SPEC.replace("epochs = 3", "epochs = 3\nwidth = 0", 1))
    _, _, err = _run(
        capsys, "study", "run", path, "--out", tmp_path / "r", "--workers", "0"
    )
    assert "4 failed" in err
    assert "first failure: cli-tiny/sampling.class_balance=0.3/rep=0: " in err
    assert "width must be an integer >= 1" in err
    code, _, err = _run(capsys, "study", "show", tmp_path / "r")
    assert code == 0
    assert "4 trial(s) failed and have no row" in err
