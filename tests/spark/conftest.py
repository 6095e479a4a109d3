"""One Spark session per test process, on a copy of the published DuckDB site.

A JVM starts in ~15 s and a Spark session is global to its process (its warehouse folder and
metastore are fixed when it starts), so every Spark test of a pytest worker shares this one:
session-scoped. The data are the raw tables of the site ``tests/gate``'s ``published_source``
built (one ``sqlscore run`` on DuckDB, shared with the gate tests), copied into Spark by the same
code as ``sqlscore demo-data --target spark``; its DuckDB tables are what Spark is compared with.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

import sqlscore
from sqlscore.registry import Registry
from sqlscore.spark.demo_tables import copy_tables_to_spark
from sqlscore.spark.publish import current_version
from sqlscore.spark.session import SparkTarget, start_session
from sqlscore.tools.demo.data import RAW_TABLES
from tests.gate.conftest import published_source  # noqa: F401 (the fixture, shared with the gate tests)

# Every JVM these tests start (sessions, the cluster's master, workers and executors) lives for
# seconds on a few thousand rows: C2's background compiles only compete with the other test worker
# for the two cores. The C1 compiler alone keeps the answers and the wall time and cut the Spark
# tests' CPU by a sixth (tests/spark/test_spark_run.py: 177 -> 147 CPU seconds, /proc/stat).
# Only here: a user's Spark keeps the JVM's defaults. The JVM prints "Picked up ..." on stderr.
# With C1 alone the JVM reserves a 48 MB code cache instead of tiered compilation's 240 MB
# (`java -XX:TieredStopAtLevel=1 -XX:+PrintFlagsFinal -version`), which a test worker's
# long-lived session filled: "CodeCache is full. Compiler has been disabled", then "Out of space
# in CodeCache for adapters" killed its JVM mid-build (a CI run, 4 failed and 5 errors). So the
# default size is asked for again. The serial collector, for the same reason: these JVMs keep small
# heaps for seconds, and G1's concurrent and parallel GC threads only cost CPU here (tests/spark
# alone, -n 1, machine-wide busy CPU from /proc/stat: 378 CPU-s with G1, 322 with the serial
# collector; wall 289 -> 266 s).
os.environ.setdefault(
    "JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m -XX:+UseSerialGC"
)


@dataclass(frozen=True)
class SparkSite:
    """The DuckDB site (warehouse, registry) and the Spark session holding the same raw tables."""

    root: Path
    warehouse: Path
    registry: Registry
    target: SparkTarget
    spark: Any


@pytest.fixture(scope="session")
def spark_site(published_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSite]:  # noqa: F811
    root = tmp_path_factory.mktemp("spark_site")
    shutil.copy(published_source / "warehouse.duckdb", root / "warehouse.duckdb")
    shutil.copytree(published_source / "models_onnx", root / "models_onnx")
    target = SparkTarget("local[2]", root / "spark")
    spark = start_session(target)
    tables = [f"raw.{table}" for table in RAW_TABLES]
    copy_tables_to_spark(spark, root / "warehouse.duckdb", tables, root / "spark" / "_staging")
    yield SparkSite(root, root / "warehouse.duckdb", Registry(root / "models_onnx"), target, spark)
    spark.stop()


#: published table -> (model, key, score column, features model)
TABLES = {
    "customer_churn_scores": ("churn", "customer_id", "churn_probability", "int_customers_featurized"),
    "loan_application_risk_scores": (
        "risk",
        "application_id",
        "default_probability",
        "int_loan_applications_featurized",
    ),
}


@pytest.fixture(scope="session")
def duckdb_reference(spark_site: SparkSite) -> dict[str, pd.DataFrame]:
    """Per published table: key, DuckDB's published score, and DuckDB's onnx and sql scores."""
    scratch = spark_site.root / "reference.duckdb"
    shutil.copy(spark_site.warehouse, scratch)
    con = sqlscore.connect(scratch, registry=spark_site.registry, engine="onnx")
    try:
        engines = dict(con.execute("select function_name, engine from main.ml_functions").fetchall())
        assert engines["predict_churn"] == "onnx" and engines["predict_churn_sql"] == "sql"
        frames = {}
        for table, (model, key, score, features) in TABLES.items():
            args = ", ".join(f"f.{name}" for name in spark_site.registry.resolve(model).feature_names)
            frames[table] = con.execute(
                f"select f.{key}, p.{score} as duckdb_published, predict_{model}({args}) as duckdb_onnx, "
                f"predict_{model}_sql({args}) as duckdb_sql "
                f"from intermediate.{features} f join published.{table} p using ({key})"
            ).df()
            published_rows = con.execute(f"select count(*) from published.{table}").fetchone()
            assert published_rows is not None and published_rows[0] == len(frames[table]) > 100
    finally:
        con.close()
    return frames


@pytest.fixture(scope="session")
def onnx_run(spark_site: SparkSite) -> Any:
    """One full ``sqlscore run --target spark`` (engine onnx) per test process, shared by the tests
    that need published views (parity, the gate's blocks): a run is the costliest step here."""
    from sqlscore.spark.pipeline import SparkRunRequest, run_on_spark

    return run_on_spark(SparkRunRequest(spark_site.target, spark_site.registry, engine="onnx"))


def published_state(site: SparkSite) -> dict[str, tuple[str | None, int, float]]:
    """Per published table: the version its view reads, its rows and the sum of its scores."""
    state = {}
    for table, (_, _, score, _) in TABLES.items():
        rows, total = site.spark.sql(f"select count(*), sum({score}) from published.{table}").collect()[0]
        state[table] = (current_version(site.spark, table), int(rows), float(total))
    return state
