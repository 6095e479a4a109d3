"""The statement that installs a compiled function, per warehouse.

sqlglot writes the expression in each dialect (types, casts, quoting, arrays);
only the wrapper differs and lives here: a DuckDB macro with typed parameters,
a PostgreSQL SQL function (``IMMUTABLE PARALLEL SAFE``, which the planner can
inline) and a Spark SQL function.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from sqlglot import exp

from sqlscore.compiler.sql import resolve_clamps, resolve_lets, resolve_raises
from sqlscore.compiler.version import DIALECTS

_PARAMETER_TYPES = {
    "duckdb": {"DOUBLE": "DOUBLE", "VARCHAR": "VARCHAR", "BIGINT": "BIGINT", "DOUBLE[]": "DOUBLE[]"},
    "postgres": {
        "DOUBLE": "double precision",
        "VARCHAR": "text",
        "BIGINT": "bigint",
        "DOUBLE[]": "double precision[]",
    },
    "spark": {"DOUBLE": "DOUBLE", "VARCHAR": "STRING", "BIGINT": "BIGINT", "DOUBLE[]": "ARRAY<DOUBLE>"},
}


@contextmanager
def _deep_recursion() -> Iterator[None]:
    """sqlglot recurses once per nesting level; a sum over hundreds of trees nests that deep."""
    previous = sys.getrecursionlimit()
    sys.setrecursionlimit(max(previous, 20_000))
    try:
        yield
    finally:
        sys.setrecursionlimit(previous)


#: Dialects whose exp() raises on overflow instead of returning inf (sigmoids clamp their input).
EXP_RAISES = {"postgres"}


def expression_sql(expression: exp.Expression, dialect: str) -> str:
    if dialect not in DIALECTS:
        raise ValueError(f"dialect {dialect!r} is not one of {DIALECTS}")
    with _deep_recursion():
        # one copy, which the markers are resolved in and sqlglot writes from (copying a boosted
        # ensemble's tree costs as much as writing it)
        resolved = resolve_lets(resolve_clamps(expression.copy(), dialect in EXP_RAISES), dialect)
        return resolve_raises(resolved, dialect).sql(dialect=dialect, copy=False)


def create_statement(
    name: str,
    parameters: Sequence[tuple[str, str]],
    return_type: str,
    body: str,
    dialect: str,
    *,
    temporary: bool = False,
) -> str:
    """``CREATE ... name(params) ... <body>`` for ``dialect`` (one of :data:`DIALECTS`).

    ``body`` is the function's expression already written in ``dialect`` (:func:`expression_sql`).
    """
    if dialect not in DIALECTS:
        raise ValueError(f"dialect {dialect!r} is not one of {DIALECTS}")
    types = _PARAMETER_TYPES[dialect]
    quoted = [exp.to_identifier(p, quoted=True).sql(dialect=dialect) for p, _ in parameters]
    function = exp.to_identifier(name, quoted=True).sql(dialect=dialect)
    if dialect == "duckdb":
        params = ", ".join(f"{q} {types[t]}" for q, (_, t) in zip(quoted, parameters, strict=True))
        scope = "TEMP " if temporary else ""
        return f"CREATE OR REPLACE {scope}MACRO {function}({params}) AS\n{body}"
    if dialect == "postgres":
        params = ", ".join(f"{q} {types[t]}" for q, (_, t) in zip(quoted, parameters, strict=True))
        return (
            f"CREATE OR REPLACE FUNCTION {function}({params})\nRETURNS {types[return_type]}\n"
            f"LANGUAGE sql IMMUTABLE PARALLEL SAFE\nRETURN {body}"
        )
    params = ", ".join(f"{q} {types[t]}" for q, (_, t) in zip(quoted, parameters, strict=True))
    return f"CREATE OR REPLACE FUNCTION {function}({params})\nRETURNS {types[return_type]}\nRETURN {body}"
