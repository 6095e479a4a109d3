"""Cast: change of element type; to float32 it rounds exactly like onnxruntime."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import _elementwise
from sqlscore.compiler.types import BOOL, DOUBLE, FLOAT, INT64, NUMPY_TYPES, ONNX_TYPES, STRING, dtype_of
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    x = node.tensor(0)
    target = ONNX_TYPES.get(int(node.attr("to")))
    if target is None:
        raise node.fail(f"casting to ONNX type {node.attr('to')} is not supported")
    source = dtype_of(x)
    if source == STRING and target != STRING:
        raise node.fail("casting strings to numbers is not supported")

    def to_sql(e: exp.Expression) -> exp.Expression:
        if source == target:
            return e
        if source == BOOL and target in (DOUBLE, FLOAT, INT64):
            # PostgreSQL has no boolean -> double cast.
            one, zero = sql.constant(1, target), sql.constant(0, target)
            return sql.case(e, one, zero)
        if target == FLOAT and source in (DOUBLE, INT64):
            return sql.to_float32(e)
        return sql.cast(e, target)

    def to_numpy(values: np.ndarray) -> np.ndarray:
        return np.asarray(values).astype(NUMPY_TYPES[target])

    return [
        _elementwise.apply(
            node,
            [x],
            target,
            to_numpy,
            to_sql,
            lambda dirs, *_: dirs[0] if dirs[0] != "c" else 0,
            cast_result=False,
        )
    ]
