"""Normalizer (ONNX-ML): each row divided by its MAX, L1 or L2 norm, a float result."""

from __future__ import annotations

from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.types import DOUBLE, FLOAT
from sqlscore.compiler.values import Col, Symbolic, Tensor


def translate(node: Node) -> list[Tensor]:
    data = node.symbolic(0)
    norm = node.string("norm", "MAX")
    values = [
        c.expr.copy() if c.dtype == DOUBLE else sql.cast(c.expr.copy(), DOUBLE, copy=False) for c in data.cols
    ]
    if norm == "MAX":
        divisor: exp.Expression = (
            sql.greatest([v.copy() for v in values]) if len(values) > 1 else values[0].copy()
        )
    elif norm == "L1":
        divisor = sql.total([exp.Abs(this=v.copy()) for v in values])
    elif norm == "L2":
        divisor = exp.Sqrt(
            this=sql.total(
                [exp.Mul(this=sql.paren(v.copy()), expression=sql.paren(v.copy())) for v in values]
            )
        )
    else:
        raise node.fail(f"norm {norm!r} is not supported")
    cols = [
        Col(sql.cast(exp.Div(this=sql.paren(v), expression=sql.paren(divisor.copy())), FLOAT), FLOAT)
        for v in values
    ]
    return [Symbolic(tuple(cols))]
