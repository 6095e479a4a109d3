"""``sqlscore expectations init TABLE``: a first suite for a published table, then the user's.

Written from what the project already declares, so a new model's table is gated from its first
run without copying another suite and renaming names inside SQL strings:

- the table's enforced dbt contract: the ordered column list and each column's type;
- its ``meta.sqlscore.key``: unique and never NULL;
- the scoring model upstream (``score_incrementally`` records ``meta.sqlscore.scores``): the row
  count equals the scored input (its features model), the score is never NULL and, for a
  classifier's probability, within [0, 1]; the provenance columns equal what ``predict_<model>``
  is bound to in ``ml_functions``.

The input checks derived from the model's training profile run in dbt for every model and need
nothing here. The file is a plain GX suite: edit it afterwards like any other.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from sqlscore.errors import ConfigError
from sqlscore.names import check_identifier
from sqlscore.pipeline.published_tables import META_KEY
from sqlscore.registry import Registry
from sqlscore.registry.card import REGRESSION
from sqlscore.warehouse.publication import CANDIDATE_SCHEMA

PROVENANCE_COLUMNS = ("model_name", "model_version", "model_sha256")
#: How far a float32 probability may stray beyond [0, 1] by rounding (float32 eps is 1.2e-7).
FLOAT32_SLACK = 1e-6


def initial_suite(manifest: Any, table: str, registry: Registry) -> dict[str, Any]:
    """The suite for published model ``table`` of the parsed project."""
    check_identifier(table, "table name")
    node = _model_node(manifest, table)
    declared = (node.config.meta or {}).get(META_KEY) or {}
    if not declared.get("publish"):
        raise ConfigError(
            f"dbt model {table} is not declared published: add "
            f"meta: {{{META_KEY}: {{publish: true, key: ...}}}} and an enforced contract to its config first"
        )
    columns = {name: column.data_type for name, column in node.columns.items()}
    if not node.contract.enforced or not all(columns.values()):
        raise ConfigError(f"dbt model {table} needs an enforced contract with a data_type for every column")
    key = check_identifier(str(declared.get("key")), f"key of {table}")
    scoring = _scoring_upstream(manifest, node)
    expectations = [
        _expectation(
            "expect_table_columns_to_match_ordered_list",
            {"column_list": list(columns)},
            why="consumers and dashboards bind to these columns (the dbt contract)",
        ),
        _column_types(table, columns),
        _expectation("expect_column_values_to_be_unique", {"column": key}, why="one row per entity"),
        _expectation("expect_column_values_to_not_be_null", {"column": key}),
    ]
    if scoring is not None:
        expectations += _score_expectations(manifest, scoring, columns, registry)
    return {"name": table, "expectations": expectations, "meta": {"written_by": "sqlscore expectations init"}}


def write_suite(suite: dict[str, Any], folder: Path, force: bool = False) -> Path:
    """Write ``<folder>/<table>.json``; an existing suite is the user's and is kept unless ``force``."""
    path = folder / f"{suite['name']}.json"
    if path.exists() and not force:
        raise ConfigError(f"{path} exists (it is yours now); pass --force to replace it")
    folder.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(suite, indent=2) + "\n")
    return path


def _model_node(manifest: Any, name: str) -> Any:
    for node in manifest.nodes.values():
        if node.resource_type == "model" and node.name == name:
            return node
    raise ConfigError(f"no dbt model named {name} in the project")


def _scoring_upstream(manifest: Any, node: Any) -> Any | None:
    """The nearest upstream model that records which registry model it scores, if any."""
    seen, frontier = set(), list(node.depends_on.nodes)
    while frontier:
        unique_id = frontier.pop(0)
        if unique_id in seen or unique_id not in manifest.nodes:
            continue
        seen.add(unique_id)
        upstream = manifest.nodes[unique_id]
        if ((upstream.config.meta or {}).get(META_KEY) or {}).get("scores"):
            return upstream
        frontier += list(upstream.depends_on.nodes)
    return None


def _score_expectations(
    manifest: Any, scoring: Any, columns: dict[str, str], registry: Registry
) -> list[dict[str, Any]]:
    meta = scoring.config.meta[META_KEY]
    model = check_identifier(str(meta["scores"]), "model name")
    function = f"predict_{model}"
    features = _model_node(manifest, str(meta["features"]))
    score = str(meta.get("score_column") or "")
    scored_input = f"{features.schema}.{features.alias}"
    found = []
    found.append(
        _unexpected_rows(
            f"select (select count(*) from {{batch}}) as published_rows, "
            f"(select count(*) from {scored_input}) as scored_input_rows "
            f"where (select count(*) from {{batch}}) <> (select count(*) from {scored_input})",
            f"Row count equals the scored input ({scored_input}).",
            why="a partial run must never be published",
        )
    )
    if score in columns:
        found.append(
            _expectation(
                "expect_column_values_to_not_be_null", {"column": score}, why="a NULL is a failed score"
            )
        )
        if registry.resolve(model).task != REGRESSION:
            found.append(
                _expectation(
                    "expect_column_values_to_be_between",
                    {"column": score, "min_value": -FLOAT32_SLACK, "max_value": 1 + FLOAT32_SLACK},
                    why="a probability; onnxruntime computes in float32, so a forest whose trees all "
                    "vote 1 gives 1.0000001",
                )
            )
    if all(column in columns for column in PROVENANCE_COLUMNS):
        found.append(
            _unexpected_rows(
                "select b.model_name, b.model_version, b.model_sha256, count(*) as rows from {batch} b "
                f"left join main.ml_functions f on f.function_name = '{function}' "
                "where b.model_name is distinct from f.model_name or b.model_version is distinct from "
                "f.model_version or b.model_sha256 is distinct from f.model_sha256 group by all",
                f"Provenance matches the model version {function} is bound to.",
                why="every row says where it came from, truthfully",
            )
        )
    return found


def _column_types(table: str, columns: dict[str, str]) -> dict[str, Any]:
    values = ", ".join(
        f"('{check_identifier(name, 'column name')}', '{_sql_type(data_type)}')"
        for name, data_type in columns.items()
    )
    return _unexpected_rows(
        f"with expected(column_name, data_type) as (values {values}) "
        "select e.column_name, e.data_type as expected_type, c.data_type as actual_type "
        "from expected e left join information_schema.columns c "
        f"on c.table_schema = '{CANDIDATE_SCHEMA}' and c.table_name = '{table}' "
        "and c.column_name = e.column_name "
        # GX wants every query to read {batch}; this one reads the catalog, so it only mentions it
        "where c.data_type is distinct from e.data_type and (select count(*) from {batch}) >= 0",
        "Column types match the dbt contract.",
        why="a type change breaks every reader",
    )


def _sql_type(data_type: str) -> str:
    """DuckDB's information_schema spelling of a contract type."""
    spelled = " ".join(data_type.upper().split())
    aliases = {
        "INT": "INTEGER",
        "INT4": "INTEGER",
        "INT8": "BIGINT",
        "FLOAT8": "DOUBLE",
        "TEXT": "VARCHAR",
        "STRING": "VARCHAR",
        "TIMESTAMPTZ": "TIMESTAMP WITH TIME ZONE",
        "BOOL": "BOOLEAN",
    }
    spelled = aliases.get(spelled, spelled)
    if not all(part.isalnum() or part in "()," for part in spelled.split()):
        raise ConfigError(f"contract type {data_type!r} is not a plain SQL type")
    return spelled


def _unexpected_rows(query: str, description: str, why: str | None = None) -> dict[str, Any]:
    return _expectation(
        "unexpected_rows_expectation", {"unexpected_rows_query": query, "description": description}, why
    )


def _expectation(kind: str, kwargs: dict[str, Any], why: str | None = None) -> dict[str, Any]:
    expectation: dict[str, Any] = {"type": kind, "kwargs": kwargs}
    if why:
        expectation["meta"] = {"why": why}
    return expectation
