"""The monitoring models on Spark: the same dbt models, the same figures as DuckDB's.

The DuckDB site's ``sqlscore run`` (``tests/gate``'s ``published_source``) built every monitoring
table on the same raw rows; the full Spark run (``onnx_run``) builds them again with Spark SQL (the
differences in dispatched macros: lists and structs, lateral views, raise_error, partitions
instead of delete+insert). Each figure must equal DuckDB's to 1e-9 and each text column exactly.
"""

from __future__ import annotations

from typing import Any

import duckdb
import numpy as np
import pandas as pd
import pytest

from sqlscore.pipeline.steps import RunOutcome
from sqlscore.settings import ExitCode
from tests.spark.conftest import SparkSite

#: tens of seconds each: scheduled first, so that both test workers finish together
pytestmark = pytest.mark.heavy

#: each monitoring table's key (a row per key) and its figures
TABLES = {
    "prediction_drift": (
        ["model_name", "model_version", "as_of_date", "segment_by", "segment"],
        ["null_rate", "mean_score", "psi", "js_distance"],
    ),
}


def _spark_table(site: SparkSite, table: str) -> pd.DataFrame:
    frame: Any = site.spark.sql(f"select * from monitoring.{table}")
    return frame.toPandas()


def _duckdb_table(site: SparkSite, table: str) -> pd.DataFrame:
    with duckdb.connect(str(site.warehouse), read_only=True) as con:
        return con.sql(f"select * from monitoring.{table}").df()


def _max_list_difference(left: pd.Series, right: pd.Series) -> float:
    """The largest difference between two columns of number lists (NULL only beside NULL)."""
    worst = 0.0
    for a, b in zip(left, right, strict=True):
        assert (a is None) == (b is None)
        if a is not None:
            assert len(a) == len(b)
            worst = max(
                worst, float(np.max(np.abs(np.asarray(a, float) - np.asarray(b, float)), initial=0.0))
            )
    return worst


@pytest.mark.parametrize("table", sorted(TABLES))
def test_spark_monitoring_table_equals_duckdb(
    spark_site: SparkSite, onnx_run: RunOutcome, table: str
) -> None:
    assert onnx_run.exit_code == ExitCode.OK, onnx_run.message
    keys, figures = TABLES[table]
    spark = _spark_table(spark_site, table).sort_values(keys).reset_index(drop=True)
    expected = _duckdb_table(spark_site, table).sort_values(keys).reset_index(drop=True)
    assert len(expected) > 0
    assert sorted(spark.columns) == sorted(expected.columns)
    assert len(spark) == len(expected), f"{table}: {len(spark)} rows on Spark, {len(expected)} on DuckDB"
    for column in expected.columns:
        if column == "run_id":
            assert set(spark[column]) == {onnx_run.run_id}
        elif column in figures:
            left, right = spark[column].astype(float), expected[column].astype(float)
            assert (left.isna() == right.isna()).all(), f"{table}.{column}: NULL in different rows"
            difference = np.nanmax(np.abs(left - right), initial=0.0)
            assert difference <= 1e-9, f"{table}.{column}: max |spark - duckdb| = {difference:.3g}"
        elif expected[column].map(lambda value: isinstance(value, list | np.ndarray)).any():
            assert _max_list_difference(spark[column], expected[column]) <= 1e-9, f"{table}.{column}"
        else:
            assert spark[column].astype(str).tolist() == expected[column].astype(str).tolist(), (
                f"{table}.{column}"
            )
