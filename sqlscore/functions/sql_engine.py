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

import hashlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from sqlscore.compiler.version import DIALECTS
from sqlscore.errors import FunctionError
from sqlscore.functions.artifact_check import checked_artifact
from sqlscore.functions.compile_cache import CachedFunction, cache_path, load_compiled, store_compiled
from sqlscore.registry import ModelCard, Registry

if TYPE_CHECKING:  # the compiler (sqlglot, onnx) is imported only when a model is compiled
    from sqlscore.compiler import CompiledFunction

_COMPILED: dict[tuple[str, str, str, str], CompiledFunction | CachedFunction] = {}
_COMPILED_LOCK = threading.Lock()


def compiled_function(
    registry: Registry, card: ModelCard, function: str, output: str, returns: str
) -> CompiledFunction | CachedFunction:
    """Compile once per model version, output and compiler version (the artifact is re-checked
    every time): kept in this process, and in the registry beside the version for the next one
    (:mod:`sqlscore.functions.compile_cache`)."""
    artifact = checked_artifact(registry, card)
    key = (card.sha256, function, output, returns)
    with _COMPILED_LOCK:
        compiled = _COMPILED.get(key)
        if compiled is None:
            compiled = load_compiled(registry, card, function, output, returns)
        if compiled is None:
            import onnx

            from sqlscore.compiler import compile_function

            compiled = compile_function(onnx.load_from_string(artifact), card, function, output, returns)
            store_compiled(registry, card, compiled, output)
        _COMPILED[key] = compiled
    return compiled


def write_generated(compiled: CompiledFunction | CachedFunction, folder: Path) -> list[Path]:
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


def install_macro(
    con: duckdb.DuckDBPyConnection, compiled: CompiledFunction | CachedFunction, marker: str | None = None
) -> None:
    """``CREATE OR REPLACE MACRO`` in the warehouse (a TEMP macro on a read-only connection);
    ``marker`` becomes the stored macro's comment (see :func:`cached_macro_installed`)."""
    temporary = _read_only(con)
    try:
        con.execute(compiled.create_sql("duckdb", temporary=temporary))
        if marker is not None and not temporary:
            con.execute(f"comment on macro \"{compiled.name}\" is '{marker}'")
    except duckdb.Error as exc:
        raise FunctionError(
            f"function {compiled.name} ({compiled.model_ref}): DuckDB refused its SQL: {exc}"
        ) from exc


def cache_marker(registry: Registry, card: ModelCard, output: str, returns: str) -> str | None:
    """``sqlscore-cache:<sha256 of the cached file>``, or None when there is no cached file.

    Stored as the comment of the macro installed from that file's (checked) expression, so the
    next process that finds the same file and the same comment knows the warehouse already holds
    exactly what installing the file would give: it skips parsing, checking and creating the
    macro again (a large model's check and ``CREATE MACRO`` take most of a registration). Any
    change to the file, a new compiler version or another artifact changes the marker, and the
    file is checked and installed as ever; skipping never installs anything.
    """
    try:
        data = cache_path(registry, card, output, returns).read_bytes()
    except OSError:
        return None
    return f"sqlscore-cache:{hashlib.sha256(data).hexdigest()}"


def cached_macro_installed(
    con: duckdb.DuckDBPyConnection,
    registry: Registry,
    card: ModelCard,
    function: str,
    output: str,
    returns: str,
) -> bool:
    """Whether the warehouse holds ``function`` installed from the cached file as it is now (the
    artifact is checked all the same, as every registration checks it)."""
    marker = cache_marker(registry, card, output, returns)
    if marker is None or _read_only(con):
        return False
    rows = con.execute(
        "select comment from duckdb_functions() where function_name = ? and function_type = 'macro' "
        "and database_name = current_database() and not internal",
        [function],
    ).fetchall()
    if len(rows) != 1 or rows[0][0] != marker:
        return False
    checked_artifact(registry, card)
    return True


def drop_stored_macro(con: duckdb.DuckDBPyConnection, function: str) -> None:
    """Remove a stored macro of that name, so a Python function can take the name over.

    DuckDB refuses to register a Python function whose name a macro holds. ``DROP MACRO IF
    EXISTS`` says so in a millisecond; listing ``duckdb_functions()`` to ask first took 20-40 ms
    of every registration. It refuses only when the name is DuckDB's own or this process's
    Python function: then the stored macros are looked up by name as before.
    """
    if _read_only(con):
        return
    try:
        con.execute(f'drop macro if exists "{function}"')
        return
    except duckdb.CatalogException:
        pass
    rows = con.execute(
        "select count(*) from duckdb_functions() where function_name = ? and function_type = 'macro' "
        "and database_name = current_database() and not internal",
        [function],
    ).fetchall()
    if rows[0][0]:
        con.execute(f'drop macro if exists "{function}"')
