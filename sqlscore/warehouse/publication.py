"""Publishing audited candidates, and keeping failed ones for inspection.

Consumers read two things: ``published.<table>`` in the warehouse, and the
serving file (``<warehouse>_serving.duckdb`` by default), a read-only copy for
other processes (BI tools, the duckdb CLI, ``sqlscore serve``), because DuckDB
lets only one process open the warehouse for writing. Two files cannot switch
in one atomic step, so a publish moves them in a recorded order whose every
crash point the next run repairs (:func:`recover_serving`):

1. ``stage_serving_copy``: the new serving file is written whole from the
   candidates (and the published tables a ``--select`` left out), beside the old
   one, as ``.<serving>.<run id>.tmp``, and fsynced. It carries each table's
   history (``<table>_history``, every published as-of date), the dbt
   descriptions as comments and the models compiled to SQL (stored macros).
   A crash here leaves published.* and the serving file as they were; the next
   run deletes the partial file.
2. ``publish_candidates``: every ``published.<table>`` (and its history) is
   replaced *and* the run is recorded ``published``, in one DuckDB transaction.
   A crash before the commit changes nothing.
3. ``swap_serving_copy``: the staged file is renamed over the serving file (an
   atomic rename; readers open the old file or the new, never a mix). A crash
   between 2 and 3 leaves the serving file one run behind published.*, with the
   new one staged: the next run renames it into place (or rebuilds it from
   published.* if it is gone) before it does anything else.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from sqlscore.errors import PublishError
from sqlscore.names import check_identifier
from sqlscore.settings import PAUSE_AT

PUBLISHED_SCHEMA = "published"
CANDIDATE_SCHEMA = "candidate"
QUARANTINE_SCHEMA = "quarantine"
SERVING_INFO_TABLE = "serving_info"


def pause_at(step: str) -> None:
    """Fault injection for the crash tests: sleep at ``step`` when ``SQLSCORE_PAUSE_AT`` is
    ``STEP:SECONDS`` for it, printing a line a test waits for before its kill -9."""
    wanted, _, seconds = (PAUSE_AT.read() or "").partition(":")
    if wanted == step:
        print(f"[sqlscore run]     pausing {seconds} s at {step} ({PAUSE_AT.env})", flush=True)
        time.sleep(float(seconds or 30))


def staging_path(serving: Path, run_id: str) -> Path:
    return serving.with_name(f".{serving.name}.{run_id}.tmp")


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _count(con: duckdb.DuckDBPyConnection, relation: str) -> int:
    return int(con.execute(f"select count(*) from {relation}").fetchall()[0][0])


def stage_serving_copy(
    con: duckdb.DuckDBPyConnection, serving: Path, sources: dict[str, str], run_id: str
) -> Path:
    """Write the next serving file whole beside the current one; return it.

    ``sources`` maps each table of the serving file to the relation it is copied from
    (``candidate.<table>`` for the tables this run publishes, ``published.<table>`` for the others).
    """
    tables = list(sources)
    for table in tables:
        check_identifier(table, "table name")
    staging = staging_path(serving, run_id)
    _remove_file(staging)
    try:
        con.execute(f"attach {_sql_string(str(staging))} as sqlscore_serving_staging")
        try:
            for table, source in sources.items():
                schema, _, name = source.partition(".")
                check_identifier(schema, "schema name")
                check_identifier(name, "table name")
                con.execute(
                    f"create table sqlscore_serving_staging.main.{table} as select * from {schema}.{name}"
                )
                copy_comments(con, f"{schema}.{name}", f"sqlscore_serving_staging.main.{table}")
            for table, source in sources.items():
                if source == f"{CANDIDATE_SCHEMA}.{table}":
                    keep_history(con, table, "sqlscore_serving_staging")
            copy_macros(con, "sqlscore_serving_staging")
            # every table of the file, with its rows: a reader checks what it got against this
            written = [
                name
                for (name,) in con.execute(
                    "select table_name from duckdb_tables() where database_name = 'sqlscore_serving_staging' "
                    "order by table_name"
                ).fetchall()
            ]
            counts = [_count(con, f"sqlscore_serving_staging.main.{name}") for name in written]
            con.execute(
                f"create table sqlscore_serving_staging.main.{SERVING_INFO_TABLE} as "
                "select ? as run_id, now() as published_at, t.table_name, t.row_count "
                "from (select unnest(?::varchar[]) as table_name, unnest(?::bigint[]) as row_count) t",
                [run_id, written, counts],
            )
        finally:
            con.execute("detach sqlscore_serving_staging")
        with open(staging, "rb") as handle:
            os.fsync(handle.fileno())
    except (OSError, duckdb.Error) as exc:
        _remove_file(staging)
        raise PublishError(
            f"cannot write the serving copy beside {serving} ({exc}); nothing was published, "
            "published tables and the serving file are as they were"
        ) from exc
    return staging


#: Suffix of the table keeping every published as-of date of a published table.
HISTORY_SUFFIX = "_history"


def keep_history(con: duckdb.DuckDBPyConnection, table: str, database: str | None = None) -> None:
    """Add ``candidate.<table>``'s as-of dates to ``<table>_history`` (replacing those dates).

    The published table is today's; its history holds every as-of date ever published, so
    analysts can compare this month with the last. It lives in ``published`` (``database`` None,
    inside the publish transaction) and in the serving file (``database`` the attached staging
    copy, which already holds the history published so far). Rebuilt with ``union all by name``:
    a column added to the table later is NULL in older dates instead of failing the publish. A
    table without an ``as_of_date`` column has no history.
    """
    source = f"{CANDIDATE_SCHEMA}.{table}"
    columns = {name for (name,) in con.execute(f"select column_name from (describe {source})").fetchall()}
    if "as_of_date" not in columns:
        return
    name = f"{table}{HISTORY_SUFFIX}"
    schema = PUBLISHED_SCHEMA if database is None else "main"
    history = (
        f"{schema}.{name}"
        if database is None
        else f"{check_identifier(database, 'database')}.{schema}.{name}"
    )
    present = con.execute(
        "select count(*) from duckdb_tables() where database_name = coalesce(?, current_database()) "
        "and schema_name = ? and table_name = ?",
        [database, schema, name],
    ).fetchall()[0][0]
    if not present:
        con.execute(f"create table {history} as select * from {source} order by as_of_date")
    else:
        con.execute(
            f"create or replace table {history} as "
            f"select * from {history} where as_of_date not in (select distinct as_of_date from {source}) "
            f"union all by name select * from {source} order by as_of_date"
        )
    copy_comments(con, source, history)


def copy_macros(con: duckdb.DuckDBPyConnection, database: str) -> None:
    """Re-create the warehouse's stored macros (the models compiled to SQL) in ``database``.

    The serving file is read by processes without sqlscore (the duckdb CLI, a BI tool): with the
    macros in it, ``predict_churn_sql(...)`` works there as in the warehouse.
    """
    check_identifier(database, "database name")
    macros = con.execute(
        "select function_name, parameters, macro_definition from duckdb_functions() "
        "where database_name = current_database() and schema_name = 'main' and function_type = 'macro' "
        "and not internal order by function_name"
    ).fetchall()
    for name, parameters, definition in macros:
        arguments = ", ".join(check_identifier(p, "macro parameter") for p in parameters)
        con.execute(
            f"create or replace macro {database}.main.{check_identifier(name, 'macro name')}({arguments}) "
            f"as {definition}"
        )


def copy_comments(con: duckdb.DuckDBPyConnection, source: str, target: str) -> None:
    """Give ``target`` the table and column comments of ``source`` (dbt's persisted descriptions).

    ``create table as`` copies data, not comments; without this, what analysts see described in
    the candidates would reach them undocumented. ``source`` is ``schema.table`` in the main
    database; ``target`` may be in an attached one.
    """
    schema, _, table = source.partition(".")
    rows = con.execute(
        "select null as column_name, comment from duckdb_tables() "
        "where database_name = current_database() and schema_name = ? and table_name = ? "
        "and comment is not null "
        "union all select column_name, comment from duckdb_columns() "
        "where database_name = current_database() and schema_name = ? and table_name = ? "
        "and comment is not null",
        [schema, table, schema, table],
    ).fetchall()
    for column, comment in rows:
        on = (
            f"table {target}"
            if column is None
            else f"column {target}.{check_identifier(column, 'column name')}"
        )
        con.execute(f"comment on {on} is {_sql_string(str(comment))}")


def published_table_names(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Every table of the ``published`` schema: what the serving file must carry."""
    rows = con.execute(
        "select table_name from duckdb_tables() where schema_name = ? order by table_name", [PUBLISHED_SCHEMA]
    ).fetchall()
    return [str(name) for (name,) in rows]


def publish_candidates(
    con: duckdb.DuckDBPyConnection,
    tables: list[str],
    record: Callable[[dict[str, int]], None] | None = None,
) -> dict[str, int]:
    """Replace every ``published.<table>`` by its candidate in one transaction; return row counts.

    ``record`` (a callable taking the row counts) runs inside the same transaction,
    so the run's ``published`` record commits with the tables or not at all.
    """
    for table in tables:
        check_identifier(table, "table name")
    con.execute(f"create schema if not exists {PUBLISHED_SCHEMA}")
    con.execute("begin transaction")
    try:
        for table in tables:
            con.execute(
                f"create or replace table {PUBLISHED_SCHEMA}.{table} as "
                f"select * from {CANDIDATE_SCHEMA}.{table}"
            )
            copy_comments(con, f"{CANDIDATE_SCHEMA}.{table}", f"{PUBLISHED_SCHEMA}.{table}")
        for table in tables:
            keep_history(con, table)
        rows = {table: _count(con, f"{PUBLISHED_SCHEMA}.{table}") for table in tables}
        if record is not None:
            record(rows)
        pause_at("publish_transaction")
        con.execute("commit")
    except BaseException as exc:
        con.execute("rollback")
        raise PublishError(f"publishing {', '.join(tables)} failed and was rolled back: {exc}") from exc
    return rows


def swap_serving_copy(staging: Path, serving: Path) -> None:
    """Rename the staged file over the serving file and make the rename durable."""
    try:
        os.replace(staging, serving)
        directory = os.open(serving.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except OSError as exc:
        raise PublishError(
            f"published.* is committed but the serving file {serving} could not be replaced ({exc}); "
            f"the new copy is kept as {staging} and the next run puts it in place"
        ) from exc


def serving_run_id(serving: Path) -> str | None:
    """The run id the serving file holds, or None when it is missing or unreadable.

    Opened by a fresh connection closed at once: while a connection to a path is open in a
    process, DuckDB keeps serving that process the file it first opened.
    """
    if not serving.exists():
        return None
    try:
        with duckdb.connect(str(serving), read_only=True) as con:
            rows = con.execute(f"select distinct run_id from {SERVING_INFO_TABLE}").fetchall()
    except duckdb.Error:
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def recover_serving(con: duckdb.DuckDBPyConnection, serving: Path, last_published: str | None) -> str | None:
    """Bring the serving file level with published.* after a crash; remove leftovers; say what was done.

    Call holding the run lock, before the run changes anything.
    """
    repaired = None
    if last_published is not None and serving_run_id(serving) != last_published:
        staged = staging_path(serving, last_published)
        if serving_run_id(staged) == last_published:
            swap_serving_copy(staged, serving)
            repaired = (
                f"its serving file was put in place by the next run (it had been staged as {staged.name})"
            )
        else:
            present = published_table_names(con)
            if present:
                sources = {table: f"{PUBLISHED_SCHEMA}.{table}" for table in present}
                staged = stage_serving_copy(con, serving, sources, last_published)
                swap_serving_copy(staged, serving)
                repaired = "its serving file was rebuilt from published.* by the next run"
    for leftover in serving.parent.glob(f".{serving.name}.*.tmp*"):
        _remove_file(leftover)
    return repaired


def _remove_file(path: Path) -> None:
    for leftover in (path, path.with_name(path.name + ".wal")):
        leftover.unlink(missing_ok=True)


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    found = con.execute(
        "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?", [schema, table]
    ).fetchall()
    return bool(found[0][0])


def quarantine_candidates(
    con: duckdb.DuckDBPyConnection, tables: list[str], run_id: str, built: set[str]
) -> list[str]:
    """Keep this run's failed candidates as ``quarantine.<table>__<run id>``; return their names.

    Only the candidates this run built (``built``, from dbt's results) are kept: when dbt
    stopped before building a table, what ``candidate.<table>`` holds is an earlier run's.
    """
    con.execute(f"create schema if not exists {QUARANTINE_SCHEMA}")
    kept = []
    suffix = run_id.replace("-", "")[:12]
    for table in tables:
        check_identifier(table, "table name")
        if table not in built or not _exists(con, CANDIDATE_SCHEMA, table):
            continue
        name = f"{QUARANTINE_SCHEMA}.{table}__{suffix}"
        con.execute(f"create or replace table {name} as select * from {CANDIDATE_SCHEMA}.{table}")
        kept.append(name)
    return kept
