"""``sqlscore run``: build the candidates with dbt, audit them, publish or block.

One process does it all (dbt runs in-process) while holding the warehouse's
run lock, so a second run refuses at once and a ``kill -9`` stops everything:
DuckDB discards the uncommitted transaction, and the next run marks the killed
run ``interrupted`` (its ``step`` says how far it got), repairs the serving file
if the kill fell between the publish commit and the rename (see
:mod:`sqlscore.publish`), removes the leftovers, and starts from there.
Exit codes: 0 published, 1 blocked by the gate or dbt's tests, 2 error.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from sqlscore.config import project_folder
from sqlscore.errors import ConfigError, PublishError, SqlscoreError
from sqlscore.gate import TableVerdict, validate_tables
from sqlscore.gate.isolated import remove_scratch
from sqlscore.gate.suites import expectations_path
from sqlscore.publish import (
    CANDIDATE_SCHEMA,
    pause_at,
    publish_candidates,
    quarantine_candidates,
    recover_serving,
    serving_path,
    stage_serving_copy,
    swap_serving_copy,
)
from sqlscore.registry import Registry
from sqlscore.run_lock import run_lock
from sqlscore.runs import (
    RUNS_TABLE,
    add_note,
    finish_run,
    last_published_run,
    moves_forward,
    passed_step,
    start_run,
)
from sqlscore.warehouse import open_warehouse

PUBLISHED_TABLES = ["customer_churn_scores", "loan_application_risk_scores"]
SCORING_TABLES = ["scoring.churn_scores", "scoring.risk_scores"]
EXIT_PUBLISHED, EXIT_BLOCKED, EXIT_ERROR = 0, 1, 2
DEFAULT_AS_OF = "2026-10-31"
#: The dbt generic test that checks scored inputs against the model's training profile.
INPUT_CHECK_TEST = "inputs_match_training_profile"
#: The dbt generic test that checks each source's declared freshness inside the build.
FRESHNESS_TEST = "loaded_as_fresh_as_declared"
#: Tests whose failing rows carry a level (warn/error) and whose dbt count is a fail_calc score.
LEVELLED_TESTS = (INPUT_CHECK_TEST, FRESHNESS_TEST)


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


@dataclass
class DbtBuild:
    """What ``dbt build`` did: whether every node passed, which tests failed, which models it built."""

    ok: bool
    failed_tests: list[str] = field(default_factory=list)
    built: set[str] = field(default_factory=set)
    warned_tests: list[str] = field(default_factory=list)
    #: tables where dbt stored the rows of this build's failed or warned levelled tests
    #: (input profile, source freshness)
    findings_tables: list[str] = field(default_factory=list)


def run_dbt_build(
    warehouse: Path,
    registry: Registry,
    as_of: str,
    run_id: str,
    timings: dict[str, float],
    backfill: bool = False,
    record_history: bool = True,
) -> DbtBuild:
    """dbt build in this process. Failed tests block (``ok`` False), failed models are errors.

    ``record_history`` False leaves the snapshots out: a backfill or a run for a date earlier
    than an earlier run's reads the attribute history, it must not stamp versions with its date.
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
                # JSON is YAML; the values are checked again by the as_of_date() and run_id() macros
                json.dumps({"as_of_date": as_of, "run_id": run_id, "backfill": backfill}),
                "--target-path",
                str(warehouse.parent / "dbt_target"),
                "--log-path",
                str(warehouse.parent / "dbt_logs"),
                *([] if record_history else ["--exclude", "resource_type:snapshot"]),
            ]
        )
    finally:
        _release_dbt_connection()
    timings["dbt_build"] = time.perf_counter() - start
    results = getattr(result.result, "results", []) or []
    timings["scoring"] = sum(
        float(r.execution_time or 0)
        for r in results
        if getattr(r.node, "fqn", [None, None])[1:2] == ["scoring"]
    )
    if result.exception is not None and not results:
        raise SqlscoreError(f"dbt build could not run: {result.exception}")
    build = DbtBuild(ok=bool(result.success))
    errors = []
    for node_result in results:
        status, node = str(node_result.status), node_result.node
        levelled = _generic_test_name(node) in LEVELLED_TESTS
        if status == "error":
            errors.append(f"{node.name}: {(node_result.message or '').strip()[:500]}")
        elif status == "fail" and levelled:
            build.failed_tests.append(node.name)  # its count is a fail_calc score; the findings say more
        elif status == "fail":
            build.failed_tests.append(f"{node.name} ({node_result.failures} failing rows)")
        elif status == "warn" and not levelled:  # a levelled test's warnings are its findings
            build.warned_tests.append(f"{node.name} ({node_result.failures} rows)")
        elif status == "success" and getattr(node, "resource_type", None) == "model":
            build.built.add(node.name)
        if status in ("fail", "warn") and levelled:
            build.findings_tables.append(str(node.relation_name))
    if errors:
        raise SqlscoreError("dbt build failed: " + "; ".join(errors))
    return build


def _generic_test_name(node: Any) -> str | None:
    """The generic test a dbt test node instantiates (None for models and singular tests)."""
    metadata = getattr(node, "test_metadata", None)
    return getattr(metadata, "name", None)


def levelled_findings(con: duckdb.DuckDBPyConnection, tables: list[str]) -> list[dict[str, Any]]:
    """The rows the levelled tests stored: what broke, how badly, at what level (warn or error).

    Input-profile rows name the model, column and rule; freshness rows name the source table.
    """
    findings = []
    for table in tables:
        cursor = con.execute(f"select * from {table} order by level")
        columns = [d[0] for d in cursor.description]
        for values in cursor.fetchall():
            row = dict(zip(columns, values, strict=True))
            if "rule" in row:  # inputs_match_training_profile
                description = (
                    f"model {row['model_name']}, column {row['column_name']}: {row['rows_breaking']} of "
                    f"{row['rows_checked']} rows ({row['share']:.1%}) break {row['rule']} "
                    f"(expected {row['expected']})"
                )
                findings.append(
                    {
                        "table": "inputs",
                        "rule": row["rule"],
                        "level": row["level"],
                        "share": row["share"],
                        "description": description,
                    }
                )
            else:  # loaded_as_fresh_as_declared
                findings.append(
                    {
                        "table": row["source_table"],
                        "rule": "source freshness",
                        "level": row["level"],
                        "share": None,
                        "description": row["description"],
                    }
                )
    return findings


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
    """Rows each scoring table got from this run (0 for a table dbt never built)."""
    existing = {
        f"{schema}.{table}"
        for schema, table in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
    }
    return {
        table: int(con.execute(f"select count(*) from {table} where run_id = ?", [run_id]).fetchall()[0][0])
        if table in existing
        else 0
        for table in SCORING_TABLES
    }


def _model_versions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        "select function_name, model_name || ':' || model_version from main.ml_functions"
    ).fetchall()
    return dict(rows)


def parse_as_of(as_of: str | None) -> str:
    """The as-of date: given, else $SQLSCORE_AS_OF, else the default; refused unless YYYY-MM-DD."""
    if as_of is None:
        as_of = os.environ.get("SQLSCORE_AS_OF") or DEFAULT_AS_OF
    try:
        if as_of != as_of.strip():
            raise ValueError("surrounding spaces")
        return dt.date.fromisoformat(as_of).isoformat()  # "" is refused here, never the default
    except ValueError as exc:
        raise ConfigError(f"as-of date {as_of!r} is not a date (YYYY-MM-DD)") from exc


def run_pipeline(
    warehouse: Path,
    registry: Registry,
    *,
    as_of: str | None = None,
    expectations: Path | None = None,
    docs_dir: Path | None = None,
    backfill: bool = False,
) -> RunOutcome:
    """Build, gate and publish, holding the run lock throughout; the outcome says how it ended.

    ``backfill`` rescores an as-of date earlier than the newest one scored (frozen otherwise).
    """
    as_of = parse_as_of(as_of)
    with run_lock(warehouse):
        run_id = str(uuid.uuid4())
        say(f"run {run_id}: warehouse {warehouse}, as of {as_of}")
        with open_warehouse(warehouse) as con:
            stale = start_run(con, run_id, as_of)
        for earlier in stale:
            say(f"    run {earlier} had stopped without finishing: recorded as interrupted")
        try:
            return _run_steps(
                warehouse,
                registry,
                run_id,
                as_of,
                expectations or expectations_path(),
                docs_dir or warehouse.parent / "gx_docs",
                backfill,
            )
        except BaseException as exc:
            _record_failure(warehouse, run_id, exc)
            if isinstance(exc, SqlscoreError):
                return RunOutcome(run_id, EXIT_ERROR, "failed", str(exc))
            raise


def _record_failure(warehouse: Path, run_id: str, exc: BaseException) -> None:
    """Close the run's record as failed (or interrupted); the next run does it if this cannot."""
    interrupted = isinstance(exc, KeyboardInterrupt)
    message = str(exc) if isinstance(exc, SqlscoreError) else f"{type(exc).__name__}: {exc}"
    try:
        with open_warehouse(warehouse) as con:
            finish_run(con, run_id, "interrupted" if interrupted else "failed", message=message)
    except (SqlscoreError, duckdb.Error) as inner:
        print(
            f"sqlscore: could not record the end of run {run_id} ({inner}); "
            "the next run records it as interrupted",
            file=sys.stderr,
        )


def _run_steps(
    warehouse: Path,
    registry: Registry,
    run_id: str,
    as_of: str,
    expectations: Path,
    docs_dir: Path,
    backfill: bool,
) -> RunOutcome:
    serving = serving_path(warehouse)
    with open_warehouse(warehouse) as con:
        last = last_published_run(con)
        repaired = recover_serving(con, serving, PUBLISHED_TABLES, last)
        if repaired and last is not None:
            add_note(con, last, repaired)
            say(f"    run {last}: {repaired}")
        record_history = not backfill and moves_forward(con, run_id, as_of)
    remove_scratch(warehouse)

    say("1/3 dbt build (features, scores, candidates, dbt tests)")
    if not record_history:
        say(f"    {as_of} is a past date: attribute history is read, not recorded (snapshots left out)")
    timings: dict[str, float] = {}
    build = run_dbt_build(warehouse, registry, as_of, run_id, timings, backfill, record_history)
    with open_warehouse(warehouse) as con:
        passed_step(con, run_id, "dbt_built")
        findings = levelled_findings(con, build.findings_tables)
    warnings = [f["description"] for f in findings if f["level"] == "warn"]
    warnings += [f"dbt test warned: {test}" for test in build.warned_tests]
    for warning in warnings:
        say(f"    warning: {warning}")
    pause_at("dbt_built")
    verdicts: list[TableVerdict] = []
    if build.ok:
        say(f"2/3 gate: Great Expectations suites from {expectations} on candidate tables")
        started = time.perf_counter()
        verdicts = validate_tables(warehouse, PUBLISHED_TABLES, expectations, docs_dir)
        timings["gate"] = time.perf_counter() - started
        say(f"    Data Docs: {docs_dir / 'index.html'}")
    with open_warehouse(warehouse) as con:
        passed_step(con, run_id, "gated")
        pause_at("gated")
        common: dict[str, Any] = {
            "rows_scored": _rows_scored(con, run_id),
            "model_versions": _model_versions(con),
            "timings": timings,
            "warnings": warnings,
        }
        if build.ok and all(v.success for v in verdicts):
            return _publish(con, serving, run_id, verdicts, timings, common)
        return _block(con, run_id, build, findings, verdicts, timings, common)


def _publish(
    con: duckdb.DuckDBPyConnection,
    serving: Path,
    run_id: str,
    verdicts: list[TableVerdict],
    timings: dict[str, float],
    common: dict[str, Any],
) -> RunOutcome:
    """Stage the serving copy, commit published.* with the run's record, then swap the serving file."""
    say("3/3 publish: the serving copy staged, published.* committed with the run's record, then swapped in")
    started = time.perf_counter()
    staged = stage_serving_copy(con, serving, PUBLISHED_TABLES, run_id, CANDIDATE_SCHEMA)
    passed_step(con, run_id, "serving_staged")
    pause_at("serving_staged")

    def record(rows: dict[str, int]) -> None:
        finish_run(con, run_id, "published", rows_published=rows, step="published", **common)

    rows = publish_candidates(con, PUBLISHED_TABLES, record)
    pause_at("published")
    try:
        swap_serving_copy(staged, serving)
    except PublishError as exc:
        add_note(con, run_id, str(exc))
        return RunOutcome(run_id, EXIT_ERROR, "published", str(exc), verdicts, rows, timings=timings)
    passed_step(con, run_id, "serving_swapped")
    timings["publish"] = time.perf_counter() - started
    con.execute(f"update {RUNS_TABLE} set timings = ? where run_id = ?", [json.dumps(timings), run_id])
    return RunOutcome(
        run_id,
        EXIT_PUBLISHED,
        "published",
        f"published {rows}; serving file {serving}",
        verdicts,
        rows,
        timings=timings,
    )


def _block(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    build: DbtBuild,
    findings: list[dict[str, Any]],
    verdicts: list[TableVerdict],
    timings: dict[str, float],
    common: dict[str, Any],
) -> RunOutcome:
    """Keep this run's candidates in quarantine and record what blocked it."""
    failures = [
        {"table": v.table, "expectation": f.expectation, "description": f.description, "observed": f.observed}
        for v in verdicts
        for f in v.failures
    ]
    reasons = [
        f"{v.table}: {len(v.failures)} of {v.evaluated} expectations failed"
        for v in verdicts
        if not v.success
    ]
    if not build.ok:
        failed = "; ".join(build.failed_tests) or "see the dbt log"
        failures.append({"table": "dbt", "expectation": "dbt tests", "description": failed, "observed": None})
        blocking = [f for f in findings if f["level"] == "error"]
        failures += [
            {
                "table": f["table"],
                "expectation": f["rule"],
                "description": f["description"],
                "observed": f["share"],
            }
            for f in blocking
        ]
        reasons.insert(0, f"dbt tests failed: {failed}")
        reasons[1:1] = [f["description"] for f in blocking]
        unbuilt = [t for t in PUBLISHED_TABLES if t not in build.built]
        if unbuilt:
            reasons.append(f"dbt stopped before building {', '.join(unbuilt)} (nothing to quarantine)")
    kept = quarantine_candidates(con, PUBLISHED_TABLES, run_id, build.built)
    message = "; ".join(reasons) + "; consumers keep the last good version"
    finish_run(
        con, run_id, "blocked", failed_expectations=failures, quarantined=kept, message=message, **common
    )
    return RunOutcome(run_id, EXIT_BLOCKED, "blocked", message, verdicts, quarantined=kept, timings=timings)
