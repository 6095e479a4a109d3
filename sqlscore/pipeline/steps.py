"""``sqlscore run``: build the candidates with dbt, audit them, publish or block.

One process does it all (dbt runs in-process) while holding the warehouse's
run lock, so a second run refuses at once and a ``kill -9`` stops everything:
DuckDB discards the uncommitted transaction, and the next run marks the killed
run ``interrupted`` (its ``step`` says how far it got), repairs the serving file
if the kill fell between the publish commit and the rename (see
:mod:`sqlscore.warehouse.publication`), removes the leftovers, and starts from there.
Exit codes: 0 published, 1 blocked by the gate or dbt's tests, 2 error.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from sqlscore.errors import ConfigError, PublishError, SqlscoreError
from sqlscore.gate import GateProcess, TableVerdict
from sqlscore.gate.gx_run import expectations_path
from sqlscore.gate.offline_docs import ASSETS_DIR, localize_data_docs
from sqlscore.gate.validate import remove_scratch
from sqlscore.pipeline.dbt import (
    DRIFT_FIELDS,
    DbtBuild,
    DbtInvocation,
    check_profile_passes_memory_limit,
    dbt_project_dir,
    levelled_findings,
    parse_project,
    profiles_dir,
    run_dbt_build,
)
from sqlscore.pipeline.lock import run_lock
from sqlscore.pipeline.published_tables import declared_published_tables
from sqlscore.registry import Registry
from sqlscore.settings import ExitCode, as_of_date, serving_path
from sqlscore.warehouse.database import check_memory_limit, memory_config, open_warehouse
from sqlscore.warehouse.publication import (
    CANDIDATE_SCHEMA,
    PUBLISHED_SCHEMA,
    pause_at,
    publish_candidates,
    published_table_names,
    quarantine_candidates,
    recover_serving,
    stage_serving_copy,
    swap_serving_copy,
)
from sqlscore.warehouse.run_log import (
    RUNS_TABLE,
    add_note,
    finish_run,
    last_published_run,
    moves_forward,
    passed_step,
    start_run,
)


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
    #: what the run warned of (a run on DuckDB records its warnings as it goes; one on Spark
    #: writes them with its row once it ends)
    warnings: list[str] = field(default_factory=list)


def say(message: str) -> None:
    print(f"[sqlscore run] {message}", flush=True)


def verdict_lines(verdicts: list[TableVerdict]) -> list[str]:
    """Each table's verdict, then each failed expectation with what was observed."""
    lines = []
    for verdict in verdicts:
        if verdict.success:
            lines.append(f"  {verdict.table}: passed ({verdict.evaluated} expectations)")
        else:
            failed = f"{len(verdict.failures)} of {verdict.evaluated} expectations failed"
            lines.append(f"  {verdict.table}: FAILED ({failed})")
        lines += [f"    - {failure}" for failure in verdict.failures]
    return lines


def _rows_scored(con: duckdb.DuckDBPyConnection, relations: list[str], run_id: str) -> dict[str, int]:
    """Rows each scoring table dbt ran got from this run (0 for a table dbt did not build)."""
    existing = {
        f"{schema}.{table}"
        for schema, table in con.execute("select schema_name, table_name from duckdb_tables()").fetchall()
    }
    return {
        relation: int(
            con.execute(f"select count(*) from {relation} where run_id = ?", [run_id]).fetchall()[0][0]
        )
        if relation in existing
        else 0
        for relation in relations
    }


def _model_versions(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    rows = con.execute(
        "select function_name, model_name || ':' || model_version from main.ml_functions"
    ).fetchall()
    return dict(rows)


def parse_as_of(as_of: str | None) -> str:
    """The as-of date: given, else $SQLSCORE_AS_OF, else the default; refused unless YYYY-MM-DD."""
    as_of = as_of_date(as_of)
    try:
        if as_of != as_of.strip():
            raise ValueError("surrounding spaces")
        return dt.date.fromisoformat(as_of).isoformat()  # "" is refused here, never the default
    except ValueError as exc:
        raise ConfigError(f"as-of date {as_of!r} is not a date (YYYY-MM-DD)") from exc


@dataclass(frozen=True)
class RunRequest:
    """What one ``sqlscore run`` was asked to do."""

    warehouse: Path
    registry: Registry
    as_of: str
    expectations: Path
    docs_dir: Path
    backfill: bool = False
    #: dbt selectors limiting the build (``sqlscore run --select``); None builds everything
    select: list[str] | None = None
    #: DuckDB's memory_limit for every connection of the run, dbt's and its own
    #: (``SQLSCORE_MEMORY_LIMIT``); None: the profile's for dbt, DuckDB's default for the rest
    memory_limit: str | None = None

    def dbt_invocation(self, run_id: str) -> DbtInvocation:
        """What every dbt command of the run ``run_id`` is given."""
        return DbtInvocation(
            self.warehouse, self.registry, self.as_of, run_id, self.backfill, memory_limit=self.memory_limit
        )

    def duckdb_config(self) -> dict[str, str]:
        """DuckDB's configuration for the run's own connections: its memory limit, as dbt's."""
        return memory_config(self.memory_limit)

    def open_warehouse(self) -> duckdb.DuckDBPyConnection:
        """The run's own connection (its record, the findings, the publish), under the run's
        memory limit as dbt's are: the publish copies every published table into the serving
        file, and at DuckDB's default it cached their pages up to 80% of RAM after a build kept
        within the limit."""
        return open_warehouse(self.warehouse, config=self.duckdb_config())


def run_pipeline(
    warehouse: Path,
    registry: Registry,
    *,
    as_of: str | None = None,
    expectations: Path | None = None,
    docs_dir: Path | None = None,
    backfill: bool = False,
    select: list[str] | None = None,
    fork_gate: bool = False,
    memory_limit: str | None = None,
) -> RunOutcome:
    """Build, gate and publish, holding the run lock throughout; the outcome says how it ended.

    ``backfill`` rescores an as-of date earlier than the newest one scored (frozen otherwise);
    ``select`` (dbt selector syntax) limits the run to some models: only the published tables
    it selects are gated and published, the others stay as they were. ``fork_gate`` True (the
    command line's run, whose process has opened nothing yet) makes the gate's child a fork of
    this process (:mod:`sqlscore.gate.fork`); a caller that may hold a DuckDB database open
    leaves it False, and the gate is a new interpreter. ``memory_limit`` (``2GB``, ``50%``) caps
    DuckDB's memory on every connection of the run (dbt's, the gate's, its own); a value DuckDB
    refuses, or a profile that would not pass it to dbt, stops the run before it starts.
    """
    request = RunRequest(
        warehouse=warehouse,
        registry=registry,
        as_of=parse_as_of(as_of),
        expectations=expectations or expectations_path(),
        docs_dir=docs_dir or warehouse.parent / "gx_docs",
        backfill=backfill,
        select=select or None,
        memory_limit=check_memory_limit(memory_limit, "memory_limit"),
    )
    if request.memory_limit:
        check_profile_passes_memory_limit(request.memory_limit, dbt_project_dir(), profiles_dir())
    # The gate's child first, before this process opens anything (with fork_gate it is a fork
    # of this process); Great Expectations imports in it while dbt builds.
    with GateProcess(fork=fork_gate) as gate, run_lock(warehouse):
        run_id = str(uuid.uuid4())
        say(f"run {run_id}: warehouse {warehouse}, as of {request.as_of}")
        with request.open_warehouse() as con:
            stale = start_run(con, run_id, request.as_of)
        for earlier in stale:
            say(f"    run {earlier} had stopped without finishing: recorded as interrupted")
        try:
            return _run_steps(request, run_id, gate)
        except BaseException as exc:
            _record_failure(request, run_id, exc)
            if isinstance(exc, SqlscoreError):
                return RunOutcome(run_id, ExitCode.ERROR, "failed", str(exc))
            raise


def _record_failure(request: RunRequest, run_id: str, exc: BaseException) -> None:
    """Close the run's record as failed (or interrupted); the next run does it if this cannot."""
    interrupted = isinstance(exc, KeyboardInterrupt)
    message = str(exc) if isinstance(exc, SqlscoreError) else f"{type(exc).__name__}: {exc}"
    try:
        with request.open_warehouse() as con:
            finish_run(con, run_id, "interrupted" if interrupted else "failed", message=message)
    except (SqlscoreError, duckdb.Error) as inner:
        print(
            f"sqlscore: could not record the end of run {run_id} ({inner}); "
            "the next run records it as interrupted",
            file=sys.stderr,
        )


def _run_steps(request: RunRequest, run_id: str, gate: GateProcess) -> RunOutcome:
    """Repair, parse and check the declarations, build, gate, then publish or block."""
    warehouse = request.warehouse
    serving = serving_path(warehouse)
    with request.open_warehouse() as con:
        last = last_published_run(con)
        repaired = recover_serving(con, serving, last)
        if repaired and last is not None:
            add_note(con, last, repaired)
            say(f"    run {last}: {repaired}")
        record_history = not request.backfill and moves_forward(con, run_id, request.as_of)
    remove_scratch(warehouse)

    invocation = request.dbt_invocation(run_id)
    manifest = parse_project(invocation)
    declared = declared_published_tables(manifest, request.expectations)
    say(
        f"1/3 dbt build{' --select ' + ' '.join(request.select) if request.select else ''} "
        "(features, scores, candidates, dbt tests)"
    )
    if not record_history:
        say(
            f"    {request.as_of} is a past date: attribute history is read, not recorded "
            "(snapshots left out)"
        )
    timings: dict[str, float] = {}
    build = run_dbt_build(invocation, manifest, timings, request.select, record_history)
    tables = [table.name for table in declared if table.name in build.selected]
    with request.open_warehouse() as con:
        passed_step(con, run_id, "dbt_built")
        findings = levelled_findings(con, build.findings_tables)
    warnings = [f["description"] for f in findings if f["level"] == "warn"]
    warnings += [f"dbt test warned: {test}" for test in build.warned_tests]
    for warning in warnings:
        say(f"    warning: {warning}")
    pause_at("dbt_built")
    verdicts = _gate(request, tables, timings, gate) if build.ok and tables else []
    report_warning = _write_monitoring_report(warehouse, timings, request.duckdb_config())
    if report_warning:
        say(f"    warning: {report_warning}")
        warnings.append(report_warning)
    with request.open_warehouse() as con:
        passed_step(con, run_id, "gated")
        pause_at("gated")
        common: dict[str, Any] = {
            "rows_scored": _rows_scored(con, build.scoring_relations, run_id),
            "model_versions": _model_versions(con),
            "timings": timings,
            "warnings": warnings,
        }
        if build.ok and all(v.success for v in verdicts):
            return _publish(con, serving, run_id, tables, verdicts, timings, common)
        return _block(con, run_id, tables, build, findings, verdicts, timings, common)


def _gate(
    request: RunRequest, tables: list[str], timings: dict[str, float], gate: GateProcess
) -> list[TableVerdict]:
    """Validate the candidates with the Great Expectations suites; print each verdict."""
    say(f"2/3 gate: Great Expectations suites from {request.expectations} on candidate tables")
    started = time.perf_counter()
    verdicts = gate.validate(
        request.warehouse, tables, request.expectations, request.docs_dir, request.memory_limit
    )
    timings["gate"] = time.perf_counter() - started
    for line in verdict_lines(verdicts):
        print(line, flush=True)  # the verdicts come before the publish step, in the log too
    if localize_data_docs(request.docs_dir, ASSETS_DIR) == 0 and not ASSETS_DIR.is_dir():
        say(f"    warning: Data Docs load their scripts from CDNs ({ASSETS_DIR} missing: make setup)")
    say(f"    Data Docs: {request.docs_dir / 'index.html'}")
    return verdicts


def _write_monitoring_report(
    warehouse: Path, timings: dict[str, float], config: dict[str, str] | None = None
) -> str | None:
    """Write the monitoring report beside the warehouse and print its path; a warning if it fails.

    Written after the gate, published or blocked: a blocked run's page shows the drift that
    blocked it. The page is for people, not a gate: any failure to draw it (a monitoring table
    another version of the project shaped differently, a full disk) is a warning on the run,
    never its failure. ``config``: DuckDB's for the report's read-only connection (the run's
    memory limit).
    """
    from sqlscore.monitoring.report import default_report_path, write_report

    out = default_report_path(warehouse)
    started = time.perf_counter()
    try:
        write_report(warehouse, out, config)
    except Exception as exc:  # noqa: BLE001 - a report never fails the run it describes
        return f"the monitoring report {out} could not be written ({type(exc).__name__}: {exc})"
    finally:
        timings["report"] = time.perf_counter() - started
    say(f"    Monitoring report: {out}")
    return None


def _publish(
    con: duckdb.DuckDBPyConnection,
    serving: Path,
    run_id: str,
    tables: list[str],
    verdicts: list[TableVerdict],
    timings: dict[str, float],
    common: dict[str, Any],
) -> RunOutcome:
    """Stage the serving copy, commit published.* with the run's record, then swap the serving file.

    The serving copy holds every published table: this run's from its candidates, the others
    (left out by ``--select``) as they are published.
    """
    say("3/3 publish: the serving copy staged, published.* committed with the run's record, then swapped in")
    started = time.perf_counter()
    sources = {table: f"{PUBLISHED_SCHEMA}.{table}" for table in published_table_names(con)}
    sources.update({table: f"{CANDIDATE_SCHEMA}.{table}" for table in tables})
    staged = stage_serving_copy(con, serving, sources, run_id)
    passed_step(con, run_id, "serving_staged")
    pause_at("serving_staged")

    def record(rows: dict[str, int]) -> None:
        finish_run(con, run_id, "published", rows_published=rows, step="published", **common)

    rows = publish_candidates(con, tables, record)
    pause_at("published")
    try:
        swap_serving_copy(staged, serving)
    except PublishError as exc:
        add_note(con, run_id, str(exc))
        return RunOutcome(run_id, ExitCode.ERROR, "published", str(exc), verdicts, rows, timings=timings)
    passed_step(con, run_id, "serving_swapped")
    timings["publish"] = time.perf_counter() - started
    con.execute(f"update {RUNS_TABLE} set timings = ? where run_id = ?", [json.dumps(timings), run_id])
    published = (
        ", ".join(f"{table} ({count} rows)" for table, count in rows.items()) or "no table (none selected)"
    )
    return RunOutcome(
        run_id,
        ExitCode.OK,
        "published",
        f"{published}; serving file {serving}",
        verdicts,
        rows,
        timings=timings,
    )


def _block(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    tables: list[str],
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
                # a drift block also says what, where and against which threshold, as fields
                **{k: f[k] for k in DRIFT_FIELDS if k in f},
            }
            for f in blocking
        ]
        reasons.insert(0, f"dbt tests failed: {failed}")
        reasons[1:1] = [f["description"] for f in blocking]
        unbuilt = [t for t in tables if t not in build.built]
        if unbuilt:
            reasons.append(f"dbt stopped before building {', '.join(unbuilt)} (nothing to quarantine)")
    kept = quarantine_candidates(con, tables, run_id, build.built)
    message = "; ".join(reasons) + "; consumers keep the last good version"
    finish_run(
        con, run_id, "blocked", failed_expectations=failures, quarantined=kept, message=message, **common
    )
    return RunOutcome(
        run_id, ExitCode.BLOCKED, "blocked", message, verdicts, quarantined=kept, timings=timings
    )
