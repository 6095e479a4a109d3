"""Where: ``CASE WHEN cond THEN a ELSE b END`` (imputing missing values)."""

from __future__ import annotations

from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import _elementwise
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    condition, a, b = node.tensor(0), node.tensor(1), node.tensor(2)
    return [_elementwise.where(node, condition, a, b)]
