import pandas as pd
import pytest

from miadeps import __version__
from miadeps.exceptions import ConfigError, StoreError
from miadeps.experiments import (
    InlineBackend,
    LocalBackend,
    load_study,
    make_backend,
    open_run,
    run_study,
    study_table,
)


def _rows(run_dir):
    rows = open_run(run_dir)[1].rows()
    return rows[[c for c in rows.columns if not c.startswith("timings.")]]


def _run(spec, run_dir, **kw):
    return run_study(spec, run_dir, backend=InlineBackend(), **kw)


def test_run_study_stores_every_trial_and_a_rerun_skips_them(tmp_path, spec_file):
    spec = load_study(spec_file())
    calls = []
    summary = _run(spec, tmp_path / "run", progress=lambda d, t: calls.append((d, t)))
    assert (summary.total, summary.finished, summary.failed) == (6, 6, 0)
    assert calls[0] == (0, 6) and calls[-1] == (6, 6)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)

    rows = _rows(tmp_path / "run")
    assert len(rows) == 6 and rows["key"].is_unique
    assert set(rows["spec.sampling.class_balance"]) == {0.3, 0.5}
    assert (rows["version"] == __version__).all()
    assert rows["attack.auc"].between(0, 1).all()
    for name in ("spec.toml", "spec.json", "results.duckdb"):
        assert (tmp_path / "run" / name).is_file()

    again = _run(spec, tmp_path / "run")
    assert (again.skipped, again.finished) == (6, 0)
    pd.testing.assert_frame_equal(_rows(tmp_path / "run"), rows)


def test_run_study_gives_the_same_rows_in_a_process_pool(tmp_path, spec_file):
    spec = load_study(spec_file())
    _run(spec, tmp_path / "inline")
    with LocalBackend(2) as backend:
        summary = run_study(spec, tmp_path / "pool", backend=backend)
    assert summary.finished == 6 and "2 local worker" in summary.backend
    pd.testing.assert_frame_equal(_rows(tmp_path / "pool"), _rows(tmp_path / "inline"))


def test_fresh_run_reproduces_the_rows(tmp_path, spec_file):
    spec = load_study(spec_file())
    _run(spec, tmp_path / "run")
    first = _rows(tmp_path / "run")
    summary = _run(spec, tmp_path / "run", fresh=True)
    assert (summary.skipped, summary.finished) == (0, 6)
    pd.testing.assert_frame_equal(_rows(tmp_path / "run"), first)


def test_widening_the_grid_runs_only_the_new_trials(tmp_path, spec_file, tiny_toml):
    _run(load_study(spec_file()), tmp_path / "run")
    before = _rows(tmp_path / "run")
    wider = tiny_toml.replace("[0.3, 0.5]", "[0.3, 0.4, 0.5]")
    summary = _run(load_study(spec_file(wider, "wider.toml")), tmp_path / "run")
    assert (summary.skipped, summary.finished) == (6, 3)
    after = _rows(tmp_path / "run")
    kept = after[after["key"].isin(before["key"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, before)
    assert set(study_table(tmp_path / "run")["spec.sampling.class_balance"]) == {
        0.3,
        0.4,
        0.5,
    }

    # Back to the first grid: its trials are all there, and the summary is
    # of them alone.
    again = _run(load_study(spec_file()), tmp_path / "run")
    assert (again.skipped, again.finished) == (6, 0)
    table = study_table(tmp_path / "run")
    assert set(table["spec.sampling.class_balance"]) == {0.3, 0.5}


def test_changed_settings_are_not_mixed_into_a_run(tmp_path, spec_file, tiny_toml):
    _run(load_study(spec_file()), tmp_path / "run")
    other = load_study(spec_file(tiny_toml.replace("= 200", "= 150", 1), "o.toml"))
    with pytest.raises(StoreError, match=r"differ in sampling\.target_size\); run wi"):
        _run(other, tmp_path / "run")
    assert len(_rows(tmp_path / "run")) == 6


def test_impossible_sampling_fails_before_any_training(tmp_path, spec_file, tiny_toml):
    # German has 300 records of label 0, too few for 400 at balance 0.1.
    path = spec_file(tiny_toml.replace("[0.3, 0.5]", "[0.5, 0.1]"))
    with pytest.raises(
        ConfigError,
        match=r"class_balance=0\.1: cannot draw 400 records with class balance 0\.100",
    ):
        _run(load_study(path), tmp_path / "run")
    _, store = open_run(tmp_path / "run")
    assert store.rows().empty and store.failures().empty


@pytest.mark.parametrize(
    ("replace", "by", "match"),
    [
        ('dataset = "german"', 'dataset = "germen"', "unknown dataset 'germen'"),
        ("epochs = 3", "widht = 3", "unknown parameter 'widht' for model kind 'ann'"),
    ],
)
def test_unknown_dataset_or_parameter_fails_early(
    tmp_path, spec_file, tiny_toml, replace, by, match
):
    with pytest.raises(ConfigError, match=match):
        _run(load_study(spec_file(tiny_toml.replace(replace, by, 1))), tmp_path / "r")


def test_failing_trials_are_recorded_and_run_again(tmp_path, spec_file, tiny_toml):
    bad = spec_file(tiny_toml.replace("epochs = 3", "epochs = 3\nwidth = 0", 1))
    summary = _run(load_study(bad), tmp_path / "run")
    assert (summary.finished, summary.failed) == (0, 6)
    assert "width must be an integer >= 1" in summary.failures[0]["message"]
    _, store = open_run(tmp_path / "run")
    assert len(store.failures()) == 6 and store.rows().empty

    again = _run(load_study(bad), tmp_path / "run")
    assert (again.skipped, again.failed) == (0, 6)


def test_a_study_whose_first_trials_all_fail_is_stopped(tmp_path, spec_file, tiny_toml):
    text = tiny_toml.replace("epochs = 3", "epochs = 3\nwidth = 0", 1)
    text = text.replace("reps = 3", "reps = 8")
    with pytest.raises(ConfigError, match=r"first \d+ trials of tiny all failed, e\.g"):
        _run(load_study(spec_file(text)), tmp_path / "run")


def test_trial_rows_realise_the_sampling_knobs(tmp_path, spec_file, tiny_toml):
    text = tiny_toml.replace(
        "shadow_size = 200",
        "shadow_size = 200\nn_features = 5\nfeature_balance = 0.2",
    )
    _run(load_study(spec_file(text)), tmp_path / "run")
    rows = _rows(tmp_path / "run")
    assert (rows["data.n_features"] == 5).all()
    assert rows["sampling.features"].map(lambda s: len(s.split(","))).eq(5).all()
    assert rows["sampling.group_share"].eq(0.2).all()
    for balance, group in rows.groupby("spec.sampling.class_balance"):
        assert group["data.class_balance"].between(balance - 0.06, balance + 0.06).all()


def test_study_table_summarises_the_spec_metrics_per_setting(tmp_path, spec_file):
    spec = load_study(spec_file())
    _run(spec, tmp_path / "run")
    table = study_table(tmp_path / "run")
    assert set(table["spec.sampling.class_balance"]) == {0.3, 0.5}
    assert set(table["metric"]) == set(spec.metrics)
    assert (table["n"] == 3).all()
    assert (table["ci_low"] <= table["mean"]).all()


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"workers": 2, "scheduler": "tcp://x:1"}, "give only one of --workers and"),
        ({"cluster": "remote:3"}, "--cluster takes local:N"),
        ({"workers": -1}, "workers must be at least 1"),
    ],
)
def test_make_backend_rejects_bad_choices(kw, match):
    with pytest.raises(ConfigError, match=match):
        make_backend(**kw)


def test_make_backend_zero_workers_runs_inline():
    assert isinstance(make_backend(workers=0), InlineBackend)
