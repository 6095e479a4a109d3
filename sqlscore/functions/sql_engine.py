"""The SQL engine: a model compiled to SQL and installed as a DuckDB macro.

The macro is stored in the warehouse file, so the duckdb CLI, a BI tool or any
other DuckDB client can call ``predict_<name>(...)`` with no Python at all (a
Python function exists only in the process that registered it). A read-only
connection gets a temporary macro instead. The generated SQL can also be written
as ``<function>.<dialect>.sql`` for DuckDB, PostgreSQL and Spark, so a review sees
exactly what runs: ``sqlscore run`` writes it under its dbt target folder
(``dbt_target/sqlscore/``), ``sqlscore compile`` prints it.
"""

from __future__ import annotations

import threading
from pathlib import Path

import duckdb
import onnx

from sqlscore.compiler import DIALECTS, CompiledFunction, compile_function
from sqlscore.errors import FunctionError
from sqlscore.functions.compile_cache import load_compiled, store_compiled
from sqlscore.registry import ModelCard, Registry
from sqlscore.registry.graph_check import compare_card_with_graph

_COMPILED: dict[tuple[str, str, str, str], CompiledFunction] = {}
_COMPILED_LOCK = threading.Lock()


def compiled_function(
    registry: Registry, card: ModelCard, function: str, output: str, returns: str
) -> CompiledFunction:
    """Compile once per model version, output and compiler version (the artifact is re-checked
    every time): kept in this process, and in the registry beside the version for the next one
    (:mod:`sqlscore.functions.compile_cache`)."""
    artifact = registry.load_artifact(card)  # sha256 checked here
    problems = compare_card_with_graph(card, artifact)
    if problems:
        raise FunctionError("; ".join(problems))
    key = (card.sha256, function, output, returns)
    with _COMPILED_LOCK:
        compiled = _COMPILED.get(key)
        if compiled is None:
            compiled = load_compiled(registry, card, function, output, returns)
        if compiled is None:
            compiled = compile_function(onnx.load_from_string(artifact), card, function, output, returns)
            store_compiled(registry, card, compiled, output)
        _COMPILED[key] = compiled
    return compiled


def write_generated(compiled: CompiledFunction, folder: Path) -> list[Path]:
    """``<function>.<dialect>.sql`` for every dialect; files already up to date are left alone."""
    written = []
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for dialect in DIALECTS:
            path = folder / f"{compiled.name}.{dialect}.sql"
            text = compiled.create_sql(dialect) + ";\n"
            if not path.exists() or path.read_text() != text:
                tmp = path.with_suffix(".sql.tmp")
                tmp.write_text(text)
                tmp.replace(path)
            written.append(path)
    except OSError:
        return []  # a read-only checkout: the macro is still installed, only the review copy is skipped
    return written


def _read_only(con: duckdb.DuckDBPyConnection) -> bool:
    rows = con.execute(
        "select readonly from duckdb_databases() where database_name = current_database()"
    ).fetchall()
    return bool(rows and rows[0][0])


def install_macro(con: duckdb.DuckDBPyConnection, compiled: CompiledFunction) -> None:
    """``CREATE OR REPLACE MACRO`` in the warehouse (a TEMP macro on a read-only connection)."""
    temporary = _read_only(con)
    try:
        con.execute(compiled.create_sql("duckdb", temporary=temporary))
    except duckdb.Error as exc:
        raise FunctionError(
            f"function {compiled.name} ({compiled.model_ref}): DuckDB refused its SQL: {exc}"
        ) from exc


def drop_stored_macro(con: duckdb.DuckDBPyConnection, function: str) -> None:
    """Remove a stored macro of that name, so a Python function can take the name over.

    DuckDB refuses to register a Python function whose name a macro holds.
    """
    rows = con.execute(
        "select count(*) from duckdb_functions() where function_name = ? and function_type = 'macro' "
        "and database_name = current_database() and not internal",
        [function],
    ).fetchall()
    if rows[0][0] and not _read_only(con):
        con.execute(f'drop macro if exists "{function}"')
