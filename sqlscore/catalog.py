"""The registry as a warehouse table, ``ml_models``, so analysts can see in SQL
which model version scored what (join on ``model_name``/``model_version``).

It is rebuilt from the registry files, in one transaction, whenever the
registry changes through sqlscore and whenever sqlscore opens the warehouse
for writing; the files stay the source of truth.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb

from sqlscore.functions.declarations import FunctionDeclaration
from sqlscore.registry import CHAMPION, ModelCard, Registry
from sqlscore.warehouse import open_warehouse

CATALOG_TABLE = "ml_models"

_DDL = f"""
create or replace table {CATALOG_TABLE} (
    model_name varchar not null,
    model_version integer not null,
    aliases varchar[] not null,
    is_champion boolean not null,
    created_at timestamptz not null,
    task varchar not null,
    estimator varchar,
    description varchar,
    feature_names varchar[] not null,
    feature_sql_types varchar[] not null,
    sha256 varchar not null,
    parity_max_abs_diff double,
    parity_label_agreement double,
    training_rows bigint,
    training_metrics json,
    sklearn_version varchar,
    skl2onnx_version varchar,
    onnx_opset json,
    card json not null,
    refreshed_at timestamptz not null default now(),
    primary key (model_name, model_version)
)
"""


def refresh_catalog(con: duckdb.DuckDBPyConnection, registry: Registry) -> int:
    """Rebuild ``ml_models`` from the registry in one transaction; return its row count."""
    rows = []
    scanned = registry.scan()  # broken models are left out; `sqlscore models verify` names them
    for name, cards in scanned.cards.items():
        aliases = scanned.aliases[name]
        for card in cards:
            held = sorted(a for a, v in aliases.items() if v == card.version)
            rows.append(
                (
                    card.name,
                    int(card.version),
                    held,
                    CHAMPION in held,
                    card.created_at,
                    card.task,
                    card.estimator,
                    card.description,
                    card.feature_names,
                    [f.sql_type for f in card.features],
                    card.sha256,
                    card.parity.get("max_abs_diff"),
                    card.parity.get("label_agreement"),
                    card.training_data.get("rows"),
                    json.dumps(card.training_metrics),
                    card.versions.get("scikit-learn"),
                    card.versions.get("skl2onnx"),
                    json.dumps(card.versions.get("opset")),
                    card.to_json(),
                )
            )
    con.execute("begin transaction")
    try:
        con.execute(_DDL)
        if rows:
            con.executemany(
                f"insert into {CATALOG_TABLE} values "
                "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, now())",
                rows,
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return len(rows)


FUNCTIONS_TABLE = "ml_functions"

_FUNCTIONS_DDL = f"""
create or replace table {FUNCTIONS_TABLE} (
    function_name varchar primary key,
    model_name varchar,
    model_version integer,
    model_sha256 varchar,
    engine varchar,
    output varchar,
    feature_names varchar[],
    score_decile_edges double[],
    error varchar,                    -- why the function is not registered (NULL when it is)
    registered_at timestamptz not null default now()
)
"""


PROFILES_TABLE = "ml_input_profiles"

_PROFILES_DDL = f"""
create or replace table {PROFILES_TABLE} (
    model_name varchar not null,
    model_version integer not null,
    feature varchar not null,
    kind varchar not null,            -- number or category
    null_rate double not null,        -- share of NULL (numbers: or NaN; categories: or '') in training
    min_value double,                 -- numbers: the training range
    max_value double,
    categories varchar[],             -- categories: every category seen in training
    categories_complete boolean,      -- false when training had too many categories to keep them all
    primary key (model_name, model_version, feature)
)
"""


def write_function_catalog(
    con: duckdb.DuckDBPyConnection,
    bindings: list[tuple[FunctionDeclaration, ModelCard]],
    failed: dict[str, str] | None = None,
    profiles: dict[str, dict[str, Any] | None] | None = None,
) -> None:
    """Record which function calls which model version, for dbt macros and provenance.

    dbt's ``predict()`` macro reads the argument list and the provenance columns
    from here, so SQL never hard-codes a feature order, a version or a sha256.
    """
    rows: list[tuple[object, ...]] = [
        (
            declaration.name,
            card.name,
            int(card.version),
            card.sha256,
            declaration.engine,
            declaration.output,
            card.feature_names,
            card.score_reference.get("decile_edges"),
            None,
        )
        for declaration, card in bindings
    ]
    rows += [
        (name, None, None, None, None, None, None, None, reason) for name, reason in (failed or {}).items()
    ]
    profile_rows = _profile_rows(bindings, profiles or {})
    con.execute("begin transaction")
    try:
        con.execute(_FUNCTIONS_DDL)
        if rows:
            con.executemany(f"insert into {FUNCTIONS_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?, now())", rows)
        con.execute(_PROFILES_DDL)
        if profile_rows:
            con.executemany(f"insert into {PROFILES_TABLE} values (?, ?, ?, ?, ?, ?, ?, ?, ?)", profile_rows)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise


def _profile_rows(
    bindings: list[tuple[FunctionDeclaration, ModelCard]], profiles: dict[str, dict[str, Any] | None]
) -> list[tuple[object, ...]]:
    """One row per feature of every bound model version that has an input profile."""
    rows: list[tuple[object, ...]] = []
    for card in {card.ref: card for _, card in bindings}.values():
        profile = profiles.get(card.ref)
        for feature, facts in ((profile or {}).get("features") or {}).items():
            numeric = facts["kind"] == "number"
            rows.append(
                (
                    card.name,
                    int(card.version),
                    feature,
                    facts["kind"],
                    facts["null_rate"],
                    facts.get("min") if numeric else None,
                    facts.get("max") if numeric else None,
                    None if numeric else list(facts["categories"]),
                    None if numeric else bool(facts.get("complete", True)),
                )
            )
    return rows


def refresh_catalog_file(warehouse: Path, registry: Registry) -> int:
    """Open the warehouse file, refresh ``ml_models`` and close it again."""
    with open_warehouse(warehouse) as con:
        return refresh_catalog(con, registry)
