"""The gate on Spark: the suites of ``expectations/`` run by Great Expectations' Spark engine before
publication; a poisoned candidate is blocked, ``published.*`` stays exactly as it was, and the run's
row in ``ops.sqlscore_runs`` says why. The suites' DuckDB SQL, translated for Spark, finds the same
figures DuckDB finds on the same rows."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
import pytest

from sqlscore.gate.gx_spark import validate_on_spark
from sqlscore.pipeline.steps import RunOutcome
from sqlscore.settings import ExitCode
from sqlscore.spark.pipeline import SparkRunRequest, run_on_spark
from tests.spark.conftest import SparkSite, published_state

#: tens of seconds each: scheduled first, so that both test workers finish together
pytestmark = pytest.mark.heavy

EXPECTATIONS = Path(__file__).resolve().parents[2] / "expectations"
FEATURES = "intermediate.int_customers_featurized"


def test_a_poisoned_candidate_is_blocked_and_published_stays_as_it_was(
    spark_site: SparkSite, onnx_run: RunOutcome
) -> None:
    """50 customers' feature rows twice: the mart built by the real run has duplicate keys."""
    assert onnx_run.exit_code == ExitCode.OK, onnx_run.message
    spark = spark_site.spark
    before = published_state(spark_site)
    spark.sql(f"create table intermediate.features_backup using parquet as select * from {FEATURES}")
    try:
        spark.sql(f"insert into {FEATURES} select * from intermediate.features_backup limit 50")
        outcome = run_on_spark(
            SparkRunRequest(
                spark_site.target, spark_site.registry, engine="onnx", select=["customer_churn_scores"]
            )
        )
    finally:
        spark.sql(f"insert overwrite table {FEATURES} select * from intermediate.features_backup")
        spark.sql("drop table intermediate.features_backup")
    assert outcome.exit_code == ExitCode.BLOCKED, outcome.message
    assert "customer_churn_scores: " in outcome.message and "expectations failed" in outcome.message
    assert published_state(spark_site) == before
    record = spark.sql(
        f"select status, exit_code, failed_expectations, message from ops.sqlscore_runs "
        f"where run_id = '{outcome.run_id}'"
    ).collect()
    assert len(record) == 1 and record[0].status == "blocked" and record[0].exit_code == 1
    failed = json.loads(record[0].failed_expectations)
    unique = [f for f in failed if f["expectation"] == "expect_column_values_to_be_unique"]
    assert unique and unique[0]["table"] == "customer_churn_scores", failed
    assert record[0].message == outcome.message


def test_the_translated_sql_expectations_find_duckdbs_figures(
    spark_site: SparkSite, onnx_run: RunOutcome, tmp_path: Path
) -> None:
    """Scores squeezed to a third: the distribution checks fail on both engines with the same observed
    figures (PSI; mean, median, p90), read from the same model card; the others pass on both."""
    assert onnx_run.exit_code == ExitCode.OK, onnx_run.message
    table = "customer_churn_scores"
    poison = f"select * replace (churn_probability / 3 as churn_probability) from published.{table}"
    frame = spark_site.spark.table(f"published.{table}")
    squeezed = frame.withColumn("churn_probability", frame["churn_probability"] / 3)
    squeezed.write.mode("overwrite").format("parquet").saveAsTable(f"candidate.{table}")
    verdict = validate_on_spark(spark_site.spark, [table], EXPECTATIONS)[0]
    assert not verdict.success
    failed = {f.description: f.observed for f in verdict.failures}
    scratch = tmp_path / "duckdb.duckdb"
    shutil.copy(spark_site.warehouse, scratch)
    suite = json.loads((EXPECTATIONS / f"{table}.json").read_text())
    with duckdb.connect(str(scratch)) as con:
        con.execute(f"create or replace table candidate.{table} as {poison}")
        for expectation in suite["expectations"]:
            if expectation["type"] != "unexpected_rows_expectation":
                continue
            query = expectation["kwargs"]["unexpected_rows_query"].replace("{batch}", f"candidate.{table}")
            relation = con.sql(query).limit(5)
            expected = [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]
            observed = failed.get(expectation["kwargs"]["description"], [])
            key = lambda row: json.dumps(row, sort_keys=True, default=str)  # noqa: E731
            assert sorted(map(key, observed)) == sorted(map(key, expected)), expectation["kwargs"][
                "description"
            ]
    # the PSI and the mean/median/p90 checks (the deciles were not touched)
    assert len(failed) == 2 and all(isinstance(rows, list) and rows for rows in failed.values()), failed
