"""MatMul of the per-row feature matrix by constant weights (skl2onnx's linear models in double)."""

from __future__ import annotations

import numpy as np

from sqlscore.compiler.node import Node
from sqlscore.compiler.ops.linear._weighted_sum import weighted_sum
from sqlscore.compiler.types import DOUBLE, FLOAT
from sqlscore.compiler.values import Col, Symbolic, Tensor


def translate(node: Node) -> list[Tensor]:
    a, b = node.inputs[0], node.inputs[1]
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        return [np.matmul(a, b)]
    data = node.symbolic(0)
    weights = node.constant(1)
    if weights.ndim == 1:
        weights = weights.reshape(-1, 1)
    if weights.shape[0] != data.width:
        raise node.fail(f"{data.width} columns times a {weights.shape} matrix")
    dtype = data.dtype if data.dtype in (DOUBLE, FLOAT) else DOUBLE
    cols = []
    for k in range(weights.shape[1]):
        expression = weighted_sum(data.cols, weights[:, k])
        cols.append(Col(expression, DOUBLE if dtype == DOUBLE else dtype))
    return [Symbolic(tuple(cols))]
