"""The scheduled job at scale, timed in its own process (``sqlscore bench --dbt N``).

It is ``sqlscore run`` itself on demo data with N customers and an empty scoring
history: dbt build (features, scores, candidates, tests), the gate and the
publish, with each step's seconds, so the gate can be compared with the scoring
it audits. Nothing is loaded into Python but the run's bookkeeping.
"""

from __future__ import annotations

import time
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
        for schema in ("scoring", "candidate", "published", "quarantine"):
            con.execute(f"drop schema if exists {schema} cascade")
    return warehouse


def run_scheduled_job(folder: Path, customers: int, registry: Path) -> tuple[float, dict[str, float]]:
    """Seconds of the whole ``sqlscore run`` and its per-step timings."""
    from sqlscore.pipeline.steps import run_pipeline
    from sqlscore.settings import ExitCode

    warehouse = prepare_dbt_warehouse(folder, customers)
    start = time.perf_counter()
    outcome = run_pipeline(warehouse, Registry(registry), docs_dir=folder / "gx_docs")
    seconds = time.perf_counter() - start
    if outcome.exit_code != ExitCode.OK:
        raise RuntimeError(f"sqlscore run did not publish: {outcome.status}: {outcome.message}")
    return seconds, outcome.timings
