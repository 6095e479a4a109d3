"""Add: ``a + b`` (scalers' offsets, intercepts)."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler import elementwise
from sqlscore.compiler.node import Node
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    return elementwise.arithmetic(node, np.add, exp.Add, lambda dirs, *_: elementwise.sum_direction(dirs))
