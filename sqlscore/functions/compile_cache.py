"""Compiled SQL kept with the model version in the registry, so a new process skips the compiler.

Compiling a 100-tree model and writing its SQL takes about a second, and every process that
registers the SQL engine's functions paid it again: each dbt invocation, each ``sqlscore run``,
each ``sqlscore sql``. The SQL depends only on the artifact (its sha256), the compiler
(``COMPILER_VERSION``), the output asked for and its return type, so it is written once, beside
the version's artifact: ``<registry>/<name>/<version>/compiled/<output>.<type>.c<N>.json``, with
the expression in every dialect. A new compiler version writes a new file; the version's own
files are never touched.

A cached file is registry content, and registry content is checked, never trusted (a hostile
folder can be planted in a registry, see ``sqlscore models verify``). Before its DuckDB
expression reaches a ``CREATE MACRO`` it must parse, with DuckDB's own parser, as one expression
that reads only the function's parameters, holds no subquery, and calls only DuckDB's built-in,
deterministic scalar functions and operators. A file that fails any check, or names another
artifact, compiler or parameter list, is ignored and the model compiled again. The cache is best
effort: a read-only registry only means compiling every time.
"""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb

from sqlscore.compiler.version import COMPILER_VERSION, DIALECTS
from sqlscore.errors import CompileError
from sqlscore.names import check_identifier, check_model_name, check_sha256, check_version
from sqlscore.registry import ModelCard, Registry

if TYPE_CHECKING:
    from sqlscore.compiler import CompiledFunction

#: The folder of cached SQL inside a version's folder.
CACHE_FOLDER = "compiled"

#: Parse-tree node classes a model's expression is made of (DuckDB's ``json_serialize_sql``).
ALLOWED_CLASSES = frozenset(
    {
        "BETWEEN",
        "CASE",
        "CAST",
        "COLUMN_REF",
        "COMPARISON",
        "CONJUNCTION",
        "CONSTANT",
        "FUNCTION",
        "OPERATOR",
        "TYPE",
    }
)

#: An in-memory DuckDB that parses cached expressions and lists the built-in functions (made once
#: per process, used under the lock).
_PARSER: duckdb.DuckDBPyConnection | None = None
_ALLOWED_FUNCTIONS: frozenset[str] = frozenset()
_PARSER_LOCK = threading.Lock()


def cache_path(registry: Registry, card: ModelCard, output: str, return_type: str) -> Path:
    """Where the compiled SQL of ``card`` for ``output`` returning ``return_type`` is kept."""
    type_slug = re.sub(r"[^A-Za-z0-9]+", "_", return_type).strip("_").lower()
    name = f"{output}.{type_slug}.c{COMPILER_VERSION}.json"
    return registry.artifact_path(card).parent / CACHE_FOLDER / name


def load_compiled(
    registry: Registry, card: ModelCard, function: str, output: str, return_type: str
) -> CachedFunction | None:
    """The cached SQL of this function as a :class:`CachedFunction`, or None (compile it)."""
    path = cache_path(registry, card, output, return_type)
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    parameters = tuple((f.name, f.sql_type) for f in card.features)
    expressions = document.get("expressions") if isinstance(document, dict) else None
    if (
        not isinstance(expressions, dict)
        or document.get("sha256") != card.sha256
        or document.get("compiler_version") != COMPILER_VERSION
        or document.get("output") != output
        or document.get("return_type") != return_type
        or [tuple(p) for p in document.get("parameters") or []] != list(parameters)
        or set(expressions) != set(DIALECTS)
        or not all(isinstance(text, str) for text in expressions.values())
        or not is_plain_expression(expressions["duckdb"], [name for name, _ in parameters])
    ):
        return None
    return CachedFunction(function, card.ref, card.sha256, parameters, return_type, dict(expressions))


@dataclass(frozen=True)
class CachedFunction:
    """A function read back from the cache: what :class:`~sqlscore.compiler.CompiledFunction`
    offers the engines (name, parameters, the expression and the statement per dialect), without
    the compiler. Importing the compiler (sqlglot, onnx) cost more than the whole of a cached
    registration is allowed; the DuckDB statement is written here, the same text the compiler
    writes (tests/functions/test_compile_cache.py compares them), the other dialects' by the
    compiler's own writer, imported only when they are asked for (review copies, Spark).
    """

    name: str
    model_ref: str
    sha256: str
    parameters: tuple[tuple[str, str], ...]
    return_type: str
    written: dict[str, str]

    def expression_sql(self, dialect: str = "duckdb") -> str:
        return self.written[dialect]

    def create_sql(self, dialect: str = "duckdb", *, temporary: bool = False) -> str:
        if dialect != "duckdb":
            from sqlscore.compiler import CompiledFunction

            compiled = CompiledFunction.from_written(
                name=self.name,
                model_ref=self.model_ref,
                sha256=self.sha256,
                parameters=self.parameters,
                return_type=self.return_type,
                written=self.written,
            )
            return compiled.create_sql(dialect, temporary=temporary)
        return duckdb_macro_sql(
            self.name,
            self.model_ref,
            self.sha256,
            self.parameters,
            self.written["duckdb"],
            temporary=temporary,
        )


def duckdb_macro_sql(
    function: str,
    model_ref: str,
    sha256: str,
    parameters: tuple[tuple[str, str], ...],
    body: str,
    *,
    temporary: bool = False,
) -> str:
    """The header comment and ``CREATE OR REPLACE [TEMP] MACRO``, from checked names only (a newline
    in the ``--`` comment would turn the rest of it into SQL)."""
    name, _, version = model_ref.partition(":")
    check_identifier(function, "function name")
    check_model_name(name)
    check_version(version)
    check_sha256(sha256)
    for parameter, sql_type in parameters:
        check_identifier(parameter, f"parameter of {function}")
        if sql_type not in _DUCKDB_TYPES:
            raise CompileError(f"function {function} ({model_ref}): parameter type {sql_type!r}")
    params = ", ".join(f'"{parameter}" {sql_type}' for parameter, sql_type in parameters)
    scope = "TEMP " if temporary else ""
    return (
        f"-- {function}: model {name}:{version} (sha256 {sha256}), "
        f"compiled by sqlscore (compiler v{COMPILER_VERSION}); generated, do not edit\n"
        f'CREATE OR REPLACE {scope}MACRO "{function}"({params}) AS\n{body}'
    )


_DUCKDB_TYPES = frozenset({"DOUBLE", "VARCHAR", "BIGINT", "DOUBLE[]"})


def store_compiled(
    registry: Registry, card: ModelCard, compiled: CompiledFunction, output: str
) -> Path | None:
    """Write the compiled SQL beside the version (every dialect); None when it cannot be written."""
    path = cache_path(registry, card, output, compiled.return_type)
    document: dict[str, Any] = {
        "sha256": card.sha256,
        "compiler_version": COMPILER_VERSION,
        "output": output,
        "return_type": compiled.return_type,
        "parameters": [list(p) for p in compiled.parameters],
        "expressions": {dialect: compiled.expression_sql(dialect) for dialect in DIALECTS},
    }
    try:
        path.parent.mkdir(exist_ok=True)
        staging = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        staging.write_text(json.dumps(document))
        staging.replace(path)  # atomic: a concurrent reader sees the old file or the whole new one
    except OSError:
        return None
    return path


def is_plain_expression(text: str, parameters: list[str]) -> bool:
    """Whether ``text`` is one DuckDB expression over ``parameters`` and pure built-in functions.

    Parsed by DuckDB itself (``json_serialize_sql``), so what is checked is what DuckDB would run.
    The compiler writes no comment and no statement separator: text with either is refused before
    parsing, so nothing in it can end the ``CREATE MACRO`` it goes into.
    """
    if any(mark in text for mark in ("--", "/*", ";")):
        return False
    with _PARSER_LOCK:
        rows = _parser().execute("select json_serialize_sql(?)", [f"select {text}"]).fetchall()
    try:
        tree = json.loads(rows[0][0])
    except (ValueError, TypeError):
        return False
    statements = tree.get("statements") if isinstance(tree, dict) else None
    if tree.get("error") or not isinstance(statements, list) or len(statements) != 1:
        return False
    node = statements[0].get("node") or {}
    if (node.get("from_table") or {}).get("type") != "EMPTY" or len(node.get("select_list") or []) != 1:
        return False
    for key in ("where_clause", "group_expressions", "having", "qualify", "sample"):
        if node.get(key) not in (None, [], {}):
            return False
    if node.get("modifiers") or (node.get("cte_map") or {}).get("map"):
        return False
    return _only_allowed(node["select_list"][0], set(parameters), _ALLOWED_FUNCTIONS)


def _only_allowed(tree: Any, parameters: set[str], functions: frozenset[str]) -> bool:
    """Walk a serialized expression: allowed classes, parameter columns, pure built-in functions.

    Iterative: a 300-tree model nests thousands of levels deep."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            if not _node_allowed(node, parameters, functions):
                return False
            stack.extend(node.values())
    return True


def _node_allowed(node: dict[str, Any], parameters: set[str], functions: frozenset[str]) -> bool:
    kind = node.get("class")
    if kind is not None:
        if kind not in ALLOWED_CLASSES:
            return False
        names = node.get("column_names")
        if kind == "COLUMN_REF" and not (
            isinstance(names, list) and len(names) == 1 and names[0] in parameters
        ):
            return False
        if kind == "FUNCTION" and (
            node.get("schema") not in ("", None)
            or node.get("catalog") not in ("", None)
            or node.get("function_name") not in functions
        ):
            return False
    return True


def _parser() -> duckdb.DuckDBPyConnection:
    """The in-memory DuckDB of the checks (call under ``_PARSER_LOCK``); lists the functions a
    cached expression may call on first use: DuckDB's built-in scalar functions whose result
    depends on their arguments alone."""
    global _PARSER, _ALLOWED_FUNCTIONS
    if _PARSER is None:
        _PARSER = duckdb.connect()
        rows = _PARSER.execute(
            "select distinct function_name from duckdb_functions() "
            "where internal and function_type = 'scalar' and stability = 'CONSISTENT'"
        ).fetchall()
        _ALLOWED_FUNCTIONS = frozenset(name for (name,) in rows)
    return _PARSER
