"""Batch scores read from the serving file: one entity of one published table per request.

Only tables named in the serving file's ``serving_info`` are served, and a request's table name
is looked up in that list, never put into SQL as sent; the key is a bound parameter. Each table
is described once per opened serving file (:class:`BatchLookup` reopens it after a publish, and
the description is read again then):

- the key is the table's first column (the published marts put their declared key first);
- the score is its one ``DOUBLE`` column named ``*_probability``, ``*_score`` or ``*_value``;
- ``as_of_date``, ``model_name``, ``model_version`` and ``run_id`` must be there (every published
  table's contract has them).

A table that breaks these rules is not served, and its reason is what a request for it reads.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from sqlscore.errors import SqlscoreError
from sqlscore.names import check_identifier
from sqlscore.serving.errors import InvalidRows, NotFound, NotReady
from sqlscore.warehouse.database import open_warehouse
from sqlscore.warehouse.publication import SERVING_INFO_TABLE

REQUIRED_COLUMNS = ("as_of_date", "model_name", "model_version", "run_id")
SCORE_SUFFIXES = ("_probability", "_score", "_value")
INTEGER_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
}


@dataclass(frozen=True)
class ServedTable:
    """A published table the service reads: its key, its score and the model that scored it."""

    name: str
    key: str
    key_type: str
    score: str
    models: tuple[str, ...]

    def key_value(self, key: str) -> Any:
        """The key as the table types it (a whole number for an integer key), refused if it is not one."""
        if self.key_type not in INTEGER_TYPES:
            return key
        try:
            return int(key)
        except ValueError:
            raise InvalidRows(
                f"published table {self.name}: key {self.key} is a whole number ({self.key_type}), "
                f"not {key!r}"
            ) from None

    @property
    def model(self) -> str | None:
        """The one model whose scores the table holds (None if it holds several)."""
        return self.models[0] if len(self.models) == 1 else None


@dataclass(frozen=True)
class Catalog:
    """What one opened serving file serves: its run, its tables and the tables it refuses."""

    run_id: str | None
    tables: dict[str, ServedTable]
    refused: dict[str, str]


#: batch rows kept in memory per worker and opened serving file (first in, first out): a file is
#: never changed in place (a publish renames a new one over it), so a row read once stays right
#: until the file is replaced, and the cache goes with the file
CACHE_ENTRIES = 20_000


@dataclass(frozen=True)
class Found:
    """What a lookup found: the table, the entity's newest row (None: not in the batch), the run."""

    table: ServedTable
    row: dict[str, Any] | None
    run_id: str | None


class _Opened:
    """One opened serving file: its connection, the file identity it was opened at, its users,
    its catalog and the rows read from it."""

    def __init__(self, con: duckdb.DuckDBPyConnection, identity: tuple[int, int, int, int]) -> None:
        self.con = con
        self.identity = identity
        self.users = 0
        self.catalog: Catalog | None = None
        self.catalog_lock = threading.Lock()
        self.rows: dict[tuple[str, str], Found] = {}

    def remember(self, key: tuple[str, str], found: Found) -> None:
        with self.catalog_lock:
            if len(self.rows) >= CACHE_ENTRIES:
                del self.rows[next(iter(self.rows))]
            self.rows[key] = found


class BatchLookup:
    """Point reads of published scores, following every publish of the serving file.

    A publish renames a new file over the path. Each request holds the file it started on until it
    is done (:meth:`reading`); the first request that finds a new file waits until the requests on
    the old one are finished (point reads: milliseconds), closes it, and opens the new one. It has
    to be in that order: DuckDB keeps one database instance per path per process, so while any
    connection to the old file is open, opening the path again would hand back the old file.
    Requests that arrive meanwhile wait for the new file too; none sees a connection closed under
    it, and none fails because of a publish.
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._changed = threading.Condition()
        self._opened: _Opened | None = None
        self.reopened = 0

    def _acquire(self) -> _Opened:
        with self._changed:
            while True:
                identity = file_identity(self.path)
                current = self._opened
                if identity is None:
                    raise NotReady(f"the serving file {self.path} does not exist yet: no run has published")
                if current is not None and current.identity == identity:
                    current.users += 1
                    return current
                if current is not None and current.users:
                    self._changed.wait(timeout=1.0)  # requests on the old file finish first
                    continue
                if current is not None:
                    current.con.close()  # the last connection to the path: DuckDB drops the old file
                    self._opened = None
                    self.reopened += 1
                opened = _Opened(open_warehouse(self.path, read_only=True), identity)
                self._opened = opened

    def _release(self, opened: _Opened) -> None:
        with self._changed:
            opened.users -= 1
            if not opened.users:
                self._changed.notify_all()

    @contextlib.contextmanager
    def reading(self) -> Iterator[ServingView]:
        """One serving file for the whole of a request, even if a publish replaces it meanwhile."""
        opened = self._acquire()
        try:
            yield ServingView(self.path, opened)
        finally:
            self._release(opened)

    def catalog(self) -> Catalog:
        with self.reading() as view:
            return view.catalog()

    def cached(self, name: str, key: str) -> Found | None:
        """The answer already read for (table, key) from the file in place now, else None.

        Costs one ``stat`` and a dictionary read, so the endpoint answers a cached entity on the
        event loop and only goes to a thread (and DuckDB) for the others.
        """
        with self._changed:
            opened = self._opened
            if opened is None or file_identity(self.path) != opened.identity:
                return None
            return opened.rows.get((name, key))

    def find(self, name: str, key: str) -> Found:
        """Table, row and run of (table, key) from one serving file, remembered for :meth:`cached`."""
        with self.reading() as view:
            table = view.table(name)
            found = Found(table, view.lookup(table, key), view.catalog().run_id)
            view.remember((name, key), found)
            return found

    def close(self) -> None:
        with self._changed:
            if self._opened is not None and not self._opened.users:
                self._opened.con.close()
                self._opened = None


class ServingView:
    """The serving file one request reads: its catalog, and point reads with the key bound."""

    def __init__(self, path: Path, opened: _Opened) -> None:
        self.path = path
        self._opened = opened

    def catalog(self) -> Catalog:
        """The tables of this serving file (described once per opened file)."""
        opened = self._opened
        with opened.catalog_lock:
            if opened.catalog is None:
                cursor = opened.con.cursor()
                try:
                    opened.catalog = _describe(cursor)
                finally:
                    cursor.close()
            return opened.catalog

    def remember(self, key: tuple[str, str], found: Found) -> None:
        self._opened.remember(key, found)

    def table(self, name: str) -> ServedTable:
        catalog = self.catalog()
        table = catalog.tables.get(name)
        if table is not None:
            return table
        if name in catalog.refused:
            raise NotFound(f"published table {name} is not served: {catalog.refused[name]}")
        raise NotFound(
            f"no published table {name!r} in the serving file {self.path.name}; served: "
            f"{', '.join(sorted(catalog.tables)) or 'none'}"
        )

    def lookup(self, table: ServedTable, key: str) -> dict[str, Any] | None:
        """The entity's newest row in ``table``, or None when the batch did not score it."""
        value = table.key_value(key)
        cursor = self._opened.con.cursor()  # one cursor per request: a connection is not shared by threads
        try:
            # identifiers come from the serving file's own description, checked; the key is bound
            result = cursor.execute(
                f'select * from main."{table.name}" where "{table.key}" = ? order by as_of_date desc limit 1',
                [value],
            )
            row = result.fetchone()
            if row is None:
                return None
            columns = [d[0] for d in result.description]
            return dict(zip(columns, row, strict=True))
        except duckdb.ConversionException:
            raise InvalidRows(
                f"published table {table.name}: {key!r} is not a value of key {table.key} ({table.key_type})"
            ) from None
        finally:
            cursor.close()


def file_identity(path: Path) -> tuple[int, int, int, int] | None:
    """Device, inode, size and modification time: a publish (a rename) changes the inode."""
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    return (stat.st_dev, stat.st_ino, stat.st_size, stat.st_mtime_ns)


def _describe(cursor: duckdb.DuckDBPyConnection) -> Catalog:
    names = [
        n
        for (n,) in cursor.execute(
            f"select distinct table_name from main.{SERVING_INFO_TABLE} order by 1"
        ).fetchall()
    ]
    run = cursor.execute(f"select any_value(run_id) from main.{SERVING_INFO_TABLE}").fetchone()
    tables: dict[str, ServedTable] = {}
    refused: dict[str, str] = {}
    for name in names:
        try:
            check_identifier(name, "published table name")
            columns = cursor.execute(
                "select column_name, data_type from duckdb_columns() "
                "where database_name = current_database() and schema_name = 'main' and table_name = ? "
                "order by column_index",
                [name],
            ).fetchall()
            tables[name] = _served(cursor, name, columns)
        except (ValueError, duckdb.Error, SqlscoreError) as exc:  # SqlscoreError: a name refused
            refused[name] = str(exc)
    return Catalog(run[0] if run else None, tables, refused)


def _served(cursor: duckdb.DuckDBPyConnection, name: str, columns: list[tuple[str, str]]) -> ServedTable:
    if not columns:
        raise ValueError("it is not in the serving file")
    present = {c for c, _ in columns}
    missing = [c for c in REQUIRED_COLUMNS if c not in present]
    if missing:
        raise ValueError(f"it has no {', '.join(missing)} column")
    scores = [c for c, t in columns if t == "DOUBLE" and c.endswith(SCORE_SUFFIXES)]
    if len(scores) != 1:
        raise ValueError(
            f"it needs exactly one DOUBLE score column named *{', *'.join(SCORE_SUFFIXES)}, "
            f"found {scores or 'none'}"
        )
    key, key_type = columns[0]
    for column in (key, scores[0]):
        check_identifier(column, f"column of {name}")
    models = tuple(
        m for (m,) in cursor.execute(f'select distinct model_name from main."{name}" order by 1').fetchall()
    )
    return ServedTable(name, key, key_type, scores[0], models)


def age_days(as_of: Any, today: dt.date | None = None) -> int | None:
    """Whole days between a row's as-of date and today (UTC); None when the row has none."""
    if not isinstance(as_of, dt.date):
        return None
    day = as_of.date() if isinstance(as_of, dt.datetime) else as_of
    return ((today or dt.datetime.now(dt.UTC).date()) - day).days
