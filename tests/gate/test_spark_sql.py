"""The suites' DuckDB SQL in Spark SQL: each construct DuckDB and Spark spell differently has one
translation (:mod:`sqlscore.gate.spark_sql`); what has none is refused naming the query. No Spark
here: tests/spark/test_spark_gate.py runs the translated suites on Spark against DuckDB's figures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sqlscore.errors import ConfigError
from sqlscore.gate.spark_sql import contract_type, spark_query, spark_suite

EXPECTATIONS = Path(__file__).resolve().parents[2] / "expectations"


@pytest.mark.parametrize(
    ("duckdb_sql", "spark_sql"),
    [
        ("select e[1] + e[i] from t", "SELECT ELEMENT_AT(e, 1) + ELEMENT_AT(e, CAST(i AS INT)) FROM t"),
        ("select i from range(1, 11) t(i)", "SELECT i FROM RANGE(1, 11) AS t(i)"),
        ("select quantile_cont(x, 0.9) from {batch}", "SELECT PERCENTILE(x, 0.9) FROM {batch}"),
        (
            "select from_json(t.c -> '$.a', '[\"DOUBLE\"]') from t",
            "SELECT FROM_JSON(GET_JSON_OBJECT(t.c, '$.a'), 'array<double>') FROM t",
        ),
        (
            "select c.data_type from information_schema.columns c",
            "SELECT c.data_type FROM sqlscore_gate_columns AS c",
        ),
    ],
)
def test_each_duckdb_construct_has_one_spark_translation(duckdb_sql: str, spark_sql: str) -> None:
    assert spark_query(duckdb_sql) == spark_sql


def test_what_has_no_translation_is_refused_naming_the_query() -> None:
    with pytest.raises(ConfigError, match="information_schema.tables has no Spark translation"):
        spark_query("select * from information_schema.tables")
    with pytest.raises(ConfigError, match="from_json structure .* has no Spark translation"):
        spark_query('select from_json(c, \'{"a": "DOUBLE"}\') from t')


def test_every_suite_translates_and_keeps_its_batch_placeholder() -> None:
    for path in sorted(EXPECTATIONS.glob("*.json")):
        suite = json.loads(path.read_text())
        translated = spark_suite(suite)
        assert len(translated["expectations"]) == len(suite["expectations"])
        for expectation in translated["expectations"]:
            query = expectation["kwargs"].get("unexpected_rows_query")
            if query is not None:
                assert "{batch}" in query and "information_schema" not in query, query
        assert suite == json.loads(path.read_text())  # the suite itself is never changed


def test_spark_types_carry_duckdbs_contract_names() -> None:
    assert [contract_type(t) for t in ("string", "bigint", "int", "timestamp", "date")] == [
        "VARCHAR",
        "BIGINT",
        "INTEGER",
        "TIMESTAMP WITH TIME ZONE",
        "DATE",
    ]
