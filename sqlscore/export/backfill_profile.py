"""The input profile of a version exported without one, computed in the warehouse from a table.

``sqlscore models profile NAME:VERSION --from SCHEMA.TABLE``: versions exported before profiles
existed (or imported by hand) have none, so the gate cannot check their inputs and drift cannot be
measured. This computes the same profile :func:`sqlscore.export.profile.input_profile` writes at
export, from the table's feature columns, in SQL (the table never leaves the warehouse): per
number column the null rate (NULL or NaN), the non-finite rate, the finite range, the deciles
(``quantile_cont``: linear interpolation, numpy's default) made unique, and the share of finite
values per bin (a value equal to an edge belongs to the bin above it, as ``searchsorted(...,
side='right')``); per string column the null rate (NULL or ''), the most frequent categories'
shares and whether every category was kept.
"""

from __future__ import annotations

from typing import Any

import duckdb

from sqlscore.errors import ConfigError, InvalidNameError
from sqlscore.export.profile import MAX_CATEGORIES
from sqlscore.names import check_identifier
from sqlscore.registry import ModelCard

DECILES = [round(0.1 * i, 1) for i in range(1, 10)]


def parse_table(text: str) -> tuple[str, str]:
    """``SCHEMA.TABLE`` as two checked identifiers (they are spliced into SQL, quoted)."""
    schema, dot, table = text.partition(".")
    if not dot:
        raise ConfigError(f"--from {text!r}: name the table as SCHEMA.TABLE (e.g. intermediate.features)")
    try:
        return check_identifier(schema, "schema"), check_identifier(table, "table")
    except InvalidNameError as exc:
        raise ConfigError(f"--from {text!r}: {exc}") from exc


def table_profile(con: duckdb.DuckDBPyConnection, card: ModelCard, schema: str, table: str) -> dict[str, Any]:
    """The input profile of ``card``'s features over every row of ``schema.table``."""
    relation = f'"{check_identifier(schema, "schema")}"."{check_identifier(table, "table")}"'
    columns = {
        name
        for (name,) in con.execute(
            "select column_name from duckdb_columns() where schema_name = ? and table_name = ? "
            "and database_name = current_database()",
            [schema, table],
        ).fetchall()
    }
    if not columns:
        raise ConfigError(f"model {card.ref}: table {schema}.{table} is not in the warehouse")
    missing = [f for f in card.feature_names if f not in columns]
    if missing:
        raise ConfigError(
            f"model {card.ref}: table {schema}.{table} lacks the feature column(s) {', '.join(missing)}"
        )
    rows = con.execute(f"select count(*) from {relation}").fetchall()[0][0]
    if not rows:
        raise ConfigError(f"model {card.ref}: table {schema}.{table} has no rows to profile")
    features = {}
    for feature in card.features:
        column = f'"{feature.name}"'
        try:
            features[feature.name] = (
                _number(con, relation, column, rows)
                if feature.sql_type == "DOUBLE"
                else _category(con, relation, column, rows)
            )
        except duckdb.Error as exc:  # e.g. text that is no number in a column the model reads as DOUBLE
            raise ConfigError(
                f"model {card.ref}: column {feature.name} of {schema}.{table} cannot be profiled as "
                f"{feature.sql_type}: {str(exc).splitlines()[0]}"
            ) from exc
    return {"rows": rows, "source": f"backfill from {schema}.{table}", "features": features}


def _number(con: duckdb.DuckDBPyConnection, relation: str, column: str, rows: int) -> dict[str, Any]:
    value = f"cast({column} as double)"
    nulls, nonfinite, finite, low, high, quantiles = con.execute(
        f"""
        select
            count(*) filter (where {value} is null or isnan({value})),
            count(*) filter (where isinf({value})),
            count(*) filter (where isfinite({value})),
            min({value}) filter (where isfinite({value})),
            max({value}) filter (where isfinite({value})),
            quantile_cont({value}, $deciles) filter (where isfinite({value}))
        from {relation}
        """,
        {"deciles": DECILES},
    ).fetchall()[0]
    profile: dict[str, Any] = {
        "kind": "number",
        "null_rate": nulls / rows,
        "nonfinite_rate": nonfinite / rows,
    }
    if not finite:
        return {**profile, "min": None, "max": None, "decile_edges": [], "bin_shares": []}
    edges = sorted(set(float(q) for q in quantiles))
    counts = dict(
        con.execute(
            f"select len(list_filter($edges::double[], lambda e: {value} >= e)) as bin, count(*) "
            f"from {relation} where isfinite({value}) group by bin",
            {"edges": edges},
        ).fetchall()
    )
    return {
        **profile,
        "min": float(low),
        "max": float(high),
        "decile_edges": edges,
        "bin_shares": [counts.get(b, 0) / finite for b in range(len(edges) + 1)],
    }


def _category(con: duckdb.DuckDBPyConnection, relation: str, column: str, rows: int) -> dict[str, Any]:
    value = f"cast({column} as varchar)"
    nulls, distinct = con.execute(
        f"select count(*) filter (where coalesce({value}, '') = ''), "
        f"count(distinct {value}) filter (where {value} <> '') from {relation}"
    ).fetchall()[0]
    kept = con.execute(
        f"select {value} as category, count(*) as n from {relation} where {value} <> '' "
        "group by category order by n desc, category limit $limit",
        {"limit": MAX_CATEGORIES},
    ).fetchall()
    return {
        "kind": "category",
        "null_rate": nulls / rows,
        "categories": {str(category): n / rows for category, n in kept},
        "complete": distinct <= MAX_CATEGORIES,
    }
