"""Small builders for the sqlglot expressions the translators emit.

Numbers are written so that every dialect reads back exactly the same double:
the shortest round-trip digits with an exponent (``0.1e0``), which DuckDB,
PostgreSQL and Spark all parse as a double (without the exponent DuckDB would
read a DECIMAL and round it through a division). float32 values are that exact
double cast to REAL, which is exact because the value is representable.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence

import numpy as np
from sqlglot import exp

from sqlscore.compiler.types import BOOL, DOUBLE, FLOAT, INT64, STRING

SQL_TYPES = {DOUBLE: "double", FLOAT: "float", INT64: "bigint", STRING: "varchar", BOOL: "boolean"}
_DATA_TYPES = {dtype: exp.DataType.build(name) for dtype, name in SQL_TYPES.items()}


def double(value: float) -> exp.Expression:
    """An exact double literal (infinities and NaN as casts of their names)."""
    value = float(value)
    if math.isnan(value):
        return cast(exp.Literal.string("NaN"), DOUBLE)
    if math.isinf(value):
        return cast(exp.Literal.string("Infinity" if value > 0 else "-Infinity"), DOUBLE)
    text = repr(value)
    if "e" not in text:
        text += "e0"
    literal = exp.Literal.number(text.lstrip("-"))
    return exp.Neg(this=literal) if text.startswith("-") else literal


def real(value: float) -> exp.Expression:
    """An exact float32 literal."""
    value = float(np.float32(value))
    if math.isinf(value) or math.isnan(value):
        return cast(
            exp.Literal.string({math.inf: "Infinity", -math.inf: "-Infinity"}.get(value, "NaN")),
            FLOAT,
            copy=False,
        )
    return cast(double(value), FLOAT, copy=False)


def constant(value: object, dtype: str) -> exp.Expression:
    """A literal of the compiler's element type ``dtype``."""
    if dtype == STRING:
        return exp.Literal.string(str(value))
    if dtype == BOOL:
        return exp.true() if bool(value) else exp.false()
    if dtype == INT64:
        number = int(value)  # type: ignore[call-overload]
        literal = exp.Literal.number(str(abs(number)))
        return exp.Neg(this=literal) if number < 0 else literal
    if dtype == FLOAT:
        return real(float(value))  # type: ignore[arg-type]
    return double(float(value))  # type: ignore[arg-type]


def cast(expression: exp.Expression, dtype: str, *, copy: bool = True) -> exp.Expression:
    """``CAST(e AS type)``. ``copy=False`` when the caller hands over an expression nothing else
    holds (a fresh copy, a new literal): a tree ensemble makes thousands of casts, and copying
    each argument again, or parsing the type name each time, dominated its compile time."""
    return exp.cast(expression, _DATA_TYPES[dtype].copy(), copy=copy)


FLOAT32_MAX = float(np.finfo(np.float32).max)
#: Doubles at or above this round to +inf in float32 (below it, to FLT_MAX at most).
FLOAT32_OVERFLOW = 2.0**128 - 2.0**103


def to_float32(expression: exp.Expression) -> exp.Expression:
    """Round a double to float32 as onnxruntime does: out-of-range values become +-inf.

    DuckDB and PostgreSQL raise on ``CAST(1e300 AS REAL)``; onnxruntime (C++) saturates.
    """
    e = expression

    def present(condition: exp.Expression) -> exp.Expression:  # NaN sorts above +inf: exclude it
        return exp.And(this=condition, expression=exp.LTE(this=e.copy(), expression=double(math.inf)))

    return exp.Case(
        ifs=[
            exp.If(
                this=present(exp.GTE(this=e.copy(), expression=double(FLOAT32_OVERFLOW))), true=real(math.inf)
            ),
            exp.If(
                this=present(exp.GT(this=e.copy(), expression=double(FLOAT32_MAX))), true=real(FLOAT32_MAX)
            ),
            exp.If(this=exp.LTE(this=e.copy(), expression=double(-FLOAT32_OVERFLOW)), true=real(-math.inf)),
            exp.If(this=exp.LT(this=e.copy(), expression=double(-FLOAT32_MAX)), true=real(-FLOAT32_MAX)),
        ],
        default=cast(e.copy(), FLOAT, copy=False),
    )


def paren(expression: exp.Expression) -> exp.Expression:
    if isinstance(expression, (exp.Column, exp.Literal, exp.Paren, exp.Cast, exp.Case, exp.Func)):
        return expression
    return exp.Paren(this=expression)


def case(condition: exp.Expression, then: exp.Expression, otherwise: exp.Expression) -> exp.Expression:
    return exp.Case(ifs=[exp.If(this=condition, true=then)], default=otherwise)


def is_missing(column: exp.Expression) -> exp.Expression:
    """NULL or NaN: both are "missing" to the model (NaN = NaN is true in DuckDB, PostgreSQL, Spark)."""
    return exp.Or(
        this=exp.Is(this=column.copy(), expression=exp.Null()),
        expression=exp.EQ(this=column.copy(), expression=double(math.nan)),
    )


def total(terms: Sequence[exp.Expression]) -> exp.Expression:
    """``t0 + t1 + ...`` left to right (the order onnxruntime accumulates in)."""
    if not terms:
        return double(0.0)
    result = terms[0]
    for term in terms[1:]:
        result = exp.Add(this=result, expression=paren(term))
    return result


#: Marks an argument of exp() that must stay within +-700 where exp() overflow is an error
#: (PostgreSQL); DuckDB and Spark return inf/0 there, so the clamp is dropped for them
#: (``sqlscore.compiler.dialects``).
CLAMP = "sqlscore_exp_clamp"


def clamp(expression: exp.Expression, low: float, high: float) -> exp.Expression:
    """``e`` held within [low, high] where the dialect needs it (NULL kept), ``e`` elsewhere."""
    return exp.Anonymous(this=CLAMP, expressions=[expression, double(low), double(high)])


#: The derived table and column a NULL-keeping clamp names its value by.
_CLAMPED = "sqlscore_clamped"


def resolve_clamps(expression: exp.Expression, needed: bool) -> exp.Expression:
    """Replace the :data:`CLAMP` markers by a NULL-keeping clamp (``needed``) or their argument,
    in place (the caller owns ``expression``: :func:`sqlscore.compiler.dialects.expression_sql`).

    PostgreSQL's greatest() and least() skip NULL arguments, so ``least(greatest(e, low), high)``
    turns a NULL ``e`` into ``low``, and a score that must be NULL into a number. The clamp is a
    scalar subquery instead, ``(select least(greatest(v, low), high) from (select e as v) where v
    is not null)``: NULL when ``e`` is, and ``e`` written (and evaluated) once, where a CASE would
    repeat the whole sum of a boosted ensemble.
    """
    holder = exp.Paren(this=expression)  # a parent, so a marker at the root can be replaced
    # innermost first (find_all goes breadth first): an outer clamp's value then already holds
    # the inner one resolved, whether or not building the subquery copies it
    for node in reversed([n for n in holder.find_all(exp.Anonymous) if _is_marker(n, CLAMP)]):
        value, low, high = node.expressions
        node.replace(_null_keeping_clamp(value, low, high) if needed else paren(value))
    return holder.this


def _null_keeping_clamp(value: exp.Expression, low: exp.Expression, high: exp.Expression) -> exp.Expression:
    named = exp.column(_CLAMPED, _CLAMPED)
    derived = exp.select(exp.alias_(value, _CLAMPED)).subquery(_CLAMPED)
    clamped = (
        exp.select(least([greatest([named, low]), high]))
        .from_(derived)
        .where(exp.Not(this=exp.Is(this=named.copy(), expression=exp.Null())))
    )
    return exp.Subquery(this=clamped)


LET = "sqlscore_let"
_REF = "sqlscore_let_ref"
_LET_TOKENS = itertools.count()


def let(
    values: Sequence[exp.Expression], body: Callable[[Sequence[exp.Expression]], exp.Expression]
) -> exp.Expression:
    """``body`` over ``values``, each value written once where the dialect can name it.

    A softmax divides every class's exp() by the sum of all of them, and an argmax compares
    every pair of scores: written inline, each class's score (a whole boosted sum) would appear
    K(K+1)^2 and K(K-1) times, and a 20-round 3-class HistGradientBoosting model's SQL reached
    3 MB. ``body`` gets one placeholder per value; :func:`resolve_lets` binds them through a
    lambda over a one-element list on DuckDB and writes the values in place elsewhere. The
    values must share one type (they become one list).
    """
    token = exp.Literal.number(next(_LET_TOKENS))
    refs = [
        exp.Anonymous(this=_REF, expressions=[token.copy(), exp.Literal.number(i)])
        for i in range(len(values))
    ]
    return exp.Anonymous(this=LET, expressions=[token, exp.Array(expressions=list(values)), body(refs)])


def _is_marker(node: exp.Expr, name: str) -> bool:
    return isinstance(node, exp.Anonymous) and str(node.this).lower() == name


def resolve_lets(expression: exp.Expression, dialect: str) -> exp.Expression:
    """Write each :func:`let` for ``dialect``: ``list_transform([[v0, v1]], lambda z: body)[1]``
    on DuckDB (the parameter named by how many lets' bodies enclose it, so the SQL does not
    depend on the order functions were compiled in), the values in place of their placeholders
    elsewhere. In place, like :func:`resolve_clamps`."""
    holder = exp.Paren(this=expression)  # a parent, so a let at the root can be replaced
    # innermost first (find_all goes breadth first), so an outer let's values and body already
    # hold the inner ones resolved
    for node in reversed([n for n in holder.find_all(exp.Anonymous) if _is_marker(n, LET)]):
        token, values, body = node.expressions
        refs = [r for r in body.find_all(exp.Anonymous) if _is_marker(r, _REF) and r.expressions[0] == token]
        if dialect == "duckdb":
            name = f"sqlscore_let{_enclosing_bodies(node)}"
            for ref in refs:
                # sqlglot counts from 0 and writes DuckDB's 1-based index
                position = exp.Literal.number(int(ref.expressions[1].this))
                ref.replace(exp.Bracket(this=exp.column(name), expressions=[position]))
            # the let node is dropped: its values and body move into the lambda uncopied
            lam = exp.Lambda(this=body, expressions=[exp.to_identifier(name)])
            listed = exp.Transform(this=exp.Array(expressions=[values]), expression=lam)
            node.replace(exp.Bracket(this=listed, expressions=[exp.Literal.number(0)]))
        else:
            for ref in refs:
                ref.replace(paren(values.expressions[int(ref.expressions[1].this)].copy()))
            node.replace(paren(body))
    return holder.this


def _enclosing_bodies(node: exp.Expression) -> int:
    """How many lets have ``node`` inside their body (their lambdas' parameters are in scope)."""
    depth = 0
    child: exp.Expr = node
    parent = node.parent
    while parent is not None:
        if _is_marker(parent, LET) and child is parent.expressions[2]:
            depth += 1
        child, parent = parent, parent.parent
    return depth


RAISE = "sqlscore_raise"


def raise_error(message: exp.Expression) -> exp.Expression:
    """A marker that fails the query with ``message`` (a string expression) when evaluated.

    Written per dialect by :func:`resolve_raises`. The message must depend on a column (the
    offending value, say): PostgreSQL folds constant expressions while planning, CASE or not.
    """
    return exp.Anonymous(this=RAISE, expressions=[message])


def resolve_raises(expression: exp.Expression, dialect: str) -> exp.Expression:
    """DuckDB ``error(m)``, Spark ``raise_error(m)``, PostgreSQL ``cast(m as integer)`` (no
    expression-level raise exists there; the cast fails with ``invalid input syntax for type
    integer: "<m>"``, which carries the message). In place, like :func:`resolve_clamps`."""
    holder = exp.Paren(this=expression)  # a parent, so a marker at the root can be replaced
    for node in [n for n in holder.find_all(exp.Anonymous) if _is_marker(n, RAISE)]:
        (message,) = node.expressions
        if dialect == "postgres":
            node.replace(exp.Cast(this=message, to=exp.DataType.build("INT")))
        else:
            node.replace(
                exp.Anonymous(this="error" if dialect == "duckdb" else "raise_error", expressions=[message])
            )
    return holder.this


# GREATEST/LEAST as plain calls: sqlglot rewrites exp.Greatest into a NULL-checking CASE for
# DuckDB, and all three dialects already skip NULLs the same way.
def greatest(values: Sequence[exp.Expression]) -> exp.Expression:
    return exp.Anonymous(this="greatest", expressions=list(values))


def least(values: Sequence[exp.Expression]) -> exp.Expression:
    return exp.Anonymous(this="least", expressions=list(values))


def sigmoid(expression: exp.Expression) -> exp.Expression:
    """1 / (1 + exp(-x)), with x clamped to +-700 (PostgreSQL raises on exp overflow/underflow)."""
    negated = exp.Neg(this=paren(clamp(expression, -700.0, 700.0)))
    return exp.Div(
        this=double(1.0),
        expression=exp.Paren(this=exp.Add(this=double(1.0), expression=exp.Exp(this=negated))),
    )
