"""The raw demo tables copied into a fresh Spark warehouse, in a process of its own (one Spark session
per process, and a local warehouse's Derby metastore admits one JVM at a time): what ``sqlscore
demo-data --target spark`` does after generating, here from the DuckDB site the tests share.

``python -m tests.spark.cluster_child WAREHOUSE.duckdb SPARK_DIR``; local[1], no cluster needed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from sqlscore.spark.demo_tables import copy_tables_to_spark
from sqlscore.spark.session import SparkTarget, start_session
from sqlscore.tools.demo.data import RAW_TABLES


def main(warehouse: str, spark_dir: str) -> int:
    target = SparkTarget("local[1]", Path(spark_dir))
    spark = start_session(target)
    tables = [f"raw.{t}" for t in RAW_TABLES]
    counts = copy_tables_to_spark(spark, Path(warehouse), tables, Path(spark_dir) / "_staging")
    print(counts)
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))
