"""The full dbt build at scale, timed in its own process (``sqlscore bench --dbt N``).

dbt runs in-process through ``dbtRunner`` so the worker's peak RSS is dbt's and
DuckDB's; nothing is loaded into Python but the scores' provenance.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlscore.demo.data import generate

REPO_ROOT = Path(__file__).resolve().parents[2]


def prepare_dbt_warehouse(folder: Path, customers: int) -> Path:
    warehouse = folder / f"dbt_{customers}.duckdb"
    if not warehouse.exists():
        generate(warehouse, customers=customers, seed=42)
    return warehouse


def run_dbt_build(folder: Path, customers: int, registry: Path) -> float:
    """Seconds of ``dbt build`` (models and tests) from a warehouse holding only raw data."""
    from dbt.cli.main import dbtRunner

    warehouse = prepare_dbt_warehouse(folder, customers)
    os.environ["SQLSCORE_WAREHOUSE"] = str(warehouse)
    os.environ["SQLSCORE_REGISTRY"] = str(registry)
    os.environ.setdefault("SQLSCORE_UDFS", str(REPO_ROOT / "udfs"))
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    start = time.perf_counter()
    result = dbtRunner().invoke(
        [
            "build", "--project-dir", str(REPO_ROOT / "dbt_project"), "--profiles-dir", str(REPO_ROOT),
            "--target-path", str(folder / "dbt_target"), "--log-path", str(folder / "dbt_logs"), "--quiet",
        ]
    )
    seconds = time.perf_counter() - start
    if not result.success:
        raise RuntimeError(f"dbt build failed: {result.exception}")
    return seconds
