"""``sqlscore run``: build the candidates with dbt, audit them, publish or block.

One process does it all (dbt runs in-process), so a ``kill -9`` stops
everything at once: DuckDB discards the uncommitted transaction, the published
tables and the serving file stay the last good version, and the next run
starts from there. Exit codes: 0 published, 1 blocked by the gate, 2 error.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from sqlscore.config import project_folder
from sqlscore.errors import ConfigError, SqlscoreError
from sqlscore.gate import TableVerdict, validate_tables
from sqlscore.gate.suites import expectations_path
from sqlscore.publish import (
    publish_candidates,
    quarantine_candidates,
    serving_path,
    write_serving_copy,
)
from sqlscore.registry import Registry
from sqlscore.runs import finish_run, start_run

PUBLISHED_TABLES = ["customer_churn_scores", "loan_application_risk_scores"]
SCORING_TABLES = ["scoring.churn_scores", "scoring.risk_scores"]
EXIT_PUBLISHED, EXIT_BLOCKED, EXIT_ERROR = 0, 1, 2


@dataclass
class RunOutcome:
    run_id: str
    exit_code: int
    status: str
    message: str
    verdicts: list[TableVerdict] = field(default_factory=list)
    rows_published: dict[str, int] = field(default_factory=dict)
    quarantined: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)


def say(message: str) -> None:
    print(f"[sqlscore run] {message}", flush=True)


def _dbt_project_dir() -> Path:
    return project_folder("dbt_project", "SQLSCORE_DBT_PROJECT")


def _profiles_dir() -> Path:
    return Path(os.environ.get("SQLSCORE_PROFILES_DIR") or _dbt_project_dir().resolve().parent)


def run_dbt_build(
    warehouse: Path, registry: Registry, as_of: str, run_id: str, timings: dict[str, float]
) -> tuple[bool, str]:
    """dbt build in this process; (ok, reason). Failed tests block, failed models are errors.

    Adds ``dbt_build`` and ``scoring`` (the scoring models' own execution time) to ``timings``.
    """
    from dbt.cli.main import dbtRunner

    os.environ["SQLSCORE_WAREHOUSE"] = str(warehouse)
    os.environ["SQLSCORE_REGISTRY"] = str(registry.root)
    os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
    project = _dbt_project_dir()
    start = time.perf_counter()
    try:
        result = dbtRunner().invoke(
            [
                "build",
                "--project-dir",
                str(project),
                "--profiles-dir",
                str(_profiles_dir()),
                "--vars",
                f"{{as_of_date: '{as_of}', run_id: '{run_id}'}}",
                "--target-path",
                str(warehouse.parent / "dbt_target"),
                "--log-path",
                str(warehouse.parent / "dbt_logs"),
            ]
        )
    finally:
        _release_dbt_connection()
    timings["dbt_build"] = time.perf_counter() - start
    timings["scoring"] = sum(
        float(r.execution_time or 0)
        for r in getattr(result.result, "results", []) or []
        if getattr(r.node, "fqn", [None, None])[1:2] == ["scoring"]
    )
    if result.success:
        return True, ""
    if result.exception is not None:
        raise SqlscoreError(f"dbt build could not run: {result.exception}")
    errors, failed_tests = [], []
    for node_result in getattr(result.result, "results", []):
        status = str(node_result.status)
        if status == "error":
            errors.append(f"{node_result.node.name}: {(node_result.message or '').strip()[:500]}")
        elif status == "fail":
            failed_tests.append(f"{node_result.node.name} ({node_result.failures} failing rows)")
    if errors:
        raise SqlscoreError("dbt build failed: " + "; ".join(errors))
    return False, "dbt tests failed: " + "; ".join(failed_tests)


def _release_dbt_connection() -> None:
    """Close the DuckDB connection dbt-duckdb keeps for the process after a build.

    dbt-duckdb caches its environment (and an open connection) on the connection
    manager class; left open, the gate and the publish could not open the same
    file with another configuration.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()


def _rows_scored(con: duckdb.DuckDBPyConnection, run_id: str) -> dict[str, int]:
    return {
        table: int(con.execute(f"select count(*) from {table} where run_id = ?", [run_id]).fetchall()[0][0])
        for table in SCORING_TABLES
    }


def _model_versions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        "select function_name, model_name || ':' || model_version from main.ml_functions"
    ).fetchall()
    return dict(rows)


def run_pipeline(
    warehouse: Path,
    registry: Registry,
    *,
    as_of: str | None = None,
    expectations: Path | None = None,
    docs_dir: Path | None = None,
) -> RunOutcome:
    as_of = as_of or os.environ.get("SQLSCORE_AS_OF") or "2026-10-31"
    try:
        as_of = dt.date.fromisoformat(as_of).isoformat()  # validated: it reaches SQL through dbt vars
    except ValueError as exc:
        raise ConfigError(f"as-of date {as_of!r} is not a date (YYYY-MM-DD)") from exc
    run_id = str(uuid.uuid4())
    docs_dir = docs_dir or warehouse.parent / "gx_docs"
    expectations = expectations or expectations_path()
    say(f"run {run_id}: warehouse {warehouse}, as of {as_of}")
    try:
        with duckdb.connect(str(warehouse)) as con:
            start_run(con, run_id, as_of)
    except duckdb.Error as exc:
        raise SqlscoreError(
            f"cannot open the warehouse {warehouse} for writing (is another run or a writer open?): {exc}"
        ) from exc
    try:
        say("1/3 dbt build (features, scores, candidates, dbt tests)")
        timings: dict[str, float] = {}
        built, reason = run_dbt_build(warehouse, registry, as_of, run_id, timings)
        verdicts: list[TableVerdict] = []
        if built:
            say(f"2/3 gate: Great Expectations suites from {expectations} on candidate tables")
            started = time.perf_counter()
            verdicts = validate_tables(warehouse, PUBLISHED_TABLES, expectations, docs_dir)
            timings["gate"] = time.perf_counter() - started
            say(f"    Data Docs: {docs_dir / 'index.html'}")
        with duckdb.connect(str(warehouse)) as con:
            common: dict[str, Any] = {
                "rows_scored": _rows_scored(con, run_id),
                "model_versions": _model_versions(con),
                "timings": timings,
            }
            if built and all(v.success for v in verdicts):
                say("3/3 publish: published.* in one transaction, then the serving file")
                started = time.perf_counter()
                rows = publish_candidates(con, PUBLISHED_TABLES)
                write_serving_copy(con, serving_path(warehouse), PUBLISHED_TABLES, run_id)
                timings["publish"] = time.perf_counter() - started
                finish_run(con, run_id, "published", rows_published=rows, **common)
                return RunOutcome(
                    run_id,
                    EXIT_PUBLISHED,
                    "published",
                    f"published {rows}; serving file {serving_path(warehouse)}",
                    verdicts,
                    rows,
                    timings=timings,
                )
            failures = [
                {
                    "table": v.table,
                    "expectation": f.expectation,
                    "description": f.description,
                    "observed": f.observed,
                }
                for v in verdicts
                for f in v.failures
            ]
            if not built:
                failures.append(
                    {"table": "dbt", "expectation": "dbt tests", "description": reason, "observed": None}
                )
            kept = quarantine_candidates(con, PUBLISHED_TABLES, run_id)
            finish_run(con, run_id, "blocked", failed_expectations=failures, quarantined=kept, **common)
            return RunOutcome(
                run_id,
                EXIT_BLOCKED,
                "blocked",
                "the gate blocked the publish; consumers keep the last good version",
                verdicts,
                quarantined=kept,
                timings=timings,
            )
    except BaseException as exc:
        message = str(exc) if isinstance(exc, SqlscoreError) else f"{type(exc).__name__}: {exc}"
        try:
            with duckdb.connect(str(warehouse)) as con:
                finish_run(con, run_id, "error", message=message)
        except duckdb.Error as inner:
            print(f"sqlscore: could not record the error in the runs table: {inner}", file=sys.stderr)
        if isinstance(exc, SqlscoreError):
            return RunOutcome(run_id, EXIT_ERROR, "error", message)
        raise
