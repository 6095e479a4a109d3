"""Add: ``a + b`` (scalers' offsets, intercepts)."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler import elementwise, sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.types import result_type
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    a, b = node.inputs[0], node.inputs[1]
    assert a is not None and b is not None
    return [
        elementwise.apply(
            node,
            [a, b],
            result_type(a, b),
            np.add,
            lambda x, y: exp.Add(this=sql.paren(x), expression=sql.paren(y)),
            lambda dirs, *_: elementwise.sum_direction(dirs),
        )
    ]
