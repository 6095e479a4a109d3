"""`sqlscore expectations init`: suites written from the dbt contract and the model's card pass on
good candidates, catch bad ones, and are the user's once written."""

from __future__ import annotations

import json
import subprocess

from sqlscore.gate import validate_tables
from tests import prewarmed
from tests.gate.conftest import SQLSCORE, TABLES, Published


def _init(published: Published, *args: str) -> subprocess.CompletedProcess[str]:
    return prewarmed.run(
        [SQLSCORE, "expectations", "init", *args], env=published.env(), cwd=published.root, timeout=300
    )


def test_written_suites_gate_the_demo_tables(published: Published) -> None:
    folder = published.root / "generated"
    for table in TABLES:
        result = _init(published, table, "--expectations", str(folder))
        assert result.returncode == 0, result.stderr
        assert f"wrote {folder / table}.json" in result.stdout
    churn = json.loads((folder / "customer_churn_scores.json").read_text())
    kinds = [e["type"] for e in churn["expectations"]]
    assert kinds[0] == "expect_table_columns_to_match_ordered_list"
    assert churn["expectations"][0]["kwargs"]["column_list"][:2] == ["customer_id", "as_of_date"]
    assert {"column": "customer_id"} in [e["kwargs"] for e in churn["expectations"] if "unique" in e["type"]]
    between = [
        e["kwargs"] for e in churn["expectations"] if e["type"] == "expect_column_values_to_be_between"
    ]
    assert between == [{"column": "churn_probability", "min_value": -1e-6, "max_value": 1 + 1e-6}]
    queries = " ".join(e["kwargs"].get("unexpected_rows_query", "") for e in churn["expectations"])
    assert "intermediate.int_customers_featurized" in queries and "predict_churn" in queries

    result = published.run("--expectations", str(folder))  # the run gates with them
    assert result.returncode == 0, result.stdout[-3000:]
    assert "customer_churn_scores: passed (8 expectations)" in result.stdout

    published.execute(
        "delete from candidate.customer_churn_scores where customer_id % 50 = 0",
        "update candidate.loan_application_risk_scores set model_version = 99 where application_id % 7 = 0",
    )
    verdicts = {v.table: v for v in validate_tables(published.warehouse, list(TABLES), folder)}
    assert [f.description for f in verdicts["customer_churn_scores"].failures] == [
        "Row count equals the scored input (intermediate.int_customers_featurized)."
    ]
    assert [f.description for f in verdicts["loan_application_risk_scores"].failures] == [
        "Provenance matches the model version predict_risk is bound to."
    ]

    kept = _init(published, "customer_churn_scores", "--expectations", str(folder))
    assert kept.returncode == 2 and "exists (it is yours now); pass --force" in kept.stderr


def test_only_a_declared_published_model_gets_a_suite(published: Published) -> None:
    result = _init(published, "churn_scores", "--expectations", str(published.root / "generated"))
    assert result.returncode == 2
    assert "dbt model churn_scores is not declared published" in result.stderr
    missing = _init(published, "no_such_model", "--expectations", str(published.root / "generated"))
    assert missing.returncode == 2 and "no dbt model named no_such_model" in missing.stderr
