"""``bench --spark`` at a tiny N, on the session the Spark tests share (no cluster of its own: the
cluster test's start is the costliest fixture here): the same Parquet rows scored by DuckDB and
Spark with each engine give the same sum, and the report prints every engine's rates."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sqlscore.tools.bench.spark import (
    ENGINES,
    SparkFigure,
    report,
    score_duckdb,
    score_spark,
    write_features,
)
from tests.spark.conftest import SparkSite

#: tens of seconds each: scheduled first, so that both test workers finish together
pytestmark = pytest.mark.heavy


def test_bench_scores_the_same_rows_on_duckdb_and_spark(spark_site: SparkSite, tmp_path: Path) -> None:
    parquet = tmp_path / "features.parquet"
    columns = write_features(spark_site.warehouse, spark_site.registry, 3_000, parquet)
    assert pq.read_metadata(parquet).num_rows == 3_000
    for engine in ENGINES:
        seconds, on_duckdb = score_duckdb(spark_site.registry, parquet, columns, engine, repeat=1)
        assert seconds > 0
        seconds, on_spark = score_spark(spark_site.spark, spark_site.registry, parquet, engine, repeat=1)
        assert seconds > 0 and on_spark == pytest.approx(on_duckdb, abs=1e-6 * 3_000), engine
    figures = [
        SparkFigure(e, w, 3_000, s) for e in ENGINES for w, s in (("duckdb", 0.1), ("spark 1 worker", 0.4))
    ]
    figures += [SparkFigure(e, "spark 2 workers", 3_000, 0.25) for e in ENGINES]
    assert report(figures) == [[e, "30,000", "7,500", "12,000", "1.60x"] for e in ENGINES]


def test_the_features_file_has_row_groups_of_even_size(spark_site: SparkSite, tmp_path: Path) -> None:
    """Spark splits a Parquet file by bytes: row groups of uneven size put uneven row counts in its
    tasks (at 10M rows, 47% of them in one of 8 splits, before whole copies were written in order),
    and the slowest task, not the worker count, set the run's time."""
    parquet = tmp_path / "features.parquet"
    write_features(spark_site.warehouse, spark_site.registry, 600_000, parquet)
    metadata = pq.read_metadata(parquet)
    sizes = [
        sum(metadata.row_group(g).column(c).total_compressed_size for c in range(metadata.num_columns))
        for g in range(metadata.num_row_groups)
    ]
    assert metadata.num_rows == 600_000 and len(sizes) == 6
    assert max(sizes) <= 1.25 * min(sizes), sizes
