"""``sqlscore run --target spark``: register, build, gate, publish, in one Spark session.

The steps of the DuckDB run, on Spark: the session starts (Java and the master checked first,
each failure an error naming what to fix), every declared function is registered in it, dbt
builds the same project with ``--target spark``, and only a build without error moves each
``published.<table>`` to a new version (:mod:`.publish`). Any failure before the publish leaves
every published view as it was. The gate is not run on Spark yet (:data:`UNAUDITED`).
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlscore.errors import SqlscoreError
from sqlscore.pipeline.lock import run_lock
from sqlscore.pipeline.steps import RunOutcome, parse_as_of, say
from sqlscore.registry import Registry
from sqlscore.settings import ExitCode
from sqlscore.spark.dbt_build import SparkDbtInvocation, run_dbt_on_spark
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
    try:
        request.target.warehouse_dir.mkdir(parents=True, exist_ok=True)
        with run_lock(request.target.warehouse_dir / "spark"):
            return _steps(request, run_id)
    except SqlscoreError as exc:
        return RunOutcome(run_id, ExitCode.ERROR, "failed", str(exc))


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
    tables = published_models(target.warehouse_dir / "dbt_target" / "manifest.json", build.built)
    say(f"2/3 gate: warning: {UNAUDITED}")
    return _publish(spark, tables, request.keep_versions, run_id, timings)


#: Said by every Spark run until the gate runs there (issue 18, point 3): the suites of
#: expectations/ hold DuckDB SQL (information_schema, JSON operators on ml_models.card) that has no
#: Spark translation yet.
UNAUDITED = "the gate does not run on Spark yet: the Spark candidates are published unaudited"


def _publish(
    spark: SparkSession, tables: list[str], keep: int, run_id: str, timings: dict[str, float]
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
        f"published {', '.join(tables) or 'nothing'} on Spark ({UNAUDITED})",
        rows_published=rows,
        timings=timings,
    )
