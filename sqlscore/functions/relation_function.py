"""``sqlscore_score_relation``: the SQL entry to the relation path, for dbt's ``predict()``.

dbt runs a scoring model's SQL on its own cursor, inside its own transaction, where no Python
stream can be handed to the statement. So the model first calls (through ``run_query``, while
dbt renders it) ``select sqlscore_score_relation('predict_churn', '<the rows to score>',
'<columns to keep>', <min rows>)``: the rows are read through another cursor of the same database (they are
committed: the features and the model's own table as the run started), streamed through
onnxruntime in large record batches (:mod:`sqlscore.functions.relation`) into a Parquet file, and
the function returns the file's path, which the model's statement reads with ``read_parquet``
(NULL when the query has fewer than ``min rows`` rows: too few for the path to pay off).
Registered with every function set (bind), for the connection that registered it: importing this
module costs nothing, the relation path's libraries load on the first call.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import duckdb
from duckdb import sqltypes

from sqlscore.registry import Registry

#: The SQL function dbt's ``predict()`` calls (through ``run_query``) to score a whole relation:
#: ``sqlscore_score_relation(function, source_sql, keep_columns, min_rows) -> parquet path or NULL``.
RELATION_FUNCTION = "sqlscore_score_relation"
_RELATION_HOLDERS: dict[str, _RelationScorer] = {}
_RELATION_LOCK = threading.Lock()


@dataclass
class _RelationScorer:
    """What DuckDB calls for ``sqlscore_score_relation``: the registry and a connection of the same
    database instance are swapped in by every registration (dbt's connection, a new connect)."""

    con: duckdb.DuckDBPyConnection
    registry: Registry

    def __call__(self, function: str, source: str, keep: str, min_rows: int) -> str | None:
        from sqlscore.functions.relation import score_to_parquet

        columns = [c for c in keep.split(",") if c]
        # dbt builds models on several threads: two scoring models can call this at the same moment,
        # and a DuckDB connection runs one statement at a time, refusing a second ("connection is
        # busy with another call"). Each call reads through a cursor of its own.
        with _RELATION_LOCK:
            cursor = self.con.cursor()
        try:
            path = score_to_parquet(cursor, self.registry, function, source, columns, min_rows=min_rows)
        finally:
            cursor.close()
        return None if path is None else str(path)


def register_relation_function(con: duckdb.DuckDBPyConnection, registry: Registry, database: str) -> None:
    """Make ``sqlscore_score_relation`` callable on ``con``'s database (once per database instance
    of this process; a later registration only swaps the connection and registry it uses)."""
    with _RELATION_LOCK:
        holder = _RELATION_HOLDERS.get(database)
        if holder is not None and _exists(con):
            holder.con, holder.registry = con, registry
            return
        holder = _RelationScorer(con, registry)
        con.create_function(  # type: ignore[call-overload]
            RELATION_FUNCTION,
            holder,
            [sqltypes.VARCHAR, sqltypes.VARCHAR, sqltypes.VARCHAR, sqltypes.BIGINT],
            sqltypes.VARCHAR,
            type="native",
            null_handling="special",  # NULL: fewer rows than min_rows
            exception_handling="default",
            side_effects=True,
        )
        _RELATION_HOLDERS[database] = holder


def _exists(con: duckdb.DuckDBPyConnection) -> bool:
    """Whether the database instance still holds the function (a file closed and opened again in
    this process is a new instance, without it)."""
    rows = con.execute(
        "select count(*) from duckdb_functions() where function_name = ?", [RELATION_FUNCTION]
    ).fetchall()
    return bool(rows[0][0])
