"""Where: ``CASE WHEN cond THEN a ELSE b END`` (imputing missing values)."""

from __future__ import annotations

from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import _elementwise
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    condition, a, b = node.inputs[0], node.inputs[1], node.inputs[2]
    assert condition is not None and a is not None and b is not None
    return [_elementwise.where(node, condition, a, b)]
