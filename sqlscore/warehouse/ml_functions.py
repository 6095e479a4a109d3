"""What each SQL function is bound to, as warehouse tables: ``ml_functions`` (function →
model, version, sha256, engine, or the reason it is not registered) and ``ml_input_profiles``
(the bound versions' training profiles, which dbt's input checks read).

Written by :func:`sqlscore.functions.bind.bind` after every registration, so SQL can see which
version a function call runs before it runs it.
"""

from __future__ import annotations

from typing import Any

import duckdb

from sqlscore.functions.declarations import FunctionDeclaration
from sqlscore.registry import ModelCard

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
