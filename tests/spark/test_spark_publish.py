"""Atomic publication on Spark: a reader querying ``published.<table>`` while versions are published
sees one complete version each time, never a partial, mixed or missing table; old versions are
pruned to the configured count, never the one the view reads.

The reader is a second thread of the driver running its own Spark queries concurrently with the
publishing thread (the Derby metastore of a local warehouse admits one JVM: a reader in another
process would need a metastore server, which a real cluster has)."""

from __future__ import annotations

import threading
import time

import pytest

from sqlscore.errors import PublishError
from sqlscore.spark.publish import current_version, publish_table, versions
from tests.spark.conftest import SparkSite

#: tens of seconds each: scheduled first, so that both test workers finish together
pytestmark = pytest.mark.heavy

TABLE = "publish_probe"
ROWS = 20_000


def stage_candidate(site: SparkSite, mark: int) -> None:
    """candidate.publish_probe: ROWS rows, every one carrying ``mark``."""
    site.spark.sql("create database if not exists candidate")
    site.spark.sql(f"drop table if exists candidate.{TABLE}")
    site.spark.sql(
        f"create table candidate.{TABLE} using parquet as "
        f"select id, cast({mark} as int) as mark from range({ROWS})"
    )


def test_concurrent_reader_sees_whole_versions_only(spark_site: SparkSite) -> None:
    stage_candidate(spark_site, 0)
    publish_table(spark_site.spark, TABLE, keep=2)
    seen: list[tuple[int, int, int]] = []
    failures: list[str] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            try:
                row = spark_site.spark.sql(
                    f"select count(*), min(mark), max(mark) from published.{TABLE}"
                ).collect()[0]
                seen.append((int(row[0]), int(row[1]), int(row[2])))
            except Exception as exc:  # a missing table or a half-written file would land here
                failures.append(f"{type(exc).__name__}: {str(exc)[:300]}")

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        for mark in range(1, 4):
            stage_candidate(spark_site, mark)
            publish_table(spark_site.spark, TABLE, keep=2)
            time.sleep(0.2)
    finally:
        stop.set()
        reader.join(timeout=60)
    assert not failures, failures[:3]
    assert len(seen) >= 3, "the reader ran too few queries to show anything"
    assert all(count == ROWS and low == high for count, low, high in seen), seen
    assert {low for _, low, _ in seen} <= {0, 1, 2, 3}
    kept = versions(spark_site.spark, TABLE)
    assert len(kept) == 2 and current_version(spark_site.spark, TABLE) == kept[-1]
    final = spark_site.spark.sql(f"select distinct mark from published.{TABLE}").collect()
    assert [row[0] for row in final] == [3]


def test_a_failed_publish_leaves_the_view_on_its_version(spark_site: SparkSite) -> None:
    stage_candidate(spark_site, 7)
    before = publish_table(spark_site.spark, TABLE, keep=3)
    spark_site.spark.sql(f"drop table candidate.{TABLE}")
    with pytest.raises(PublishError, match=f"candidate.{TABLE}.*published.{TABLE} is unchanged"):
        publish_table(spark_site.spark, TABLE, keep=3)
    assert current_version(spark_site.spark, TABLE) == before
    assert spark_site.spark.sql(f"select count(*) from published.{TABLE}").collect()[0][0] == ROWS


def test_keep_must_be_positive(spark_site: SparkSite) -> None:
    with pytest.raises(PublishError, match="keep at least 1 version, not 0"):
        publish_table(spark_site.spark, TABLE, keep=0)
