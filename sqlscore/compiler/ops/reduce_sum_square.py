"""ReduceSumSquare over the feature axis (the L2 Normalizer's squared norm)."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.ops._reductions import feature_axis_reduction
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    def squares(cols: list[exp.Expression]) -> exp.Expression:
        return sql.total([exp.Mul(this=sql.paren(c), expression=sql.paren(c.copy())) for c in cols])

    return [
        feature_axis_reduction(
            node, lambda v, axis, keepdims: np.sum(np.square(v), axis=axis, keepdims=keepdims), squares
        )
    ]
