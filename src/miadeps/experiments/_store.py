"""The results store: one embedded DuckDB file per study run, one row per trial.

Only the process that runs a study writes to its store; workers send rows
back to it. Every write is one transaction, so a killed run loses only the
trials it had not written yet. Connections are opened per operation and
closed at once, which lets ``miadeps study show`` read a store while a run
is writing to it.

A file that is not a store of this schema is never written to: it is first
opened read-only and checked, and refused with :class:`StoreError`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path

import duckdb
import pandas as pd

from miadeps import __version__
from miadeps.exceptions import ConfigError, StoreError

logger = logging.getLogger(__name__)

__all__ = ["STORE_FILE", "ResultStore"]

STORE_FILE = "results.duckdb"
SCHEMA_VERSION = "1"
APPLICATION = "miadeps-study"
_META = "miadeps_meta"
_LOCK_WAIT_S = 30.0
_FIX = (
    "it was left as it is; run the study with --fresh to replace it, or with "
    "--out to write to another folder"
)
_WIDER = {frozenset({"BIGINT", "DOUBLE"}): "DOUBLE"}
# DuckDB would fetch an extension to read, say, a SQLite file given to it;
# a store is DuckDB's own format, and nothing is downloaded at run time.
_CONFIG = {"autoinstall_known_extensions": False, "autoload_known_extensions": False}


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _sql_type(value) -> str:
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "BIGINT"
    if isinstance(value, float):
        return "DOUBLE"
    return "VARCHAR"


def _cell(value, sql_type: str):
    if value is None or _sql_type(value) == sql_type:
        return value
    if sql_type == "VARCHAR":
        return str(value)
    return value


class ResultStore:
    """A study run's results in an embedded DuckDB file.

    Use :meth:`create` for a new store and :meth:`open` for an existing one;
    both check the file before anything is written.

    Parameters
    ----------
    path : Path
        The database file.

    Notes
    -----
    Tables: ``trials`` (one row per finished trial, primary key ``key``; a
    column per entry of the row, added as new entries appear, numbers
    widened from BIGINT to DOUBLE and anything else to VARCHAR when two
    trials disagree), ``failures`` (each failed attempt: key, error class,
    message, traceback, time) and ``miadeps_meta`` (schema version, the
    study's spec and fingerprint, the versions that wrote it).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    # -- opening ----------------------------------------------------------

    @classmethod
    def create(cls, path: str | Path, meta: dict[str, str]) -> ResultStore:
        """Create a new, empty store.

        Parameters
        ----------
        path : str or Path
            Where; must not exist yet.
        meta : dict of str to str
            Entries of ``miadeps_meta`` besides the schema's own.

        Returns
        -------
        ResultStore

        Raises
        ------
        StoreError
            If ``path`` already exists.
        """
        store = cls(Path(path))
        if store.path.exists():
            raise StoreError(f"{store.path} exists already; {_FIX}")
        entries = {
            "application": APPLICATION,
            "schema_version": SCHEMA_VERSION,
            "created_with": __version__,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            **meta,
        }
        with store._connect(read_only=False) as con:
            con.execute("BEGIN TRANSACTION")
            con.execute(
                f"CREATE TABLE {_META} (name VARCHAR PRIMARY KEY, value VARCHAR)"
            )
            con.execute("CREATE TABLE trials (key VARCHAR PRIMARY KEY)")
            con.execute(
                "CREATE TABLE failures (key VARCHAR, error VARCHAR, message VARCHAR, "
                "traceback VARCHAR, failed_at TIMESTAMP DEFAULT current_timestamp)"
            )
            con.executemany(f"INSERT INTO {_META} VALUES (?, ?)", list(entries.items()))
            con.execute("COMMIT")
        return store

    @classmethod
    def open(cls, path: str | Path) -> ResultStore:
        """Open an existing store after checking it read-only.

        Raises
        ------
        StoreError
            If the file is missing, is not a DuckDB database, is a database
            of something else, has another schema version, or stays locked
            by another process. The file is not changed.
        """
        store = cls(Path(path))
        if not store.path.is_file():
            raise StoreError(
                f"no results store at {store.path}; run `miadeps study run` first"
            )
        with store._connect(read_only=True) as con:
            store._check(con)
        return store

    def _check(self, con) -> None:
        tables = {
            row[0]
            for row in con.execute(
                "SELECT table_name FROM information_schema.tables"
            ).fetchall()
        }
        if _META not in tables or "trials" not in tables:
            raise StoreError(
                f"{self.path} is a DuckDB database but not a miadeps results store "
                f"(no {_META} and trials tables); {_FIX}"
            )
        meta = dict(con.execute(f"SELECT name, value FROM {_META}").fetchall())
        if meta.get("application") != APPLICATION:
            raise StoreError(
                f"{self.path} belongs to {meta.get('application')!r}, not to a "
                f"miadeps study; {_FIX}"
            )
        if meta.get("schema_version") != SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has store schema version "
                f"{meta.get('schema_version')!r}, this miadeps reads version "
                f"{SCHEMA_VERSION}; {_FIX}"
            )

    @contextmanager
    def _connect(self, *, read_only: bool) -> Iterator[duckdb.DuckDBPyConnection]:
        """A connection, waiting while another process holds the file's lock."""
        deadline = time.monotonic() + _LOCK_WAIT_S
        pause = 0.02
        while True:
            try:
                con = duckdb.connect(
                    str(self.path), read_only=read_only, config=_CONFIG
                )
                break
            except duckdb.Error as exc:
                text = str(exc).splitlines()[0]
                if "lock" not in text.lower():
                    raise StoreError(
                        f"{self.path} is not a results store DuckDB can read "
                        f"({text}); {_FIX}"
                    ) from None
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"{self.path} stayed locked by another process for "
                        f"{_LOCK_WAIT_S:.0f} s; wait for that run to finish, or "
                        "run with --out to write to another folder"
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.5)
        try:
            yield con
        finally:
            con.close()

    # -- reading ----------------------------------------------------------

    def meta(self) -> dict[str, str]:
        """The ``miadeps_meta`` entries."""
        with self._connect(read_only=True) as con:
            return dict(con.execute(f"SELECT name, value FROM {_META}").fetchall())

    def finished_keys(self) -> set[str]:
        """Keys of the trials with a row."""
        with self._connect(read_only=True) as con:
            return {row[0] for row in con.execute("SELECT key FROM trials").fetchall()}

    def rows(self) -> pd.DataFrame:
        """Every trial's row, ordered by key.

        Returns
        -------
        pandas.DataFrame of shape (n_trials, n_columns)
        """
        with self._connect(read_only=True) as con:
            return con.execute("SELECT * FROM trials ORDER BY key").df()

    def failures(self) -> pd.DataFrame:
        """The latest failure of each trial that has no row yet.

        Returns
        -------
        pandas.DataFrame with columns key, error, message, traceback, failed_at
        """
        with self._connect(read_only=True) as con:
            return con.execute(
                "SELECT * FROM failures WHERE key NOT IN (SELECT key FROM trials) "
                "QUALIFY row_number() OVER "
                "(PARTITION BY key ORDER BY failed_at DESC) = 1 ORDER BY key"
            ).df()

    # -- writing ----------------------------------------------------------

    def update_meta(self, entries: dict[str, str]) -> None:
        """Set ``miadeps_meta`` entries (replacing those with the same name)."""
        with self._connect(read_only=False) as con:
            con.executemany(
                f"INSERT OR REPLACE INTO {_META} VALUES (?, ?)", list(entries.items())
            )

    def write(self, rows: list[dict], failures: list[dict] = ()) -> None:
        """Add finished trials' rows and failed attempts, in one transaction.

        Parameters
        ----------
        rows : list of dict
            Flat rows with a ``key`` each; a key already stored is skipped
            (the same trial computed twice gives the same row).
        failures : list of dict
            ``key``, ``error``, ``message``, ``traceback`` of failed trials.
        """
        if not rows and not failures:
            return
        with self._connect(read_only=False) as con:
            con.execute("BEGIN TRANSACTION")
            try:
                types = self._widen(con, rows)
                # One statement per set of columns: rows of one study share it.
                by_columns: dict[tuple, list[dict]] = {}
                for row in rows:
                    names = tuple(n for n, v in row.items() if v is not None)
                    by_columns.setdefault(names, []).append(row)
                for names, group in by_columns.items():
                    one = "(" + ", ".join("?" * len(names)) + ")"
                    con.execute(
                        f"INSERT OR IGNORE INTO trials "
                        f"({', '.join(map(_quote, names))}) "
                        f"VALUES {', '.join([one] * len(group))}",
                        [_cell(row[n], types[n]) for row in group for n in names],
                    )
                for f in failures:
                    con.execute(
                        "INSERT INTO failures (key, error, message, traceback) "
                        "VALUES (?, ?, ?, ?)",
                        [f["key"], f["error"], f["message"], f["traceback"]],
                    )
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise

    @staticmethod
    def _widen(con, rows: list[dict]) -> dict[str, str]:
        """Add or widen the columns the rows need; return every column's type."""
        types = dict(
            con.execute(
                "SELECT column_name, data_type FROM information_schema.columns "
                "WHERE table_name = 'trials'"
            ).fetchall()
        )
        for row in rows:
            for name, value in row.items():
                if value is None:
                    continue
                wanted = _sql_type(value)
                have = types.get(name)
                if have is None:
                    con.execute(
                        f"ALTER TABLE trials ADD COLUMN {_quote(name)} {wanted}"
                    )
                    types[name] = wanted
                elif have != wanted and have != "VARCHAR":
                    wider = _WIDER.get(frozenset({have, wanted}), "VARCHAR")
                    if wider != have:
                        con.execute(
                            f"ALTER TABLE trials ALTER {_quote(name)} TYPE {wider}"
                        )
                        types[name] = wider
        return types

    def export(self, destination: str | Path, fmt: str) -> Path:
        """Write the ``trials`` table to a Parquet or CSV file.

        Parameters
        ----------
        destination : str or Path
            The file to write (replaced if it exists).
        fmt : {"parquet", "csv"}
            The file format.

        Returns
        -------
        Path
            ``destination``.

        Raises
        ------
        ConfigError
            If ``fmt`` is neither.
        """
        if fmt not in ("parquet", "csv"):
            raise ConfigError(f"export format must be parquet or csv; got {fmt!r}")
        destination = Path(destination)
        options = "FORMAT parquet" if fmt == "parquet" else "FORMAT csv, HEADER"
        target = str(destination).replace("'", "''")
        with self._connect(read_only=True) as con:
            con.execute(
                f"COPY (SELECT * FROM trials ORDER BY key) TO '{target}' ({options})"
            )
        return destination
