"""``sqlscore demo-data``: realistic, dirty, deterministic raw tables in the warehouse.

All generation runs as DuckDB SQL (``generate.sql``) so that ten million
customers take minutes; randomness is a hash of (entity id, seed, stream), so
a seed gives the same tables on any machine and any thread count (all but
``_loaded_at``, the time the rows were written, which the freshness checks read).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import duckdb

from sqlscore.errors import DemoDataError

RAW_TABLES = ("customers", "usage_events", "support_tickets", "churn_labels", "loan_applications")


@dataclass(frozen=True)
class DemoDataSummary:
    rows: dict[str, int]
    seconds: float


def demo_sql(customers: int, seed: int) -> str:
    """The generation script with its parameters filled in (all integers, validated)."""
    if customers < 1 or customers > 200_000_000:
        raise DemoDataError(f"--customers must be between 1 and 200,000,000, got {customers}")
    if seed < 0 or seed > 2**31:
        raise DemoDataError(f"--seed must be between 0 and 2**31, got {seed}")
    template = files("sqlscore.tools.demo").joinpath("generate.sql").read_text()
    return template.format(customers=int(customers), seed=int(seed), applications=max(1, customers // 2))


def generate(warehouse: Path, customers: int = 50_000, seed: int = 42) -> DemoDataSummary:
    """(Re)create the ``raw`` schema tables in ``warehouse``."""
    sql = demo_sql(customers, seed)
    start = time.perf_counter()
    try:
        with duckdb.connect(str(warehouse)) as con:
            con.execute("begin transaction")
            con.execute(sql)
            con.execute("commit")
            rows = {t: int(con.execute(f"select count(*) from raw.{t}").fetchall()[0][0]) for t in RAW_TABLES}
    except duckdb.Error as exc:
        raise DemoDataError(f"could not write demo data into {warehouse}: {exc}") from exc
    return DemoDataSummary(rows=rows, seconds=time.perf_counter() - start)
