"""``sqlscore demo-data --target spark``: the demo's raw tables, from the one generator, in Spark.

The generator is DuckDB SQL (:mod:`sqlscore.tools.demo.data`); it writes the DuckDB warehouse as
ever, then each raw table goes to Parquet (DuckDB's COPY, streamed, never through pandas) and
Spark stores it as a table of database ``raw``. The DuckDB warehouse keeps the same rows, which
is what the Spark scores are compared with.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from sqlscore.errors import SparkError
from sqlscore.names import check_identifier

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def copy_tables_to_spark(
    spark: SparkSession, warehouse: Path, tables: list[str], staging: Path
) -> dict[str, int]:
    """Copy ``schema.table`` names from the DuckDB ``warehouse`` into Spark tables of the same name.

    ``staging`` holds the Parquet files while Spark reads them (removed afterwards). Returns the
    rows each Spark table holds, counted by Spark.
    """
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    counts: dict[str, int] = {}
    try:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            for table in tables:
                schema, name = (check_identifier(part) for part in table.split("."))
                path = staging / f"{schema}__{name}.parquet"
                con.execute(f'copy "{schema}"."{name}" to \'{path}\' (format parquet)')
        for table in tables:
            schema, name = table.split(".")
            spark.sql(f"create database if not exists `{schema}`")
            spark.sql(f"drop table if exists `{schema}`.`{name}`")
            frame = spark.read.parquet(str(staging / f"{schema}__{name}.parquet"))
            frame.write.format("parquet").saveAsTable(f"`{schema}`.`{name}`")
            counts[table] = spark.table(f"`{schema}`.`{name}`").count()
    except duckdb.Error as exc:
        raise SparkError(f"could not read the demo tables from {warehouse}: {exc}") from exc
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return counts
