"""``sqlscore run --target spark``: register, build, gate, publish, in one Spark session.

The steps of the DuckDB run, on Spark: the session starts (Java and the master checked first,
each failure an error naming what to fix), every declared function is registered in it, dbt
builds the same project with ``--target spark`` (monitoring tables included), the project's
drift tests judge those tables (:mod:`.drift_gate`), the gate runs the suites of
``expectations/`` against every ``candidate.<table>`` with Great Expectations' Spark engine
(:mod:`sqlscore.gate.gx_spark`), and only a build without error whose candidates all passed and
whose drift did not block moves each ``published.<table>`` to a new version (:mod:`.publish`).
A failed expectation or a drift block is exit 1 (blocked), a gate that cannot run exit 2; either
way, and on any failure before the publish, every published view stays as it was. Each run that
got a session appends its row (status, failed expectations, warnings, message) to
``ops.sqlscore_runs`` in Spark (:mod:`.run_record`).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlscore.errors import SqlscoreError
from sqlscore.gate.gx_run import TableVerdict, expectations_path
from sqlscore.pipeline.lock import run_lock
from sqlscore.pipeline.steps import RunOutcome, parse_as_of, say, verdict_lines
from sqlscore.registry import Registry
from sqlscore.settings import ExitCode
from sqlscore.spark.dbt_build import SparkDbtInvocation, run_dbt_on_spark
from sqlscore.spark.drift_gate import DRIFT_TABLE, DriftGate, run_drift_gate_on_spark
from sqlscore.spark.functions import register_functions
from sqlscore.spark.publish import publish_table
from sqlscore.spark.session import SparkTarget, start_session

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


@dataclass(frozen=True)
class SparkRunRequest:
    """What one ``sqlscore run --target spark`` was asked to do."""

    target: SparkTarget
    registry: Registry
    as_of: str | None = None
    select: list[str] | None = None
    #: engine of the functions whose declaration names none (None: udfs/functions.yml's default)
    engine: str | None = None
    #: versions of each published table kept (the newest; the view reads one of them)
    keep_versions: int = 3
    #: the folder of the suites (None: SQLSCORE_EXPECTATIONS, else the project's expectations/)
    expectations: Path | None = None
    run_id: str = field(default_factory=lambda: str(uuid.uuid4()))


def published_models(manifest_path: Path, built: set[str]) -> list[str]:
    """The models the project declares published (meta.sqlscore.publish) that this build built."""
    manifest = json.loads(manifest_path.read_text())
    names = [
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model"
        and ((node["config"].get("meta") or {}).get("sqlscore") or {}).get("publish")
    ]
    return sorted(name for name in names if name in built)


def _declared(node: dict[str, Any]) -> dict[str, Any]:
    return dict((node["config"].get("meta") or {}).get("sqlscore") or {})


def run_on_spark(request: SparkRunRequest) -> RunOutcome:
    """The whole run; never raises a :class:`SqlscoreError` (it becomes exit 2)."""
    run_id = request.run_id
    started_at = datetime.now(UTC)
    try:
        request.target.warehouse_dir.mkdir(parents=True, exist_ok=True)
        with run_lock(request.target.warehouse_dir / "spark"):
            outcome = _steps(request, run_id)
    except SqlscoreError as exc:
        outcome = RunOutcome(run_id, ExitCode.ERROR, "failed", str(exc))
    _record(outcome, request.as_of, started_at)
    return outcome


def _record(outcome: RunOutcome, as_of: str | None, started_at: datetime) -> None:
    """The run's row in ``ops.sqlscore_runs``, when a session started (else nothing to write to)."""
    from pyspark.sql import SparkSession

    from sqlscore.spark.run_record import record_run

    spark = SparkSession.getActiveSession()
    if spark is None:
        return
    try:
        record_run(spark, outcome, as_of, started_at)
    except Exception as exc:  # noqa: BLE001 - the record never changes the run's outcome
        say(f"warning: the run record could not be written to Spark ({type(exc).__name__}: {exc})")


def _steps(request: SparkRunRequest, run_id: str) -> RunOutcome:
    as_of = parse_as_of(request.as_of)
    target = request.target
    timings: dict[str, float] = {}
    say(f"run {run_id}: Spark {target.master}, warehouse {target.warehouse_dir}, as of {as_of}")
    started = time.perf_counter()
    spark = start_session(target)
    timings["spark_start"] = time.perf_counter() - started
    bindings = register_functions(spark, request.registry, engine=request.engine)
    say("    functions: " + ", ".join(f"{n} ({b[1].ref}, {b[2]})" for n, b in sorted(bindings.bound.items())))
    invocation = SparkDbtInvocation(
        target.master,
        target.warehouse_dir,
        request.registry,
        as_of,
        run_id,
        scoring_engine=request.engine,
    )
    say(f"1/3 dbt build --target spark{' --select ' + ' '.join(request.select) if request.select else ''}")
    build = run_dbt_on_spark(invocation, request.select)
    timings["dbt_build"] = build.seconds
    if build.errors:
        return RunOutcome(
            run_id,
            ExitCode.ERROR,
            "failed",
            "dbt build on Spark failed (nothing published): " + "; ".join(build.errors),
            timings=timings,
        )
    drift = _drift_gate(spark, invocation, build.built, timings)
    tables = published_models(target.warehouse_dir / "dbt_target" / "manifest.json", build.built)
    verdicts = ([drift.verdict] if drift.verdict else []) + _gate(
        spark, tables, request.expectations, timings
    )
    if not all(verdict.success for verdict in verdicts):
        outcome = _block(run_id, verdicts, tables, timings)
    else:
        outcome = _publish(spark, tables, request.keep_versions, run_id, timings, verdicts)
    return replace(outcome, warnings=drift.warnings)


def _drift_gate(
    spark: SparkSession, invocation: SparkDbtInvocation, built: set[str], timings: dict[str, float]
) -> DriftGate:
    """The drift tests on the monitoring tables the build wrote; their warnings said here."""
    started = time.perf_counter()
    drift = run_drift_gate_on_spark(spark, invocation, built)
    timings["drift_gate"] = time.perf_counter() - started
    if drift.verdict is not None:
        verdict = "passed" if drift.verdict.success else "BLOCKED"
        say(f"    drift gate: {verdict} ({drift.verdict.evaluated} dbt tests)")
    for warning in drift.warnings:
        say(f"    warning: {warning}")
    return drift


def _gate(
    spark: SparkSession, tables: list[str], expectations: Path | None, timings: dict[str, float]
) -> list[TableVerdict]:
    """The suites against the candidates on Spark; a gate that cannot run raises (exit 2)."""
    from sqlscore.gate.gx_spark import validate_on_spark

    say(f"2/3 gate: Great Expectations on Spark ({', '.join(tables) or 'no table'})")
    started = time.perf_counter()
    verdicts = validate_on_spark(spark, tables, expectations_path(expectations)) if tables else []
    timings["gate"] = time.perf_counter() - started
    for line in verdict_lines(verdicts):
        print(line, flush=True)
    return verdicts


def _block(
    run_id: str, verdicts: list[TableVerdict], tables: list[str], timings: dict[str, float]
) -> RunOutcome:
    """Exit 1: the published views are not touched; the candidates stay for inspection (the
    failed tables', or every candidate of the run when drift blocked it)."""
    failed = [v for v in verdicts if not v.success]
    drifted = any(v.table == DRIFT_TABLE for v in failed)
    # a drift block says what drifted, where and past which threshold; a suite, how many failed
    reasons = [
        reason
        for v in failed
        for reason in (
            [f.description for f in v.failures]
            if v.table == DRIFT_TABLE
            else [f"{v.table}: {len(v.failures)} of {v.evaluated} expectations failed"]
        )
    ]
    message = "; ".join(reasons) + " on Spark; consumers keep the last good version"
    return RunOutcome(
        run_id,
        ExitCode.BLOCKED,
        "blocked",
        message,
        verdicts,
        quarantined=[f"candidate.{t}" for t in tables if drifted or t in {v.table for v in failed}],
        timings=timings,
    )


def _publish(
    spark: SparkSession,
    tables: list[str],
    keep: int,
    run_id: str,
    timings: dict[str, float],
    verdicts: list[TableVerdict],
) -> RunOutcome:
    say("3/3 publish: published.<table> views moved to the new versions")
    started = time.perf_counter()
    rows: dict[str, int] = {}
    for table in tables:
        version = publish_table(spark, table, keep)
        rows[table] = spark.table(f"published.{version}").count()
        say(f"    published.{table} -> {version} ({rows[table]:,} rows)")
    timings["publish"] = time.perf_counter() - started
    return RunOutcome(
        run_id,
        ExitCode.OK,
        "published",
        f"published {', '.join(tables) or 'nothing'} on Spark (gate passed)",
        verdicts,
        rows_published=rows,
        timings=timings,
    )
