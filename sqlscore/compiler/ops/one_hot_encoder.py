"""OneHotEncoder: one float 0/1 column per known category (unknown values: all zeros)."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.values import FLOAT, INT64, STRING, Col, Origin, Symbolic, Tensor


def translate(node: Node) -> list[Tensor]:
    data = node.symbolic(0)
    if data.width != 1:
        raise node.fail(f"one-hot encoding {data.width} columns at once (skl2onnx emits one per column)")
    if not int(node.attr("zeros", 1)):
        raise node.fail("zeros=0 (unknown categories raise in onnxruntime; use handle_unknown='ignore')")
    source = data.cols[0]
    if node.attr("cats_strings"):
        categories: list[object] = list(node.strings("cats_strings"))
        dtype = STRING
    else:
        categories = [int(v) for v in node.attr("cats_int64s", [])]
        dtype = INT64
    cols = []
    for category in categories:
        condition = exp.EQ(this=source.expr.copy(), expression=sql.constant(category, dtype))
        expression = sql.case(condition, sql.real(1.0), sql.real(0.0))
        cols.append(Col(expression, FLOAT, _origin(source, category)))
    return [Symbolic(tuple(cols))]


def _origin(source: Col, category: object) -> Origin | None:
    origin = source.origin
    if origin is None or origin.kind != STRING:
        return None
    inner = origin.fn

    def fn(values: np.ndarray) -> np.ndarray:
        return (np.asarray(inner(values), dtype=object) == category).astype(np.float32)

    known = origin.known if category in origin.known else (*origin.known, str(category))
    return Origin(origin.param, STRING, fn, None, known)
