"""``sqlscore run --target spark`` end to end in local mode: the same dbt project, both engines,
the published scores equal DuckDB's for every row.

The reference is DuckDB on the same raw rows: the features DuckDB's run built, scored in DuckDB
by the onnx function (onnxruntime) and the sql function (the compiled macro). Spark's onnx engine
must agree with DuckDB's onnx engine to 1e-9 (the same onnxruntime, the same graph) and Spark's
sql engine with it to 1e-6 (compiled SQL); both must cover exactly the rows DuckDB published.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from sqlscore.pipeline.steps import RunOutcome
from sqlscore.settings import ExitCode
from sqlscore.spark.drift_gate import DRIFT_TABLE
from sqlscore.spark.pipeline import SparkRunRequest, run_on_spark
from sqlscore.spark.publish import current_version, versions
from sqlscore.spark.session import COMPILE_HUGE_METHODS, HOTSPOT_HUGE_METHOD_BYTES
from tests.spark.conftest import TABLES, SparkSite

#: tens of seconds each: scheduled first, so that both test workers finish together
pytestmark = pytest.mark.heavy


def spark_published(site: SparkSite, table: str) -> pd.DataFrame:
    key, score = TABLES[table][1], TABLES[table][2]
    frame: Any = site.spark.sql(
        f"select {key}, {score} as spark_score, model_version, model_sha256 from published.{table}"
    )
    return frame.toPandas()


def assert_same_rows(
    site: SparkSite, reference: dict[str, pd.DataFrame], against: str, tolerance: float
) -> None:
    """Every Spark published row has DuckDB's key set, and its score within ``tolerance``."""
    for table, expected in reference.items():
        model, key = TABLES[table][0], TABLES[table][1]
        actual = spark_published(site, table)
        assert sorted(actual[key]) == sorted(expected[key]), f"{table}: the keys differ from DuckDB's"
        joined = actual.merge(expected, on=key)
        difference = np.abs(joined["spark_score"].to_numpy() - joined[against].to_numpy())
        assert difference.max() <= tolerance, f"{table}: max |spark - {against}| = {difference.max():.3g}"
        # and to the published DuckDB table (whichever engine DuckDB's run chose) within the SQL bound
        assert np.abs(joined["spark_score"] - joined["duckdb_published"]).max() <= 1e-6
        card = site.registry.resolve(model)
        assert set(actual["model_sha256"]) == {card.sha256} and set(actual["model_version"]) == {
            int(card.version)
        }


def test_onnx_engine_on_spark_publishes_duckdb_scores_to_1e_9(
    spark_site: SparkSite, duckdb_reference: dict[str, pd.DataFrame], onnx_run: RunOutcome
) -> None:
    outcome = onnx_run
    assert outcome.exit_code == ExitCode.OK, outcome.message
    # the drift gate's three dbt tests and every suite ran on Spark and passed before anything
    # was published
    assert {v.table for v in outcome.verdicts} == {DRIFT_TABLE, *TABLES}
    assert all(v.success for v in outcome.verdicts)
    evaluated = {v.table: v.evaluated for v in outcome.verdicts}
    assert evaluated.pop(DRIFT_TABLE) == 3 and all(count >= 11 for count in evaluated.values())
    engines = dict(spark_site.spark.sql("select function_name, engine from main.ml_functions").collect())
    assert engines["predict_churn"] == "onnx" and engines["predict_risk"] == "onnx"
    assert_same_rows(spark_site, duckdb_reference, "duckdb_onnx", 1e-9)
    for table in TABLES:
        assert outcome.rows_published[table] == len(duckdb_reference[table])


def test_sql_engine_on_spark_publishes_duckdb_scores_to_1e_6(
    spark_site: SparkSite, duckdb_reference: dict[str, pd.DataFrame], onnx_run: RunOutcome
) -> None:
    """The compiler's Spark dialect, executed: a temporary SQL function Spark inlines. The features
    are the onnx run's (the same rows): only the scoring models and the marts are built again."""
    select = ["churn_scores", "risk_scores", *TABLES]
    outcome = run_on_spark(
        SparkRunRequest(spark_site.target, spark_site.registry, engine="sql", select=select)
    )
    assert outcome.exit_code == ExitCode.OK, outcome.message
    functions = {row[0] for row in spark_site.spark.sql("show user functions").collect()}
    assert {"predict_churn_sql", "predict_risk_sql"} <= {name.split(".")[-1] for name in functions}
    plan_query = (
        "select predict_churn_sql(tenure_months, plan, region, payment_method, "
        "monthly_charges, avg_minutes_3m, avg_data_gb_3m, avg_sessions_3m, "
        "minutes_trend, tickets_90d, high_severity_tickets_90d) "
        "from intermediate.int_customers_featurized"
    )
    plan = spark_site.spark.sql(plan_query)
    assert "PythonUDF" not in plan._jdf.queryExecution().optimizedPlan().toString()
    # the generated code of a compiled model is a huge method: the JVM (local mode: driver and
    # executor) was started with the option that lets HotSpot JIT-compile it
    runtime = spark_site.spark.sparkContext._jvm.java.lang.management.ManagementFactory.getRuntimeMXBean()
    assert COMPILE_HUGE_METHODS in list(runtime.getInputArguments())
    # and whole-stage code generation would make one method of that query over HotSpot's limit,
    # which the session gives Spark as its own: Spark generates that part of the plan without it,
    # in methods HotSpot compiles like any other
    generated = spark_site.spark.sql(f"explain codegen {plan_query}").collect()[0][0]
    sizes = [int(size) for size in re.findall(r"maxMethodCodeSize:(\d+)", generated)]
    assert sizes and max(sizes) > HOTSPOT_HUGE_METHOD_BYTES, sizes
    assert spark_site.spark.conf.get("spark.sql.codegen.hugeMethodLimit") == str(HOTSPOT_HUGE_METHOD_BYTES)
    assert_same_rows(spark_site, duckdb_reference, "duckdb_onnx", 1e-6)
    assert_same_rows(spark_site, duckdb_reference, "duckdb_sql", 1e-6)
    # both runs' versions are kept behind the views; the view reads the newest
    for table in TABLES:
        kept = versions(spark_site.spark, table)
        assert len(kept) >= 2 and current_version(spark_site.spark, table) == kept[-1]


def test_a_failed_build_publishes_nothing(spark_site: SparkSite) -> None:
    """An as-of date that is no date fails before dbt builds anything: the views stay as they were."""
    before = {table: current_version(spark_site.spark, table) for table in TABLES}
    outcome = run_on_spark(SparkRunRequest(spark_site.target, spark_site.registry, as_of="2026-13-01"))
    assert outcome.exit_code == ExitCode.ERROR and "2026-13-01" in outcome.message
    assert {table: current_version(spark_site.spark, table) for table in TABLES} == before


def test_a_model_file_altered_on_an_executor_fails_the_run_naming_model_and_version(
    spark_site: SparkSite,
) -> None:
    """The executors' copy of the churn model is altered after it was shipped: the scoring task
    fails naming model and version (Spark's retries fail the same way), nothing is published."""
    from pyspark import SparkFiles

    from sqlscore.spark.functions import register_functions
    from sqlscore.spark.onnx_udf import shipped_name

    register_functions(spark_site.spark, spark_site.registry, engine="onnx")
    card = spark_site.registry.resolve("churn")
    shipped = Path(SparkFiles.get(shipped_name(card)))
    original = shipped.read_bytes()
    before = {table: current_version(spark_site.spark, table) for table in TABLES}
    try:
        shipped.write_bytes(original[:-64] + bytes(64))
        outcome = run_on_spark(
            SparkRunRequest(
                spark_site.target,
                spark_site.registry,
                engine="onnx",
                # its inputs built here too: under pytest-xdist this test may run first on its
                # worker's session, before any other test has built the intermediate models
                select=["+churn_scores", "customer_churn_scores"],
            )
        )
    finally:
        shipped.write_bytes(original)
    assert outcome.exit_code == ExitCode.ERROR
    assert f"model {card.ref}: the ONNX file this executor received" in outcome.message, outcome.message
    assert f"its card says {card.sha256}" in outcome.message
    assert {table: current_version(spark_site.spark, table) for table in TABLES} == before
