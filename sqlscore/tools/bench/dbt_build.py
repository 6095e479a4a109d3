"""The scheduled job at scale, timed in its own process (``sqlscore bench --dbt N``).

It is ``sqlscore run`` itself on demo data with N customers and an empty scoring
history: dbt build (features, scores, candidates, tests), the gate and the
publish, with each step's seconds, so the gate can be compared with the scoring
it audits. Nothing is loaded into Python but the run's bookkeeping.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from pathlib import Path

import duckdb

from sqlscore.registry import Registry
from sqlscore.tools.demo.data import generate


def prepare_dbt_warehouse(folder: Path, customers: int) -> Path:
    """Raw demo data only: scoring and published tables are dropped so every row is scored."""
    warehouse = folder / f"dbt_{customers}.duckdb"
    if not warehouse.exists():
        generate(warehouse, customers=customers, seed=42)
    with duckdb.connect(str(warehouse)) as con:
        for schema in ("scoring", "candidate", "published", "quarantine", "monitoring"):
            con.execute(f"drop schema if exists {schema} cascade")
    return warehouse


def run_scheduled_job(
    folder: Path, customers: int, registry: Path, memory_limit: str | None = None
) -> tuple[float, dict[str, float]]:
    """Seconds of the whole ``sqlscore run`` (dbt under ``memory_limit``) and its per-step timings."""
    from sqlscore.pipeline.steps import run_pipeline
    from sqlscore.settings import ExitCode

    warehouse = prepare_dbt_warehouse(folder, customers)
    start = time.perf_counter()
    outcome = run_pipeline(
        warehouse, Registry(registry), docs_dir=folder / "gx_docs", memory_limit=memory_limit
    )
    seconds = time.perf_counter() - start
    if outcome.exit_code != ExitCode.OK:
        raise RuntimeError(f"sqlscore run did not publish: {outcome.status}: {outcome.message}")
    return seconds, outcome.timings


#: Top-level model folders whose models make the scoring build (features + scores).
SCORING_FOLDERS = ("staging", "intermediate", "scoring")
#: The monitoring models' folder (and schema).
MONITORING_FOLDER = "monitoring"


def build_models(
    folder: Path, customers: int, registry: Path, monitoring: bool, memory_limit: str | None = None
) -> dict[str, float]:
    """``dbt run`` of the scoring build, with or without the monitoring models, in this process
    (DuckDB under ``memory_limit``, as ``sqlscore run`` with ``SQLSCORE_MEMORY_LIMIT``).

    Runs on the warehouse a scheduled job already built (models, snapshot, ml_models, reference
    bins), after dropping the scoring and monitoring schemas, so every row is scored and every
    monitoring figure computed again for the as-of date. Returns ``wall`` (the whole dbt
    invocation, parse included), ``scoring`` and ``monitoring`` (the seconds during which at
    least one node of the group was running, compile included: dbt's start-up is in neither) and
    ``model:<name>`` (each monitoring model's own compile + execute seconds).

    Busy seconds rather than first start to last finish: the risk view starts as soon as the risk
    scores exist, while the churn scores are still being computed, and a span from there would
    count that scoring as monitoring.
    """
    from dbt.cli.main import dbtRunner

    from sqlscore.pipeline.dbt import DbtInvocation, _release_dbt_connection, parse_project
    from sqlscore.pipeline.steps import parse_as_of

    warehouse = folder / f"dbt_{customers}.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        for schema in ("scoring", MONITORING_FOLDER):
            con.execute(f"drop schema if exists {schema} cascade")
    invocation = DbtInvocation(
        warehouse, Registry(registry), parse_as_of(None), str(uuid.uuid4()), memory_limit=memory_limit
    )
    start = time.perf_counter()
    manifest = parse_project(invocation)
    selection = ["+path:models/scoring"] + ([f"+path:models/{MONITORING_FOLDER}"] if monitoring else [])
    try:
        result = dbtRunner(manifest=manifest).invoke(
            ["run", *invocation.common_args(), "--select", *selection]
        )
    finally:
        _release_dbt_connection()
    wall = time.perf_counter() - start
    results = getattr(result.result, "results", []) or []
    if not result.success:
        failed = [
            f"{r.node.name}: {(r.message or '').strip()[:300]}" for r in results if str(r.status) != "success"
        ]
        raise RuntimeError(f"dbt run failed: {result.exception or '; '.join(failed)}")
    intervals: dict[str, list[tuple[datetime, datetime]]] = {}
    timings = {"wall": wall}
    for node_result in results:
        group = node_result.node.fqn[1]
        group = MONITORING_FOLDER if group == MONITORING_FOLDER else "scoring"
        moments = [m for t in node_result.timing for m in (t.started_at, t.completed_at) if m is not None]
        if not moments:
            continue
        intervals.setdefault(group, []).append((min(moments), max(moments)))
        if group == MONITORING_FOLDER:
            timings[f"model:{node_result.node.name}"] = (max(moments) - min(moments)).total_seconds()
    for group, spans in intervals.items():
        timings[group] = busy_seconds(spans)
    return timings


def busy_seconds(spans: list[tuple[datetime, datetime]]) -> float:
    """Seconds covered by at least one of ``spans`` (overlaps counted once, gaps not at all)."""
    total, reached = 0.0, None
    for start, end in sorted(spans):
        if reached is not None and start < reached:
            start = reached
        if end > start:
            total += (end - start).total_seconds()
        reached = end if reached is None else max(reached, end)
    return total
