"""``ops.sqlscore_runs`` on Spark: a runs table written before runs recorded their warnings takes
a row of today's shape (the column is added, NULL in the old rows)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlscore.pipeline.steps import RunOutcome
from sqlscore.settings import ExitCode
from sqlscore.spark.run_record import RUNS_TABLE, record_run
from tests.spark.conftest import SparkSite

OLD_SCHEMA = (
    "run_id string, target string, as_of_date string, started_at timestamp, ended_at timestamp, "
    "status string, exit_code int, rows_published string, failed_expectations string, quarantined string, "
    "timings string, message string"
)


def test_a_runs_table_without_warnings_gets_the_column(spark_site: SparkSite) -> None:
    spark = spark_site.spark
    spark.sql("create database if not exists ops")
    kept = spark.catalog.tableExists(RUNS_TABLE)
    if kept:  # the runs of the shared session, set aside and put back
        spark.sql(f"alter table {RUNS_TABLE} rename to {RUNS_TABLE}_kept")
    try:
        now = datetime.now(UTC).replace(tzinfo=None)
        old = (
            "old-run",
            "spark",
            "2026-10-31",
            now,
            now,
            "published",
            0,
            "{}",
            "[]",
            "[]",
            "{}",
            "published",
        )
        spark.createDataFrame([old], schema=OLD_SCHEMA).write.format("parquet").saveAsTable(RUNS_TABLE)
        outcome = RunOutcome("new-run", ExitCode.OK, "published", "published", warnings=["drift: a warning"])
        record_run(spark, outcome, "2026-10-31", datetime.now(UTC))
        rows = {row.run_id: row for row in spark.sql(f"select run_id, warnings from {RUNS_TABLE}").collect()}
    finally:
        spark.sql(f"drop table if exists {RUNS_TABLE}")
        if kept:
            spark.sql(f"alter table {RUNS_TABLE}_kept rename to {RUNS_TABLE}")
    assert rows["old-run"].warnings is None
    assert json.loads(rows["new-run"].warnings) == ["drift: a warning"]
