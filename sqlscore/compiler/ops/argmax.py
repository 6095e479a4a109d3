"""ArgMax over the feature axis: the index of the first largest column (the predicted class)."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler.node import Node
from sqlscore.compiler.ops._classes import first_argmax
from sqlscore.compiler.types import INT64
from sqlscore.compiler.values import Col, Symbolic, Tensor


def translate(node: Node) -> list[Tensor]:
    value = node.tensor(0)
    axis = int(node.attr("axis", 0))
    if isinstance(value, np.ndarray):
        return [np.argmax(value, axis=axis)]
    if axis not in (1, -1):
        raise node.fail(f"argmax over axis {axis} (only the feature axis is per row)")
    if int(node.attr("select_last_index", 0)):
        raise node.fail("select_last_index=1 is not supported")
    expression: exp.Expression = first_argmax([c.expr for c in value.cols])
    return [Symbolic((Col(expression, INT64),))]
