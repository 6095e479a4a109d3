"""README: demo data is "deterministic for a seed whatever the thread count"."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pytest

from sqlscore.tools.demo.data import FEED_TABLES, RAW_TABLES, generate

#: Enough customers for several DuckDB row groups (~120k rows each) in the larger tables, so that
#: 4 threads really split the work where 1 thread does it in order.
CUSTOMERS = 80_000


def _generate_with_threads(
    path: Path,
    threads: int,
    monkeypatch: pytest.MonkeyPatch,
    months: int | None = None,
    customers: int = CUSTOMERS,
) -> None:
    """``generate`` with every DuckDB connection it opens set to ``threads`` threads."""
    real_connect = duckdb.connect
    seen: list[str] = []

    def connect(database: Any = ":memory:", *args: Any, config: dict[str, Any] | None = None, **kw: Any):  # type: ignore[no-untyped-def]
        con = real_connect(database, *args, config={**(config or {}), "threads": threads}, **kw)
        seen.append(con.execute("select current_setting('threads')").fetchall()[0][0])
        return con

    with monkeypatch.context() as patch:
        patch.setattr(duckdb, "connect", connect)
        generate(path, customers=customers, seed=3, months=months)
    assert seen and set(seen) == {threads}


def test_same_seed_same_rows_whatever_the_thread_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    one, four = tmp_path / "one_thread.duckdb", tmp_path / "four_threads.duckdb"
    _generate_with_threads(one, 1, monkeypatch)
    _generate_with_threads(four, 4, monkeypatch)
    with duckdb.connect() as con:
        con.execute(f"attach '{one}' as one (read_only)")
        con.execute(f"attach '{four}' as four (read_only)")
        (usage_rows,) = con.execute("select count(*) from one.raw.usage_events").fetchall()[0]
        assert usage_rows > 3 * 122_880  # several row groups
        for table in RAW_TABLES:
            # every column but the load time, which is when the row was written, not data
            a = f"(select * exclude (_loaded_at) from one.raw.{table})"
            b = f"(select * exclude (_loaded_at) from four.raw.{table})"
            (rows, differing) = con.execute(
                f"select (select count(*) from {a}), "
                f"(select count(*) from ((from {a} except all from {b}) union all (from {b} except all from {a})))"
            ).fetchall()[0]
            assert rows > 0 and differing == 0, (table, rows, differing)


def test_monthly_data_is_the_same_whatever_the_thread_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--months adds parallel aggregates (each customer's first churn month, arg_min) and window
    numbering (ticket ids): the same rows on 1 and 4 threads, feed and raw alike."""
    one, four = tmp_path / "one_thread.duckdb", tmp_path / "four_threads.duckdb"
    _generate_with_threads(one, 1, monkeypatch, months=3, customers=40_000)
    _generate_with_threads(four, 4, monkeypatch, months=3, customers=40_000)
    tables = [f"raw.{t}" for t in RAW_TABLES] + [f"demo_feed.{t}" for t in FEED_TABLES]
    with duckdb.connect() as con:
        con.execute(f"attach '{one}' as one (read_only)")
        con.execute(f"attach '{four}' as four (read_only)")
        (feed_rows,) = con.execute("select count(*) from one.demo_feed.usage_events").fetchall()[0]
        assert feed_rows > 2 * 122_880  # several row groups
        for table in tables:
            a = (
                f"(select * exclude (_loaded_at) from one.{table})"
                if table.startswith("raw.")
                else f"one.{table}"
            )
            b = a.replace("one.", "four.")
            (rows, differing) = con.execute(
                f"select (select count(*) from {a}), "
                f"(select count(*) from ((from {a} except all from {b}) union all (from {b} except all from {a})))"
            ).fetchall()[0]
            assert rows > 0 and differing == 0, (table, rows, differing)
