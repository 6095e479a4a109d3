"""OneHotEncoder: one float 0/1 column per known category.

Unknown values give all zeros (``handle_unknown='ignore'``), or fail the query naming the
column, as onnxruntime fails (scikit-learn's default ``handle_unknown='error'``).
"""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.types import FLOAT, INT64, STRING
from sqlscore.compiler.values import Col, Origin, Symbolic, Tensor


def translate(node: Node) -> list[Tensor]:
    data = node.symbolic(0)
    if data.width != 1:
        raise node.fail(f"one-hot encoding {data.width} columns at once (skl2onnx emits one per column)")
    source = data.cols[0]
    unknown_raises = not int(node.attr("zeros", 1))  # OneHotEncoder() default: handle_unknown='error'

    if node.attr("cats_strings"):
        categories: list[object] = list(node.strings("cats_strings"))
        dtype = STRING
    else:
        categories = [int(v) for v in node.attr("cats_int64s", [])]
        dtype = INT64
    cols = []
    for index, category in enumerate(categories):
        condition = exp.EQ(this=source.expr.copy(), expression=sql.constant(category, dtype))
        expression = sql.case(condition, sql.real(1.0), sql.real(0.0))
        if unknown_raises and index == 0:
            expression = _fail_on_unknown(node, source, categories, dtype, expression)
        # no origin when unknown values raise: the rewrites that fold a one-parameter chain into
        # one CASE over the known values would send the unknown ones to an ELSE, not to the raise
        cols.append(Col(expression, FLOAT, None if unknown_raises else _origin(source, category)))
    return [Symbolic(tuple(cols))]


def _fail_on_unknown(
    node: Node, source: Col, categories: list[object], dtype: str, encoded: exp.Expression
) -> exp.Expression:
    """Fail the query on a category the encoder never saw, as onnxruntime fails the batch.

    The message names the model input the category came from (when it is one) and the value.
    """
    known = exp.In(this=source.expr.copy(), expressions=[sql.constant(c, dtype) for c in categories])
    column = source.origin.param if source.origin is not None else node.name
    text = exp.Cast(this=source.expr.copy(), to=exp.DataType.build("VARCHAR"))
    message = exp.DPipe(
        this=exp.Literal.string(f"sqlscore: column {column}: unknown category "),
        expression=exp.Coalesce(this=text, expressions=[exp.Literal.string("NULL")]),
    )
    unknown = exp.Or(
        this=exp.Not(this=exp.Paren(this=known)),
        expression=exp.Is(this=source.expr.copy(), expression=exp.Null()),
    )
    return exp.Case(ifs=[exp.If(this=unknown, true=sql.raise_error(message))], default=encoded)


def _origin(source: Col, category: object) -> Origin | None:
    origin = source.origin
    if origin is None or origin.kind != STRING:
        return None
    inner = origin.fn

    def fn(values: np.ndarray) -> np.ndarray:
        return (np.asarray(inner(values), dtype=object) == category).astype(np.float32)

    known = origin.known if category in origin.known else (*origin.known, str(category))
    return Origin(origin.param, STRING, fn, None, known)
