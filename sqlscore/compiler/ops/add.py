"""Add: ``a + b`` (scalers' offsets, intercepts)."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import _elementwise
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    return _elementwise.arithmetic(node, np.add, exp.Add, lambda dirs, *_: _elementwise.sum_direction(dirs))
