"""Publishing audited candidates, and keeping failed ones for inspection.

Consumers read two things, both switched atomically:

* ``published.<table>`` in the warehouse, replaced for every table in one DuckDB
  transaction (readers in the warehouse see the old set or the new, never a mix);
* the serving file (``SQLSCORE_SERVING``, default ``<warehouse>_serving.duckdb``), a
  read-only copy for other processes (BI tools, the duckdb CLI), because DuckDB
  lets only one process open the warehouse for writing. It is written beside the
  old one and renamed over it: a reader opens either the old file or the new.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import duckdb

from sqlscore.errors import PublishError
from sqlscore.names import check_identifier

PUBLISHED_SCHEMA = "published"
CANDIDATE_SCHEMA = "candidate"
QUARANTINE_SCHEMA = "quarantine"
SERVING_ENV = "SQLSCORE_SERVING"
SERVING_INFO_TABLE = "serving_info"
#: Fault injection for the atomicity tests: seconds to wait inside the publish
#: transaction and before the serving file's rename, so a test can kill -9 there.
PAUSE_ENV = "SQLSCORE_PAUSE_IN_PUBLISH"


def _pause(where: str) -> None:
    seconds = float(os.environ.get(PAUSE_ENV) or 0)
    if seconds > 0:
        print(f"[sqlscore run]     pausing {seconds:g} s {where} ({PAUSE_ENV})", flush=True)
        time.sleep(seconds)


def serving_path(warehouse: Path) -> Path:
    explicit = os.environ.get(SERVING_ENV)
    return Path(explicit) if explicit else warehouse.with_name(f"{warehouse.stem}_serving.duckdb")


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def publish_candidates(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, int]:
    """Replace every ``published.<table>`` by its candidate in one transaction; return row counts."""
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
        _pause("before committing published.*")
        con.execute("commit")
    except BaseException as exc:
        con.execute("rollback")
        raise PublishError(f"publishing {', '.join(tables)} failed and was rolled back: {exc}") from exc
    return {
        table: int(con.execute(f"select count(*) from {PUBLISHED_SCHEMA}.{table}").fetchall()[0][0])
        for table in tables
    }


def write_serving_copy(con: duckdb.DuckDBPyConnection, target: Path, tables: list[str], run_id: str) -> None:
    """Copy the published tables into a new file and rename it over ``target`` atomically."""
    staging = target.with_name(f".{target.name}.{run_id}.tmp")
    for leftover in target.parent.glob(f".{target.name}.*.tmp"):  # from a killed run
        leftover.unlink(missing_ok=True)
    try:
        con.execute(f"attach {_sql_string(str(staging))} as sqlscore_serving_staging")
        try:
            for table in tables:
                con.execute(
                    f"create table sqlscore_serving_staging.main.{table} as "
                    f"select * from {PUBLISHED_SCHEMA}.{table}"
                )
            con.execute(
                f"create table sqlscore_serving_staging.main.{SERVING_INFO_TABLE} as "
                "select ? as run_id, now() as published_at, t.table_name, t.row_count "
                "from (select unnest(?::varchar[]) as table_name, unnest(?::bigint[]) as row_count) t",
                [
                    run_id,
                    tables,
                    [
                        int(con.execute(f"select count(*) from {PUBLISHED_SCHEMA}.{t}").fetchall()[0][0])
                        for t in tables
                    ],
                ],
            )
        finally:
            con.execute("detach sqlscore_serving_staging")
        with open(staging, "rb") as handle:
            os.fsync(handle.fileno())
        _pause("before renaming the serving file into place")
        os.replace(staging, target)
        directory = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    except BaseException as exc:
        staging.unlink(missing_ok=True)
        raise PublishError(
            f"writing the serving copy {target} failed; the previous one is intact: {exc}"
        ) from exc


def quarantine_candidates(con: duckdb.DuckDBPyConnection, tables: list[str], run_id: str) -> list[str]:
    """Keep failed candidates as ``quarantine.<table>__<run id>``; return their names."""
    con.execute(f"create schema if not exists {QUARANTINE_SCHEMA}")
    kept = []
    suffix = run_id.replace("-", "")[:12]
    for table in tables:
        exists = con.execute(
            "select count(*) from duckdb_tables() where schema_name = ? and table_name = ?",
            [CANDIDATE_SCHEMA, table],
        ).fetchall()[0][0]
        if not exists:
            continue
        name = f"{QUARANTINE_SCHEMA}.{table}__{suffix}"
        con.execute(f"create or replace table {name} as select * from {CANDIDATE_SCHEMA}.{table}")
        kept.append(name)
    return kept
