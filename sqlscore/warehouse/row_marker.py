"""Tables rewritten only when their rows change: a comment naming the sha256 of the rows written.

Every new process registers the same model versions again, and rewriting the catalog tables it
derives from them (``ml_models``, ``ml_input_profiles``, ``ml_reference_bins``) cost each
registration a rewrite and a commit, up to 0.3 s for the reference bins inserted row by row. A
table written here carries the rows' digest as its DuckDB comment; a later writer with the same
rows, finding that comment and as many rows, leaves the table as it is.
"""

from __future__ import annotations

import hashlib
import json

import duckdb


def rows_marker(rows: object) -> str:
    """The comment that names these rows (any JSON-able value; dates and the like as text)."""
    return "sqlscore-rows:" + hashlib.sha256(json.dumps(rows, default=str).encode()).hexdigest()


def holds_rows(con: duckdb.DuckDBPyConnection, marker: str, counts: dict[str, int]) -> bool:
    """Whether every table of ``counts`` (in ``main``) carries ``marker`` and holds that many rows.
    Table names are the caller's constants, never user input."""
    tables = list(counts)
    held = con.execute(
        "select comment from duckdb_tables() where database_name = current_database() "
        f"and schema_name = 'main' and table_name in ({', '.join('?' for _ in tables)})",
        tables,
    ).fetchall()
    if len(held) != len(tables) or any(comment != marker for (comment,) in held):
        return False
    found = con.execute("select " + ", ".join(f"(select count(*) from {t})" for t in tables)).fetchall()
    return found[0] == tuple(counts.values())


def mark_rows(con: duckdb.DuckDBPyConnection, marker: str, tables: list[str]) -> None:
    """Record that ``tables`` now hold the rows ``marker`` names."""
    for table in tables:
        con.execute(f"comment on table {table} is '{marker}'")
