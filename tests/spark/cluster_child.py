"""The driver of the cluster test, in its own process (a Spark session is one per process and its
master is fixed when it starts; the test process's session is local mode).

``python -m tests.spark.cluster_child REQUEST.json``: starts a session on the standalone master,
copies the DuckDB demo tables into Spark, runs ``sqlscore run --target spark``'s pipeline with
engine onnx, writes each published table to Parquet for the test to compare with DuckDB, and
prints the outcome as one JSON line. The event log (every task's executor) goes to the folder the
request names.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from sqlscore.registry import Registry
from sqlscore.spark.demo_tables import copy_tables_to_spark
from sqlscore.spark.pipeline import SparkRunRequest, run_on_spark
from sqlscore.spark.session import SparkTarget, start_session
from sqlscore.tools.demo.data import RAW_TABLES


def main(request_file: str) -> int:
    request = json.loads(Path(request_file).read_text())
    spark_dir, events, out = Path(request["spark_dir"]), Path(request["events"]), Path(request["out"])
    events.mkdir(parents=True, exist_ok=True)
    conf = {
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": events.resolve().as_uri(),
        "spark.eventLog.compress": "false",
        "spark.executor.cores": "1",
        "spark.executor.memory": "768m",
        "spark.cores.max": str(request["cores"]),
        # spread the small demo tables over both executors' tasks
        "spark.default.parallelism": "4",
    }
    target = SparkTarget(request["master"], spark_dir, conf)
    spark = start_session(target)
    warehouse = Path(request["warehouse"])
    copy_tables_to_spark(spark, warehouse, [f"raw.{t}" for t in RAW_TABLES], spark_dir / "_staging")
    outcome = run_on_spark(SparkRunRequest(target, Registry(Path(request["registry"])), engine="onnx"))
    if outcome.exit_code == 0:
        for table in outcome.rows_published:
            spark.table(f"published.{table}").write.mode("overwrite").parquet(str(out / table))
    print(
        json.dumps(
            {
                "exit_code": int(outcome.exit_code),
                "message": outcome.message,
                "rows": outcome.rows_published,
                "app_id": spark.sparkContext.applicationId,
            }
        )
    )
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
