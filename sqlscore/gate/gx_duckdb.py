"""Great Expectations on DuckDB, with the result-fetching bug fixed where it happens.

GX 1.24's ``SqlAlchemyExecutionEngine.execute_query`` runs a query inside
``with self.get_connection()`` and returns the live cursor result; callers
fetch rows after the ``with`` block has closed the connection. DuckDB then
yields no rows, so every metric comes back empty and every expectation fails
with "list index out of range" (GX issues 10738, 11579). The fix buffers the
result before the connection closes, in an execution engine used by a
datasource type of our own (``sqlscore_duckdb``); GX's classes stay untouched.

The engine also sets DuckDB's ``search_path`` on every connection: GX's
``table.column_types`` metric queries the table without its schema.
"""

from __future__ import annotations

import builtins
from typing import Any, Literal

import sqlalchemy
from great_expectations.datasource.fluent import SQLDatasource
from great_expectations.execution_engine import SqlAlchemyExecutionEngine


class BufferedDuckDBExecutionEngine(SqlAlchemyExecutionEngine):
    """Fetches every result while its connection is still open."""

    search_path = "candidate,main"
    #: Every DuckDB connection these engines opened, so :func:`close_connections` can close
    #: them: GX keeps references after its engines are disposed, and DuckDB refuses to open
    #: the same file with another configuration while any of them lives.
    _opened: list[Any] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        search_path = self.search_path

        @sqlalchemy.event.listens_for(self.engine, "connect")
        def _set_search_path(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.execute(f"set search_path = '{search_path}'")
            BufferedDuckDBExecutionEngine._opened.append(dbapi_connection)

    def execute_query(self, query: Any) -> Any:
        with self.get_connection() as connection:
            result = self._execute_query_with_recovery(connection, query)
            return result.freeze()()  # a buffered Result: rows survive the connection


def close_connections() -> None:
    """Close every DuckDB connection the gate's engines opened in this process."""
    while BufferedDuckDBExecutionEngine._opened:
        connection = BufferedDuckDBExecutionEngine._opened.pop()
        try:
            connection.close()
        except Exception:  # already closed by its pool
            pass


class DuckDBDatasource(SQLDatasource):
    """A SQL datasource on a DuckDB file whose engine buffers results."""

    type: Literal["sqlscore_duckdb"] = "sqlscore_duckdb"  # type: ignore[assignment]

    @property
    def execution_engine_type(self) -> builtins.type[SqlAlchemyExecutionEngine]:
        return BufferedDuckDBExecutionEngine
