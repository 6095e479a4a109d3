"""The suites' SQL on Spark: every DuckDB-specific construct of ``expectations/`` translated here.

The suites in ``expectations/`` are written once, in DuckDB SQL (the default warehouse). On Spark
the same expectations run through Great Expectations' Spark engine, which executes an
``unexpected_rows_query`` with ``spark.sql``; this module is the one place that turns a suite's
query into Spark SQL, so the suites are never copied per engine. sqlglot does the grammar
(casts, ``->`` JSON paths, ``GROUP BY ALL``, ``IS DISTINCT FROM``); the rules below cover what it
translates wrongly or cannot know:

- ``information_schema.columns`` (Spark's session catalog has none) reads the temporary view
  :data:`COLUMNS_VIEW`, built from each candidate's schema with DuckDB's type names
  (:func:`contract_type`), so the suites' type contract is checked against the same names;
- ``list[i]`` (1-based in DuckDB) becomes ``element_at(list, i)`` (1-based in Spark, an int index;
  sqlglot shifts literal indexes only, and a column index would read the next element);
- ``range(a, b) t(i)`` stays Spark's own ``range`` table function (same bounds);
- ``quantile_cont(x, q)`` becomes ``percentile(x, q)`` (both interpolate linearly);
- ``from_json(x, '["DOUBLE"]')``'s DuckDB structure becomes Spark's DDL ``array<double>``.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import sqlglot
from sqlglot import exp

from sqlscore.errors import ConfigError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: The temporary view standing for DuckDB's ``information_schema.columns`` on Spark.
COLUMNS_VIEW = "sqlscore_gate_columns"
#: GX's Spark engine substitutes ``{batch}`` itself; the translation keeps this placeholder.
_BATCH = "sqlscore_gate_batch__"

#: Spark type (``simpleString``) -> the name DuckDB's information_schema gives the same contract.
#: Spark's ``timestamp`` is an instant shown in the session's zone: DuckDB's timestamptz.
_DUCKDB_TYPE_NAMES = {
    "string": "VARCHAR",
    "bigint": "BIGINT",
    "int": "INTEGER",
    "smallint": "SMALLINT",
    "tinyint": "TINYINT",
    "double": "DOUBLE",
    "float": "FLOAT",
    "boolean": "BOOLEAN",
    "date": "DATE",
    "timestamp": "TIMESTAMP WITH TIME ZONE",
    "timestamp_ntz": "TIMESTAMP",
    "binary": "BLOB",
}

#: DuckDB JSON structure type names -> Spark DDL type names (from_json's schema argument).
_JSON_TYPES = {"DOUBLE": "double", "BIGINT": "bigint", "INTEGER": "int", "VARCHAR": "string"}


def contract_type(spark_type: str) -> str:
    """The DuckDB name of a Spark column type (decimals keep precision and scale)."""
    return _DUCKDB_TYPE_NAMES.get(spark_type, spark_type.upper())


def _json_structure(literal: exp.Expression, query: str) -> exp.Expression:
    """``'["DOUBLE"]'`` -> ``'array<double>'``; scalar names map alone."""
    if not isinstance(literal, exp.Literal) or not literal.is_string:
        return literal
    try:
        structure = json.loads(literal.this)
    except ValueError:
        structure = literal.this

    def ddl(node: Any) -> str:
        if isinstance(node, list) and len(node) == 1:
            return f"array<{ddl(node[0])}>"
        if isinstance(node, str) and node.upper() in _JSON_TYPES:
            return _JSON_TYPES[node.upper()]
        raise ConfigError(
            f"an expectation's from_json structure {literal.this!r} has no Spark translation: {query}"
        )

    return exp.Literal.string(ddl(structure))


def _rewrite(node: exp.Expression, query: str) -> exp.Expression:
    """One node of the DuckDB tree, in its Spark form (see the module's rules)."""
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        index = node.expressions[0]
        if isinstance(index, exp.Literal) and not index.is_string:  # sqlglot made it 0-based
            index = exp.Literal.number(int(index.this) + 1)
        else:  # element_at takes an int; a range() column is a bigint
            index = exp.Cast(this=index, to=exp.DataType.build("int"))
        return exp.Anonymous(this="element_at", expressions=[node.this, index])
    if isinstance(node, exp.Table) and isinstance(node.this, exp.GenerateSeries):
        series = node.this
        end = series.args["end"]
        if not series.args.get("is_end_exclusive"):
            end = exp.Add(this=end, expression=exp.Literal.number(1))
        function = exp.Anonymous(this="range", expressions=[series.args["start"], end])
        return exp.Table(this=function, alias=node.args.get("alias"))
    if isinstance(node, exp.Table) and node.db.lower() == "information_schema":
        if node.name.lower() != "columns":
            raise ConfigError(f"information_schema.{node.name} has no Spark translation: {query}")
        return exp.Table(this=exp.to_identifier(COLUMNS_VIEW), alias=node.args.get("alias"))
    if isinstance(node, (exp.PercentileCont, exp.Quantile)):
        return exp.Anonymous(this="percentile", expressions=[node.this, node.expression])
    if isinstance(node, exp.FromJson):
        schema = node.args.get("expression")
        if schema is not None:
            node.set("expression", _json_structure(schema, query))
    return node


def spark_query(query: str) -> str:
    """A suite's ``unexpected_rows_query`` (DuckDB SQL, ``{batch}`` for the candidate) in Spark SQL."""
    try:
        tree = sqlglot.parse_one(query.replace("{batch}", _BATCH), read="duckdb")
    except sqlglot.errors.ParseError as exc:
        raise ConfigError(f"an expectation's query does not parse as DuckDB SQL ({exc}): {query}") from exc
    translated = tree.transform(lambda node: _rewrite(node, query))
    return translated.sql(dialect="spark").replace(_BATCH, "{batch}")


def spark_suite(suite: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``suite`` whose SQL expectations are in Spark SQL (the others run as they are)."""
    translated = json.loads(json.dumps(suite))
    for expectation in translated["expectations"]:
        kwargs = expectation.get("kwargs", {})
        if "unexpected_rows_query" in kwargs:
            kwargs["unexpected_rows_query"] = spark_query(kwargs["unexpected_rows_query"])
    return translated


def register_columns_view(spark: SparkSession, tables: dict[str, str]) -> None:
    """:data:`COLUMNS_VIEW`: table_schema, table_name, column_name, data_type of each table.

    ``tables`` maps ``schema.table`` as the suites name it to the Spark table to describe.
    """
    rows = [
        (schema, name, field.name, contract_type(field.dataType.simpleString()))
        for qualified, source in tables.items()
        for schema, name in [qualified.split(".", 1)]
        for field in spark.table(source).schema.fields
    ]
    frame = spark.createDataFrame(
        rows, "table_schema string, table_name string, column_name string, data_type string"
    )
    frame.createOrReplaceTempView(COLUMNS_VIEW)
