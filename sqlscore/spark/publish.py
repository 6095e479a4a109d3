"""Atomic publication on Spark: versioned tables behind the stable views of ``published``.

Consumers read ``published.<table>``, a view. A publish first writes the whole candidate into a
new table ``published.<table>__v<stamp>`` (a reader still sees the previous version meanwhile),
then moves the view to it in one metastore update (``ALTER VIEW ... AS``, see :func:`move_view`):
a reader sees the old complete version or the new complete one, never a partial or missing
table. The newest ``keep`` versions stay (a rollback is one ``ALTER VIEW``); older ones are
dropped, never the one the view reads.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlscore.errors import PublishError
from sqlscore.names import check_identifier

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

PUBLISHED_DATABASE = "published"
CANDIDATE_DATABASE = "candidate"
_VERSION = re.compile(r"^(?P<table>[a-z_][a-z0-9_]*)__v(?P<stamp>\d{8}t\d{12})$")


def version_name(table: str, now: datetime | None = None) -> str:
    """``<table>__v<UTC stamp to the microsecond>``: sorts by publication time."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dt%H%M%S%f")
    return f"{check_identifier(table, 'published table')}__v{stamp}"


def versions(spark: SparkSession, table: str) -> list[str]:
    """The versions of ``table`` in ``published``, oldest first."""
    names = [row.tableName for row in spark.sql(f"show tables in {PUBLISHED_DATABASE}").collect()]
    found = [n for n in names if (m := _VERSION.match(n)) and m.group("table") == table]
    return sorted(found)


def current_version(spark: SparkSession, table: str) -> str | None:
    """The version the view ``published.<table>`` reads, or None before the first publish."""
    if not spark.catalog.tableExists(f"{PUBLISHED_DATABASE}.{table}"):
        return None
    text = spark.sql(f"show create table {PUBLISHED_DATABASE}.{table}").collect()[0][0]
    match = re.search(rf"{PUBLISHED_DATABASE}`?\.`?({re.escape(table)}__v\d{{8}}t\d{{12}})", text)
    return match.group(1) if match else None


def publish_table(spark: SparkSession, table: str, keep: int) -> str:
    """Copy ``candidate.<table>`` into a new version, point the view at it, prune; the version."""
    check_identifier(table, "published table")
    if keep < 1:
        raise PublishError(f"published.{table}: keep at least 1 version, not {keep}")
    spark.sql(f"create database if not exists {PUBLISHED_DATABASE}")
    version = version_name(table)
    try:
        spark.sql(
            f"create table {PUBLISHED_DATABASE}.{version} using parquet "
            f"as select * from {CANDIDATE_DATABASE}.{table}"
        )
        move_view(spark, table, version)
    except Exception as exc:
        spark.sql(f"drop table if exists {PUBLISHED_DATABASE}.{version}")
        raise PublishError(
            f"could not publish candidate.{table} on Spark ({exc.__class__.__name__}: "
            f"{str(exc).splitlines()[0] if str(exc) else ''}); published.{table} is unchanged"
        ) from exc
    prune(spark, table, keep)
    return version


def move_view(spark: SparkSession, table: str, version: str) -> None:
    """Point ``published.<table>`` at ``version`` in one metastore update.

    ``ALTER VIEW ... AS`` alters the view's definition in place. ``CREATE OR REPLACE VIEW`` would
    not do: Spark drops the old view and then creates the new one, and a reader between the two
    finds no table (the concurrent-reader test saw it).
    """
    query = f"select * from {PUBLISHED_DATABASE}.{version}"
    if spark.catalog.tableExists(f"{PUBLISHED_DATABASE}.{table}"):
        spark.sql(f"alter view {PUBLISHED_DATABASE}.{table} as {query}")
    else:
        spark.sql(f"create view {PUBLISHED_DATABASE}.{table} as {query}")


def prune(spark: SparkSession, table: str, keep: int) -> list[str]:
    """Drop the versions older than the newest ``keep`` (never the one the view reads)."""
    current = current_version(spark, table)
    old = versions(spark, table)[:-keep]
    dropped = [v for v in old if v != current]
    for name in dropped:
        spark.sql(f"drop table if exists {PUBLISHED_DATABASE}.{name}")
    return dropped
