"""Generated SQL is written under the run's dbt target folder, never into the repository (it uses
the published site of tests/gate/conftest.py, so it lives here rather than in tests/pipeline/)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_run_writes_the_sql_of_sql_engine_functions_under_its_dbt_target(published_source: Path) -> None:
    generated = published_source / "dbt_target" / "sqlscore"
    for dialect in ("duckdb", "postgres", "spark"):
        text = (generated / f"predict_churn_sql.{dialect}.sql").read_text()
        assert text.startswith("-- predict_churn_sql: model churn:1"), text[:200]
    assert "CREATE OR REPLACE FUNCTION" in (generated / "predict_risk_sql.postgres.sql").read_text()
    assert not (REPO / "udfs" / "generated").exists()
