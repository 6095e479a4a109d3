"""The post transforms of the ONNX-ML ops (and the Softmax op): logistic, softmax, softmax_zero."""

from __future__ import annotations

import functools
from collections.abc import Sequence

from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.types import DOUBLE, FLOAT
from sqlscore.compiler.values import Col


def softmax_columns(cols: list[Col], zero: bool = False) -> list[Col]:
    """exp(z_k - max z) / sum_j exp(z_j - max z); with ``zero`` a column equal to 0 stays 0.

    Each class's score is bound once per output column (:func:`sql.let`): inline, it would
    appear (K + 1) times in every column.
    """
    values = [c.expr if c.dtype == DOUBLE else sql.cast(c.expr, DOUBLE) for c in cols]
    dtype = FLOAT if cols and cols[0].dtype == FLOAT else DOUBLE
    out = []
    for k in range(len(values)):
        ratio = sql.let([v.copy() for v in values], functools.partial(_softmax_at, k=k, zero=zero))
        out.append(Col(sql.cast(ratio, FLOAT, copy=False) if dtype == FLOAT else ratio, dtype))
    return out


def _softmax_at(values: Sequence[exp.Expression], k: int, zero: bool) -> exp.Expression:
    """Class ``k``'s share: its shifted exp() over the sum of all of them."""
    peak = values[0].copy() if len(values) == 1 else sql.greatest([v.copy() for v in values])

    def shifted(v: exp.Expression) -> exp.Expression:
        raised = exp.Exp(this=exp.Sub(this=sql.paren(v.copy()), expression=sql.paren(peak.copy())))
        if zero:
            return sql.case(exp.EQ(this=v.copy(), expression=sql.double(0.0)), sql.double(0.0), raised)
        return raised

    denominator = sql.total([shifted(v) for v in values])
    return exp.Div(this=sql.paren(shifted(values[k])), expression=sql.paren(denominator))


def post_transform(node: Node, cols: list[Col]) -> list[Col]:
    """Apply the node's ONNX-ML ``post_transform`` attribute to its score columns."""
    name = node.string("post_transform", "NONE")
    if name in ("NONE", ""):
        return cols
    if name == "LOGISTIC":
        return [Col(_float(sql.sigmoid(_double(c)), c.dtype), c.dtype) for c in cols]
    if name in ("SOFTMAX", "SOFTMAX_ZERO"):
        return softmax_columns(cols, zero=name == "SOFTMAX_ZERO")
    raise node.fail(f"post_transform {name} is not supported")


def _double(col: Col) -> exp.Expression:
    return col.expr.copy() if col.dtype == DOUBLE else sql.cast(col.expr.copy(), DOUBLE, copy=False)


def _float(expression: exp.Expression, dtype: str) -> exp.Expression:
    return sql.cast(expression, FLOAT, copy=False) if dtype == FLOAT else expression
