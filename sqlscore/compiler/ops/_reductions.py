"""Reductions over the feature axis, shared by ReduceSum and ReduceSumSquare."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.types import FLOAT
from sqlscore.compiler.values import Col, Symbolic, Tensor


def reduction_axes(node: Node) -> list[int]:
    if len(node.inputs) > 1 and node.inputs[1] is not None:
        return [int(a) for a in node.constant(1).reshape(-1)]
    return [int(a) for a in node.attr("axes", [])]


def feature_axis_reduction(
    node: Node,
    numpy_fn: Callable[..., np.ndarray],
    sql_fn: Callable[[list[exp.Expression]], exp.Expression],
) -> Tensor:
    value = node.tensor(0)
    axes = reduction_axes(node)
    keepdims = bool(node.attr("keepdims", 1))
    if isinstance(value, np.ndarray):
        return np.asarray(numpy_fn(value, axis=tuple(axes) if axes else None, keepdims=keepdims))
    if axes not in ([1], [-1]):
        raise node.fail(f"reducing over axes {axes} (only the feature axis is per row)")
    expression = sql_fn([c.expr.copy() for c in value.cols])
    if value.dtype == FLOAT:
        expression = sql.cast(expression, FLOAT, copy=False)
    return Symbolic((Col(expression, value.dtype),))
