"""Equal: ``a = b`` (the imputer rewrite's mask when the missing value is a number)."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import _elementwise
from sqlscore.compiler.types import BOOL
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    a, b = node.tensor(0), node.tensor(1)
    return [_elementwise.apply(node, [a, b], BOOL, np.equal, lambda x, y: exp.EQ(this=x, expression=y))]
