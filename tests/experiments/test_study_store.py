import hashlib
import math

import duckdb
import pandas as pd
import pytest

from miadeps.exceptions import StoreError
from miadeps.experiments import InlineBackend, ResultStore, load_study, run_study


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _store(tmp_path):
    return ResultStore.create(tmp_path / "results.duckdb", {"study": "s"})


def test_store_writes_rows_and_reads_them_back_by_key(tmp_path):
    store = _store(tmp_path)
    store.write([{"key": "b", "x": 1.5, "name": "one"}, {"key": "a", "x": 2.5}])
    rows = store.rows()
    assert list(rows["key"]) == ["a", "b"]
    assert rows["x"].tolist() == [2.5, 1.5]
    assert rows["name"].isna().tolist() == [True, False]
    assert store.finished_keys() == {"a", "b"}
    assert ResultStore.open(store.path).meta()["study"] == "s"


def test_store_never_holds_a_key_twice(tmp_path):
    store = _store(tmp_path)
    store.write([{"key": "a", "x": 1.0}])
    store.write([{"key": "a", "x": 1.0}, {"key": "b", "x": 2.0}])
    assert store.rows()["key"].tolist() == ["a", "b"]


def test_store_adds_and_widens_columns_as_rows_need(tmp_path):
    store = _store(tmp_path)
    store.write([{"key": "a", "n": 1, "flag": True}])
    store.write([{"key": "b", "n": 0.5, "new": "text", "flag": False}])
    store.write([{"key": "c", "n": 2, "new": 3}])
    rows = store.rows().set_index("key")
    assert rows.loc["a", "n"] == 1.0 and rows.loc["b", "n"] == 0.5
    assert rows.loc["c", "new"] == "3" and rows.loc["b", "new"] == "text"
    assert rows.loc["a", "flag"] == True  # noqa: E712 - a numpy bool


def test_store_write_is_one_transaction(tmp_path):
    store = _store(tmp_path)
    # DuckDB cannot store the second row's value: the first row goes too.
    with pytest.raises(duckdb.Error, match="Unable to transform"):
        store.write([{"key": "a", "x": "1"}, {"key": "b", "x": object()}])
    assert store.rows().empty


def test_store_failures_keep_the_latest_attempt_of_unfinished_trials(tmp_path):
    store = _store(tmp_path)
    fail = {"error": "DataError", "traceback": ""}
    store.write([], [{"key": "a", "message": "first", **fail}])
    store.write([], [{"key": "a", "message": "second", **fail}])
    store.write([], [{"key": "b", "message": "b failed", **fail}])
    store.write([{"key": "b", "x": 1.0}])
    failures = store.failures()
    assert failures["key"].tolist() == ["a"]
    assert failures["message"].tolist() == ["second"]


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "not a results store DuckDB can read"),
        (b"this is not a database\n" * 50, "not a results store DuckDB can read"),
        (b"SQLite format 3\x00" + bytes(4080), "not a results store DuckDB can read"),
    ],
)
def test_store_refuses_a_file_that_is_not_duckdb_and_leaves_it(
    tmp_path, content, match
):
    path = tmp_path / "results.duckdb"
    path.write_bytes(content)
    with pytest.raises(StoreError, match=match) as info:
        ResultStore.open(path)
    assert "--fresh" in str(info.value) and "--out" in str(info.value)
    assert path.read_bytes() == content


def test_store_refuses_a_foreign_duckdb_file_and_leaves_it(tmp_path):
    path = tmp_path / "results.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE trials (key VARCHAR, value DOUBLE)")
        con.execute("INSERT INTO trials VALUES ('a', 1.0)")
    before = _digest(path)
    with pytest.raises(StoreError, match="DuckDB database but not a miadeps results"):
        ResultStore.open(path)
    assert _digest(path) == before


def test_store_refuses_another_schema_version_and_leaves_it(tmp_path):
    store = _store(tmp_path)
    with duckdb.connect(str(store.path)) as con:
        con.execute(
            "UPDATE miadeps_meta SET value = '99' WHERE name = 'schema_version'"
        )
    before = _digest(store.path)
    with pytest.raises(
        StoreError, match=r"schema version '99', this miadeps reads version 1"
    ):
        ResultStore.open(store.path)
    assert _digest(store.path) == before


def test_run_study_into_a_folder_with_a_foreign_store_changes_nothing(
    tmp_path, spec_file
):
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    path = run_dir / "results.duckdb"
    path.write_bytes(b"\x00garbage" * 999)
    before = _digest(path)
    with pytest.raises(StoreError, match=r"results\.duckdb is not a results store"):
        run_study(load_study(spec_file()), run_dir, backend=InlineBackend())
    assert _digest(path) == before
    assert sorted(p.name for p in run_dir.iterdir()) == ["results.duckdb"]


def test_missing_store_says_to_run_first(tmp_path):
    with pytest.raises(StoreError, match="no results store at .*miadeps study run"):
        ResultStore.open(tmp_path / "results.duckdb")


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_store_exports_every_row(tmp_path, fmt):
    store = _store(tmp_path)
    store.write([{"key": "a", "x": 1.5, "s": "u"}, {"key": "b", "x": math.nan}])
    out = store.export(tmp_path / f"rows.{fmt}", fmt)
    if fmt == "csv":
        back = pd.read_csv(out)
    else:
        with duckdb.connect() as con:
            back = con.execute(f"SELECT * FROM read_parquet('{out}')").df()
    assert back["key"].tolist() == ["a", "b"]
    assert back["x"].iloc[0] == 1.5 and math.isnan(back["x"].iloc[1])
