"""Demo data: deterministic for a seed, dirty in the documented ways, learnable labels."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from sqlscore.errors import DemoDataError
from sqlscore.tools.demo.data import RAW_TABLES, generate


def _digest(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {
            # every column but the load time, which is when the row was written, not data
            t: int(
                con.execute(
                    f"select count(*) + coalesce(sum(hash(r)), 0) from (select * exclude (_loaded_at) from raw.{t}) r"
                ).fetchone()[0]  # type: ignore[index]
            )
            for t in RAW_TABLES
        }


def test_same_seed_same_data_different_seed_different_data(tmp_path: Path) -> None:
    generate(tmp_path / "a.duckdb", customers=3000, seed=11)
    generate(tmp_path / "b.duckdb", customers=3000, seed=11)
    generate(tmp_path / "c.duckdb", customers=3000, seed=12)
    assert _digest(tmp_path / "a.duckdb") == _digest(tmp_path / "b.duckdb")
    differing = {
        t for t in RAW_TABLES if _digest(tmp_path / "a.duckdb")[t] != _digest(tmp_path / "c.duckdb")[t]
    }
    assert differing == set(RAW_TABLES)


def test_realistic_dirt_and_label_rates(demo_env: tuple[Path, object]) -> None:
    warehouse, _ = demo_env
    with duckdb.connect(str(warehouse), read_only=True) as con:
        nulls = con.execute(
            "select count(*) filter (where plan is null), count(*) filter (where payment_method is null),"
            " count(*) filter (where monthly_charges is null), max(monthly_charges) from raw.customers"
        ).fetchone()
        churn_rate = con.execute("select avg(churned::int) from raw.churn_labels").fetchone()[0]  # type: ignore[index]
        default_rate, unlabelled = con.execute(
            "select avg(defaulted::int), count(*) filter (where defaulted is null) from raw.loan_applications"
        ).fetchone()  # type: ignore[misc]
    assert nulls is not None and all(n > 0 for n in nulls[:3])
    assert nulls[3] > 500  # outliers
    assert 0.05 < churn_rate < 0.35
    assert 0.03 < default_rate < 0.3
    assert unlabelled > 0  # recent applications have no outcome yet


@pytest.mark.parametrize("customers,seed", [(0, 1), (10, -1)])
def test_bad_parameters(tmp_path: Path, customers: int, seed: int) -> None:
    with pytest.raises(DemoDataError):
        generate(tmp_path / "x.duckdb", customers=customers, seed=seed)
