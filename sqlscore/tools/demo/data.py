"""``sqlscore demo-data``: realistic, dirty, deterministic raw tables in the warehouse.

All generation runs as DuckDB SQL (``generate.sql``) so that ten million
customers take minutes; randomness is a hash of (entity id, seed, stream), so
a seed gives the same tables on any machine and any thread count (all but
``_loaded_at``, the time the rows were written, which the freshness checks read).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path

import duckdb

from sqlscore.errors import DemoDataError

RAW_TABLES = ("customers", "usage_events", "support_tickets", "churn_labels", "loan_applications")
#: ``--months``: the feed the replay loads raw.* from, month by month (see :mod:`.monthly`).
FEED_TABLES = ("customer_months", "usage_events", "support_tickets", "churn_labels")
#: The last as-of date of ``--months`` (the default as-of date of ``sqlscore run``).
LAST_AS_OF = "2026-10-31"
#: Fewer than two months shows no drift; more than two years reaches back before the demo's
#: loan book (and its ticket ids are sized for it).
MONTHS_RANGE = (2, 24)


@dataclass(frozen=True)
class DemoDataSummary:
    rows: dict[str, int]
    seconds: float


def demo_sql(customers: int, seed: int, months: int | None = None) -> str:
    """The generation script with its parameters filled in (all integers, validated).

    Without ``months`` it is ``generate.sql``, one as-of date (the tables every other test and
    the README's figures rest on, left byte-for-byte as they were); with it ``monthly.sql``, a
    separate script, so the monthly scenario can evolve without moving the one-date tables.
    """
    if customers < 1 or customers > 200_000_000:
        raise DemoDataError(f"--customers must be between 1 and 200,000,000, got {customers}")
    if seed < 0 or seed > 2**31:
        raise DemoDataError(f"--seed must be between 0 and 2**31, got {seed}")
    parameters = {"customers": int(customers), "seed": int(seed), "applications": max(1, customers // 2)}
    if months is None:
        return _script("generate.sql").format(**parameters)
    low, high = MONTHS_RANGE
    if not low <= months <= high:
        raise DemoDataError(f"--months must be between {low} and {high}, got {months}")
    return _script("monthly.sql").format(**parameters, months=int(months))


def _script(name: str) -> str:
    """A generator's SQL template after the randomness both share (random.sql)."""
    folder = files("sqlscore.tools.demo")
    return folder.joinpath("random.sql").read_text() + "\n" + folder.joinpath(name).read_text()


def generate(
    warehouse: Path, customers: int = 50_000, seed: int = 42, months: int | None = None
) -> DemoDataSummary:
    """(Re)create the ``raw`` schema tables in ``warehouse``.

    ``months``: monthly snapshots ending 2026-10-31 with the drift scenario of
    :mod:`sqlscore.tools.demo.monthly` (which also documents it): the whole history in schema
    ``demo_feed``, and in ``raw`` what was known on the last month end.
    """
    from sqlscore.tools.demo.monthly import load_rows

    sql = demo_sql(customers, seed, months)
    tables = [f"raw.{t}" for t in RAW_TABLES]
    if months is not None:
        tables += [f"demo_feed.{t}" for t in FEED_TABLES]
    start = time.perf_counter()
    try:
        with duckdb.connect(str(warehouse)) as con:
            con.execute("begin transaction")
            con.execute(sql)
            if months is None:  # a feed left by an earlier --months run would no longer match
                con.execute("drop schema if exists demo_feed cascade")
            else:
                load_rows(con, date.fromisoformat(LAST_AS_OF))
            con.execute("commit")
            rows = {t: int(con.execute(f"select count(*) from {t}").fetchall()[0][0]) for t in tables}
    except duckdb.Error as exc:
        raise DemoDataError(f"could not write demo data into {warehouse}: {exc}") from exc
    return DemoDataSummary(rows=rows, seconds=time.perf_counter() - start)
