"""Registering the declared functions on a DuckDB connection.

DuckDB keeps Python functions per database instance (every connection to the
same file in this process sees them) but can only remove them through the
connection that created them. So each function is registered once per
instance behind a small holder; registering again (a reconnect, a second
``sqlscore.connect``, dbt opening its cursors) swaps the scorer inside the
holder instead of failing with "already exists". A function whose model is
missing or fails its checks is left out with a clear reason; the others are
still registered.
"""

from __future__ import annotations

import inspect
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
from duckdb import sqltypes

from sqlscore.errors import FunctionError, SignatureError, SqlscoreError
from sqlscore.functions.declarations import FunctionDeclaration
from sqlscore.names import check_identifier
from sqlscore.registry import ModelCard, Registry
from sqlscore.registry.card import BINARY, MULTICLASS

if TYPE_CHECKING:  # the engines are imported when a function needs one (a cached registration of
    # SQL functions loads neither onnxruntime nor the compiler: see engine_choice and sql_engine)
    import pyarrow as pa

_SQL_TYPES = {"DOUBLE": sqltypes.DOUBLE, "VARCHAR": sqltypes.VARCHAR}


@dataclass
class _Holder:
    """What DuckDB actually calls: a stable callable whose scorer can be swapped."""

    scorer: Callable[..., pa.Array]
    signature: tuple[tuple[str, ...], str]

    def __call__(self, *columns: pa.Array) -> pa.Array:
        return self.scorer(*columns)


_HOLDERS: dict[tuple[str, str], _Holder] = {}
_HOLDERS_LOCK = threading.Lock()


@dataclass
class RegistrationReport:
    """Which functions are callable now, and why the others are not."""

    registered: dict[str, str] = field(default_factory=dict)  # function -> name:version
    failed: dict[str, str] = field(default_factory=dict)  # function -> reason
    bindings: list[tuple[FunctionDeclaration, ModelCard]] = field(default_factory=list)
    #: name:version -> the version's checked input profile (None when it was exported without one)
    profiles: dict[str, dict[str, Any] | None] = field(default_factory=dict)
    #: function -> (the engine its declaration asked for, why auto chose the one it runs; None
    #: when the declaration named the engine itself)
    engines: dict[str, tuple[str, str | None]] = field(default_factory=dict)


def signature_of(card: ModelCard, output: str) -> tuple[tuple[str, ...], str]:
    """Parameter SQL types (card order) and return SQL type of a function."""
    for feature in card.features:
        check_identifier(feature.name, f"feature name of model {card.ref}")
        if feature.sql_type not in _SQL_TYPES:
            raise SignatureError(
                f"model {card.ref}: feature {feature.name} has SQL type {feature.sql_type}, "
                f"not one of {sorted(_SQL_TYPES)}"
            )
    params = tuple(f.sql_type for f in card.features)
    if card.task == MULTICLASS and output == "label":
        strings = all(isinstance(c, str) for c in card.classes)
        return params, "VARCHAR" if strings else "BIGINT"
    if output == "probabilities":
        if card.task != MULTICLASS and card.task != BINARY:
            raise SignatureError(f"model {card.ref} is a {card.task}: it has no probabilities")
        return params, "DOUBLE[]"
    if output == "label":
        raise SignatureError(f"model {card.ref} is a {card.task}: output 'label' is for multiclass models")
    if card.task == MULTICLASS:
        raise SignatureError(
            f"model {card.ref} is multiclass: declare output 'label' or 'probabilities', not 'score'"
        )
    return params, "DOUBLE"


def describe(function: str, card: ModelCard, return_type: str) -> str:
    args = ", ".join(f"{f.name} {f.sql_type}" for f in card.features)
    return f"{function}({args}) -> {return_type}"


def _duckdb_type(sql: str) -> sqltypes.DuckDBPyType:
    if sql == "DOUBLE[]":
        return duckdb.list_type(sqltypes.DOUBLE)
    if sql == "BIGINT":
        return sqltypes.BIGINT
    return _SQL_TYPES[sql]


def database_key(con: duckdb.DuckDBPyConnection) -> str:
    rows = con.execute(
        "select path from duckdb_databases() where database_name = current_database()"
    ).fetchall()
    path = rows[0][0] if rows else None
    return str(path) if path else f"memory:{id(con)}"


def _exists(con: duckdb.DuckDBPyConnection, function: str) -> bool:
    rows = con.execute(
        "select count(*) from duckdb_functions() where function_name = ? and function_type = 'scalar'",
        [function],
    ).fetchall()
    return bool(rows[0][0])


def udf_types(card: ModelCard, output: str) -> tuple[list[sqltypes.DuckDBPyType], sqltypes.DuckDBPyType]:
    """The DuckDB parameter and return types of a Python function scoring ``card``'s ``output``."""
    params, returns = signature_of(card, output)
    return [_SQL_TYPES[p] for p in params], _duckdb_type(returns)


@dataclass(frozen=True)
class Bound:
    """What one registration did: the version it calls, the engine it runs on and why."""

    card: ModelCard
    engine: str
    reason: str | None = None


def register_one(
    con: duckdb.DuckDBPyConnection,
    registry: Registry,
    declaration: FunctionDeclaration,
    generated: Path | None = None,
) -> Bound:
    """Register one declared function; say which version and engine it runs.

    ``generated`` is the folder the SQL engine writes its generated SQL to. Engine ``auto`` runs
    the engine :func:`~sqlscore.functions.engine_choice.choose_engine` picks for the version.
    """
    card = registry.resolve(declaration.model)
    params, returns = signature_of(card, declaration.output)
    engine, reason = declaration.engine, None
    if engine == "auto":
        from sqlscore.functions.engine_choice import choose_engine

        choice = choose_engine(registry, card, declaration.name, declaration.output, returns)
        engine, reason = choice.engine, choice.reason
        if engine == "sql" and _holds_python_function(con, declaration.name):
            engine, reason = "onnx", f"{reason}; kept onnx: this process holds it as a Python function"
    if engine == "sql":
        _register_sql(con, registry, card, declaration, returns, generated)
    elif engine == "onnx":
        _register_onnx(con, registry, card, declaration, (params, returns))
    else:
        raise FunctionError(f"function {declaration.name}: unknown engine {declaration.engine!r}")
    return Bound(card, engine, reason)


def _holds_python_function(con: duckdb.DuckDBPyConnection, function: str) -> bool:
    with _HOLDERS_LOCK:
        return (database_key(con), function) in _HOLDERS and _exists(con, function)


def _register_sql(
    con: duckdb.DuckDBPyConnection,
    registry: Registry,
    card: ModelCard,
    declaration: FunctionDeclaration,
    returns: str,
    generated: Path | None,
) -> None:
    if _holds_python_function(con, declaration.name):
        raise FunctionError(
            f"function {declaration.name} is registered with engine onnx in this process; "
            "DuckDB cannot hold both under one name, open a new process for engine sql"
        )
    from sqlscore.functions.sql_engine import (
        cache_marker,
        cached_macro_installed,
        compiled_function,
        install_macro,
        write_generated,
    )

    if generated is None and cached_macro_installed(
        con, registry, card, declaration.name, declaration.output, returns
    ):
        return
    compiled = compiled_function(registry, card, declaration.name, declaration.output, returns)
    install_macro(con, compiled, cache_marker(registry, card, declaration.output, returns))
    if generated is not None:
        write_generated(compiled, generated)


def holder_for(
    scorer: Callable[..., pa.Array], card: ModelCard, signature: tuple[tuple[str, ...], str]
) -> _Holder:
    """The callable DuckDB is given: it checks the callable's arity against the parameter list."""
    holder = _Holder(scorer, signature)
    holder.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [inspect.Parameter(f.name, inspect.Parameter.POSITIONAL_ONLY) for f in card.features]
    )
    return holder


def _register_onnx(
    con: duckdb.DuckDBPyConnection,
    registry: Registry,
    card: ModelCard,
    declaration: FunctionDeclaration,
    signature: tuple[tuple[str, ...], str],
) -> None:
    from sqlscore.functions.onnx_engine import OnnxScorer, get_session
    from sqlscore.functions.sql_engine import drop_stored_macro

    drop_stored_macro(con, declaration.name)
    session = get_session(registry, card)  # sha256 and card-vs-graph verified while loading
    scorer = OnnxScorer(declaration.name, card, session, declaration.output)
    key = (database_key(con), declaration.name)
    with _HOLDERS_LOCK:
        holder = _HOLDERS.get(key)
        if holder is not None and _exists(con, declaration.name):
            if holder.signature != signature:
                raise SignatureError(
                    f"function {declaration.name} is already registered in this process with a "
                    f"different signature; {describe(declaration.name, card, signature[1])} "
                    "needs a new process"
                )
            holder.scorer = scorer
            return
        holder = holder_for(scorer, card, signature)
        con.create_function(  # type: ignore[call-overload]
            declaration.name,
            holder,
            [_SQL_TYPES[p] for p in signature[0]],
            _duckdb_type(signature[1]),
            type="arrow",
            null_handling="special",
            exception_handling="default",
            side_effects=False,
        )
        _HOLDERS[key] = holder


def register_functions(
    con: duckdb.DuckDBPyConnection,
    registry: Registry,
    declarations: list[FunctionDeclaration],
    generated: str | os.PathLike[str] | None = None,
) -> RegistrationReport:
    """Register every declaration that can be; collect the reasons of those that cannot.

    With ``generated``, SQL-engine functions also write their SQL (every dialect) there:
    ``sqlscore run`` passes its dbt target folder, so generated files never land in the repo.
    """
    report = RegistrationReport()
    folder = Path(generated) if generated else None
    for declaration in declarations:
        try:
            bound = register_one(con, registry, declaration, folder)
            card = bound.card
            if card.ref not in report.profiles:  # the gate checks inputs against it: a bad one fails too
                report.profiles[card.ref] = registry.input_profile(card)
        except (SqlscoreError, duckdb.Error) as exc:
            report.failed[declaration.name] = (
                f"function {declaration.name} ({declaration.model}) not registered: {exc}"
            )
        else:
            report.registered[declaration.name] = card.ref
            report.bindings.append((replace(declaration, engine=bound.engine), card))
            report.engines[declaration.name] = (declaration.engine, bound.reason)
    return report
