"""The runs table on Spark, ``ops.sqlscore_runs``: one row per finished ``sqlscore run --target spark``.

The DuckDB run writes its row as it goes and updates it (:mod:`sqlscore.warehouse.run_log`);
Parquet tables have no update, so a Spark run appends its row once it has ended, with the same
names for what a reader looks for: status (``published``, ``blocked``, ``failed``), the failed
expectations with what was observed, the rows published, the warnings (the drift gate's), the
message saying why. A run that ends before its session started (no Java, no master) has no
warehouse to write to: its exit code and message are its record.
"""

from __future__ import annotations

import json
from dataclasses import asdict
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from sqlscore.pipeline.steps import RunOutcome

RUNS_DATABASE = "ops"
RUNS_TABLE = f"{RUNS_DATABASE}.sqlscore_runs"
_SCHEMA = (
    "run_id string, target string, as_of_date string, started_at timestamp, ended_at timestamp, "
    "status string, exit_code int, rows_published string, failed_expectations string, quarantined string, "
    "timings string, message string, warnings string"
)


def failed_expectations(outcome: RunOutcome) -> list[dict[str, Any]]:
    """Every failed expectation of the run: table, expectation, description, observed."""
    return [{"table": v.table, **asdict(f)} for v in outcome.verdicts for f in v.failures]


def _add_warnings_column(spark: SparkSession) -> None:
    """A runs table written before runs recorded their warnings gets the column (NULL in its old
    rows), so that appending a row of today's shape does not fail on the table's schema."""
    if not spark.catalog.tableExists(RUNS_TABLE):
        return
    if "warnings" not in {column.name for column in spark.catalog.listColumns(RUNS_TABLE)}:
        spark.sql(f"alter table {RUNS_TABLE} add columns (warnings string)")


def record_run(spark: SparkSession, outcome: RunOutcome, as_of: str | None, started_at: datetime) -> None:
    """Append the run's row to ``ops.sqlscore_runs`` (created on first use)."""
    row = (
        outcome.run_id,
        "spark",
        as_of,
        started_at.replace(tzinfo=None),
        datetime.now(UTC).replace(tzinfo=None),
        outcome.status,
        int(outcome.exit_code),
        json.dumps(outcome.rows_published),
        json.dumps(failed_expectations(outcome), default=str),
        json.dumps(outcome.quarantined),
        json.dumps(outcome.timings),
        outcome.message,
        json.dumps(outcome.warnings),
    )
    spark.sql(f"create database if not exists {RUNS_DATABASE}")
    _add_warnings_column(spark)
    frame = spark.createDataFrame([row], schema=_SCHEMA)
    frame.write.mode("append").format("parquet").saveAsTable(RUNS_TABLE)
