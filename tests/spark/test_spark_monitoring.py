"""The monitoring models on Spark: the same dbt models, the same figures as DuckDB's, the same
drift gate.

The DuckDB site's ``sqlscore run`` (``tests/gate``'s ``published_source``) built every monitoring
table on the same raw rows; the full Spark run (``onnx_run``) builds them again with Spark SQL (the
differences in dispatched macros: lists and structs, lateral views, raise_error, partitions
instead of delete+insert). Each figure must equal DuckDB's to 1e-9 and each text column exactly.
Then a run whose score drift crosses its thresholds is blocked, as on DuckDB
(tests/gate/test_drift_gate.py); it puts the table it rebuilt back as the shared run left it,
since pytest-xdist may run the comparisons after it on the same worker.
"""

from __future__ import annotations

import json
import math
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sqlscore.pipeline.steps import RunOutcome
from sqlscore.settings import ExitCode
from sqlscore.spark.pipeline import SparkRunRequest, run_on_spark
from tests.spark.conftest import TABLES as PUBLISHED
from tests.spark.conftest import SparkSite, published_state

REPO = Path(__file__).resolve().parents[2]

#: tens of seconds each: scheduled first, so that both test workers finish together
pytestmark = pytest.mark.heavy

#: each monitoring table's key (a row per key)
TABLES = {
    "prediction_drift": ["model_name", "model_version", "as_of_date", "segment_by", "segment"],
    "feature_drift": ["model_name", "model_version", "as_of_date", "feature", "segment_by", "segment"],
    "model_performance": ["model_name", "model_version", "as_of_date", "kind", "segment_by", "segment"],
}
TOLERANCE = 1e-9


def _spark_rows(site: SparkSite, table: str) -> list[dict[str, Any]]:
    return [_plain(row) for row in site.spark.sql(f"select * from monitoring.{table}").collect()]


def _duckdb_rows(site: SparkSite, table: str) -> list[dict[str, Any]]:
    with duckdb.connect(str(site.warehouse), read_only=True) as con:
        result = con.sql(f"select * from monitoring.{table}")
        return [_plain(dict(zip(result.columns, row, strict=True))) for row in result.fetchall()]


def _plain(value: Any) -> Any:
    """A value as plain Python: structs (Spark's Row, DuckDB's dict) as dicts, lists as lists."""
    if hasattr(value, "asDict"):
        return {key: _plain(item) for key, item in value.asDict().items()}
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value


def _differences(spark: Any, duckdb_value: Any, where: str) -> list[str]:
    """Where two plain cells differ: numbers by more than TOLERANCE, anything else at all."""
    if isinstance(spark, dict) and isinstance(duckdb_value, dict) and spark.keys() == duckdb_value.keys():
        return [d for key in spark for d in _differences(spark[key], duckdb_value[key], f"{where}.{key}")]
    if isinstance(spark, list) and isinstance(duckdb_value, list) and len(spark) == len(duckdb_value):
        return [
            d
            for k, (a, b) in enumerate(zip(spark, duckdb_value, strict=True))
            for d in _differences(a, b, f"{where}[{k}]")
        ]
    numbers = (int, float)
    if isinstance(spark, numbers) and isinstance(duckdb_value, numbers) and not isinstance(spark, bool):
        same = abs(spark - duckdb_value) <= TOLERANCE or (math.isnan(spark) and math.isnan(duckdb_value))
        return [] if same else [f"{where}: {spark!r} != {duckdb_value!r}"]
    return [] if str(spark) == str(duckdb_value) else [f"{where}: {spark!r} != {duckdb_value!r}"]


@pytest.mark.parametrize("table", sorted(TABLES))
def test_spark_monitoring_table_equals_duckdb(
    spark_site: SparkSite, onnx_run: RunOutcome, table: str
) -> None:
    """Every row, every column: figures within 1e-9 (inside lists and structs too), the rest equal."""
    assert onnx_run.exit_code == ExitCode.OK, onnx_run.message
    keys = TABLES[table]
    spark = sorted(_spark_rows(spark_site, table), key=lambda row: [row[k] for k in keys])
    expected = sorted(_duckdb_rows(spark_site, table), key=lambda row: [row[k] for k in keys])
    assert len(expected) > 0
    assert len(spark) == len(expected), f"{table}: {len(spark)} rows on Spark, {len(expected)} on DuckDB"
    assert {row["run_id"] for row in spark} == {onnx_run.run_id}
    for row in [*spark, *expected]:
        row.pop("run_id")
    assert _differences(spark, expected, table) == []


def test_labels_given_twice_stop_a_read_of_the_labelled_view_naming_the_table(
    spark_site: SparkSite, onnx_run: RunOutcome
) -> None:
    """The duplicated-key guard (raise_error on Spark) names the table and the key, as on DuckDB;
    the raw labels are put back after."""
    assert onnx_run.exit_code == ExitCode.OK, onnx_run.message
    spark = spark_site.spark
    spark.sql("create table raw.churn_labels_backup using parquet as select * from raw.churn_labels")
    try:
        spark.sql("insert into raw.churn_labels select * from raw.churn_labels_backup limit 1")
        repeated = (
            r"sqlscore: the labels in raw\.churn_labels \(stg_telecom__churn_labels\) repeat the key "
            r"\(customer_id, label_month\): 1 key\(s\) given more than once, e\.g\. \(\d+, 20\d\d-\d\d-01\)"
        )
        with pytest.raises(Exception, match=repeated):
            spark.sql("select count(label) from monitoring.churn_scores_labelled").collect()
    finally:
        spark.sql("insert overwrite table raw.churn_labels select * from raw.churn_labels_backup")
        spark.sql("drop table raw.churn_labels_backup")
    # put back, the view reads again (its labels are the month after the as-of date: none yet)
    assert spark.sql("select count(*) from monitoring.churn_scores_labelled").collect()[0][0] > 0


def test_a_drift_past_the_block_threshold_blocks_the_spark_run(
    spark_site: SparkSite, onnx_run: RunOutcome, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same rows judged against a churn PSI threshold they cross (a per-model override in a
    copy of the project): exit 1, every published view as it was, the record naming the drift;
    risk's PSI past its (overridden) warn threshold is a warning the record keeps.

    The run rebuilds prediction_drift alone of the monitoring models: the score's PSI is the
    figure this test judges, and the drift gate is one dbt test on every monitoring table
    (tests/gate/test_drift_gate.py blocks on features and an AUC drop on DuckDB; the comparisons
    above check every table's statuses on Spark). With the other two this test took 79 s of a
    profiled suite, most of it the Spark stages of those two queries (about 140 for
    feature_drift's alone on these few thousand rows)."""
    assert onnx_run.exit_code == ExitCode.OK, onnx_run.message
    project = tmp_path / "dbt_project"
    shutil.copytree(REPO / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
    config = project / "dbt_project.yml"
    assert config.read_text().count("    models: {}\n") == 1
    # churn's PSI blocks past 0.0001; risk's only warns past it
    override = (
        "    models: {churn: {psi: {warn: 0.0001, block: 0.0001}}, "
        "risk: {psi: {warn: 0.0001, block: 100.0}}}\n"
    )
    config.write_text(config.read_text().replace("    models: {}\n", override))
    monkeypatch.setenv("SQLSCORE_DBT_PROJECT", str(project))
    monkeypatch.setenv("SQLSCORE_PROFILES_DIR", str(REPO))
    before = published_state(spark_site)
    spark = spark_site.spark
    # the score's drift and the published marts (the scores they read are the shared run's); the
    # table put back after, since this run writes its thresholds' statuses there
    rebuilt = "prediction_drift"
    spark.sql(f"create table monitoring.{rebuilt}_backup using parquet as select * from monitoring.{rebuilt}")
    try:
        outcome = run_on_spark(
            SparkRunRequest(
                spark_site.target, spark_site.registry, engine="onnx", select=[rebuilt, *PUBLISHED]
            )
        )
    finally:  # every row of the backup, so every partition is overwritten
        spark.sql(f"insert overwrite table monitoring.{rebuilt} select * from monitoring.{rebuilt}_backup")
        spark.sql(f"drop table monitoring.{rebuilt}_backup")
    assert outcome.exit_code == ExitCode.BLOCKED, outcome.message
    assert "drift: model churn version 1, as of 2026-10-31, score: psi 0." in outcome.message
    assert "above the block threshold 0.0001 (blocked: promote a better version" in outcome.message
    assert "model risk" not in outcome.message  # risk's rows only warn: no reason to block
    assert published_state(spark_site) == before
    assert sorted(outcome.quarantined) == [
        "candidate.customer_churn_scores",
        "candidate.loan_application_risk_scores",
    ]
    record = spark.sql(
        f"select status, exit_code, failed_expectations, warnings from ops.sqlscore_runs "
        f"where run_id = '{outcome.run_id}'"
    ).collect()
    assert [(row.status, row.exit_code) for row in record] == [("blocked", 1)]
    drift = [f for f in json.loads(record[0].failed_expectations) if f["table"] == "drift"]
    assert drift and {f["expectation"] for f in drift} == {"psi"}
    assert all(f["observed"] > 0.0001 and "model churn version 1" in f["description"] for f in drift)
    warnings = json.loads(record[0].warnings)
    assert warnings and warnings == outcome.warnings
    assert all(w.startswith("drift: model risk version 1, as of 2026-10-31") for w in warnings), warnings
    assert any("score: psi 0." in w and "above the warn threshold 0.0001" in w for w in warnings), warnings
