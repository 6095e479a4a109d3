"""Scaler (ONNX-ML): ``(x - offset) * scale`` per column, a float result."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import _elementwise
from sqlscore.compiler.types import FLOAT
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    data = node.symbolic(0)
    offset = np.asarray(node.attr("offset", [0.0]), dtype=np.float32)
    scale = np.asarray(node.attr("scale", [1.0]), dtype=np.float32)
    as_float = _elementwise.apply(
        node, [data], FLOAT, lambda v: v.astype(np.float32), lambda e: e, lambda dirs, *_: dirs[0]
    )
    shifted = _elementwise.apply(
        node,
        [as_float, offset],
        FLOAT,
        np.subtract,
        lambda x, y: exp.Sub(this=sql.paren(x), expression=sql.paren(y)),
        lambda dirs, *_: dirs[0],
    )
    return [
        _elementwise.apply(
            node,
            [shifted, scale],
            FLOAT,
            np.multiply,
            lambda x, y: exp.Mul(this=sql.paren(x), expression=sql.paren(y)),
            _elementwise.times_constant_direction,
        )
    ]
