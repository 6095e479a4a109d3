"""LinearRegressor (ONNX-ML): one weighted sum per target, a float result."""

from __future__ import annotations

import numpy as np

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.ops._postprocess import post_transform
from sqlscore.compiler.ops.linear._weighted_sum import weighted_sum
from sqlscore.compiler.types import FLOAT
from sqlscore.compiler.values import Col, Symbolic, Tensor


def translate(node: Node) -> list[Tensor]:
    data = node.symbolic(0)
    coefficients = np.asarray(node.attr("coefficients"), dtype=np.float32).astype(np.float64)
    intercepts = np.asarray(node.attr("intercepts", []), dtype=np.float32).astype(np.float64)
    targets = int(node.attr("targets", 1))
    if coefficients.size != targets * data.width:
        raise node.fail(f"{coefficients.size} coefficients for {targets} targets x {data.width} columns")
    weights = coefficients.reshape(targets, data.width)
    cols = [
        Col(
            sql.cast(weighted_sum(data.cols, weights[t], intercepts[t] if intercepts.size else None), FLOAT),
            FLOAT,
        )
        for t in range(targets)
    ]
    return [Symbolic(tuple(post_transform(node, cols)))]
