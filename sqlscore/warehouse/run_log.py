"""The runs table, ``ops.sqlscore_runs``: one row per ``sqlscore run``, written as it goes.

Every run holds the run lock (:mod:`sqlscore.pipeline.lock`) before it writes here,
so a row still ``running`` when a run starts belongs to a process that is gone:
the new run marks it ``interrupted``. ``step`` says how far a run got (the last
step boundary it passed), so an interrupted row tells exactly what was done.
A run ends ``published``, ``blocked``, ``failed`` or ``interrupted``.
"""

from __future__ import annotations

import json
import os
from typing import Any

import duckdb

RUNS_TABLE = "ops.sqlscore_runs"
STATUSES = ("running", "published", "blocked", "failed", "interrupted")
#: Step boundaries in the order a run passes them (``step`` holds the last one passed).
STEPS = (
    "started",
    "dbt_built",
    "gated",
    "serving_staged",
    "published",
    "serving_swapped",
)

_DDL = f"""
create schema if not exists ops;
create table if not exists {RUNS_TABLE} (
    run_id varchar primary key,
    as_of_date date,
    started_at timestamptz not null,
    ended_at timestamptz,
    status varchar not null,          -- running, published, blocked, failed, interrupted
    rows_scored json,                 -- scoring table -> rows scored by this run
    rows_published json,              -- published table -> rows
    model_versions json,              -- function -> name:version
    failed_expectations json,         -- [{{table, expectation, description, observed}}]
    quarantined json,
    timings json,                     -- seconds: dbt_build, scoring (the two scoring models), gate, publish
    message varchar
);
alter table {RUNS_TABLE} add column if not exists timings json;
alter table {RUNS_TABLE} add column if not exists step varchar;
alter table {RUNS_TABLE} add column if not exists pid integer;
alter table {RUNS_TABLE} add column if not exists warnings json;     -- inputs unusual but published
update {RUNS_TABLE} set status = 'failed' where status = 'error';
"""


_FINISH_FIELDS = {
    "rows_scored",
    "rows_published",
    "model_versions",
    "failed_expectations",
    "quarantined",
    "timings",
    "message",
    "step",
    "warnings",
}


def start_run(con: duckdb.DuckDBPyConnection, run_id: str, as_of_date: str) -> list[str]:
    """Record a new run; mark the rows of runs whose process is gone; return their ids.

    Only call while holding the run lock: that is what makes every other
    ``running`` row a dead process's.
    """
    con.execute(_DDL)
    stale = [
        run for (run,) in con.execute(f"select run_id from {RUNS_TABLE} where status = 'running'").fetchall()
    ]
    con.execute(
        f"update {RUNS_TABLE} set status = 'interrupted', ended_at = now(), "
        "message = 'its process ended after step ' || coalesce(step, 'started') || ' without finishing' "
        "where status = 'running'"
    )
    con.execute(
        f"insert into {RUNS_TABLE} (run_id, as_of_date, started_at, status, step, pid) "
        "values (?, ?, now(), 'running', 'started', ?)",
        [run_id, as_of_date, os.getpid()],
    )
    return stale


def passed_step(con: duckdb.DuckDBPyConnection, run_id: str, step: str) -> None:
    """Record that the run passed ``step`` (one of :data:`STEPS`)."""
    if step not in STEPS:
        raise ValueError(f"unknown run step {step!r}")
    con.execute(f"update {RUNS_TABLE} set step = ? where run_id = ?", [step, run_id])


def finish_run(con: duckdb.DuckDBPyConnection, run_id: str, status: str, **fields: Any) -> None:
    """Close the run's row: status, end time, and JSON fields (``message`` and ``step`` stay text)."""
    if status not in STATUSES:
        raise ValueError(f"unknown run status {status!r}")
    values: list[Any] = [status]
    assignments = ["status = ?", "ended_at = now()"]
    for name, value in fields.items():
        if name not in _FINISH_FIELDS:
            raise ValueError(f"unknown runs-table field {name!r}")
        assignments.append(f"{name} = ?")
        values.append(value if name in ("message", "step") else json.dumps(value, default=str))
    con.execute(f"update {RUNS_TABLE} set {', '.join(assignments)} where run_id = ?", [*values, run_id])


def last_published_run(con: duckdb.DuckDBPyConnection) -> str | None:
    """The id of the newest run that committed a publish, or None (call after :func:`start_run`)."""
    rows = con.execute(
        f"select run_id from {RUNS_TABLE} where status = 'published' order by ended_at desc limit 1"
    ).fetchall()
    return str(rows[0][0]) if rows else None


def add_note(con: duckdb.DuckDBPyConnection, run_id: str, note: str) -> None:
    """Append a sentence to a run's message (for example what a later run repaired for it)."""
    con.execute(
        f"update {RUNS_TABLE} set message = concat_ws(' ', message, ?) where run_id = ?", [note, run_id]
    )


def moves_forward(con: duckdb.DuckDBPyConnection, run_id: str, as_of_date: str) -> bool:
    """Whether no earlier run had an as-of date later than this run's.

    Only such a run records history (dbt snapshots stamped with the as-of date): a run for a
    past date reads the history the runs of that date recorded and must not rewrite it.
    """
    rows = con.execute(
        f"select count(*) from {RUNS_TABLE} where run_id <> ? and as_of_date > cast(? as date)",
        [run_id, as_of_date],
    ).fetchall()
    return int(rows[0][0]) == 0
