"""The runs table, ``ops.sqlscore_runs``: one row per ``sqlscore run``, written as it goes.

A run that was killed leaves its row as ``running``; the next run marks it
``interrupted`` so the table never claims a run is still going.
"""

from __future__ import annotations

import json
from typing import Any

import duckdb

RUNS_TABLE = "ops.sqlscore_runs"

_DDL = f"""
create schema if not exists ops;
create table if not exists {RUNS_TABLE} (
    run_id varchar primary key,
    as_of_date date,
    started_at timestamptz not null,
    ended_at timestamptz,
    status varchar not null,          -- running, published, blocked, error, interrupted
    rows_scored json,                 -- scoring table -> rows scored by this run
    rows_published json,              -- published table -> rows
    model_versions json,              -- function -> name:version
    failed_expectations json,         -- [{{table, expectation, description, observed}}]
    quarantined json,
    timings json,                     -- seconds: dbt_build, scoring (the two scoring models), gate, publish
    message varchar
);
alter table {RUNS_TABLE} add column if not exists timings json;
"""


_FINISH_FIELDS = {
    "rows_scored",
    "rows_published",
    "model_versions",
    "failed_expectations",
    "quarantined",
    "timings",
    "message",
}


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, as_of_date: str) -> None:
    con.execute(_DDL)
    con.execute(
        f"update {RUNS_TABLE} set status = 'interrupted', ended_at = now(), "
        "message = 'the process stopped before the run ended' where status = 'running'"
    )
    con.execute(
        f"insert into {RUNS_TABLE} (run_id, as_of_date, started_at, status) values (?, ?, now(), 'running')",
        [run_id, as_of_date],
    )


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, **fields: Any) -> None:
    """Close the run's row: status, end time, and JSON fields (``message`` stays text)."""
    values: list[Any] = [status]
    assignments = ["status = ?", "ended_at = now()"]
    for name, value in fields.items():
        if name not in _FINISH_FIELDS:
            raise ValueError(f"unknown runs-table field {name!r}")
        assignments.append(f"{name} = ?")
        values.append(value if name == "message" else json.dumps(value, default=str))
    con.execute(f"update {RUNS_TABLE} set {', '.join(assignments)} where run_id = ?", [*values, run_id])
