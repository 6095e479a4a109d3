"""Sqrt: ``sqrt(x)`` (the L2 Normalizer's norm)."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import _elementwise
from sqlscore.compiler.types import DOUBLE
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    x = node.tensor(0)
    dtype = x.dtype if not isinstance(x, np.ndarray) else DOUBLE
    return [_elementwise.apply(node, [x], dtype, np.sqrt, lambda e: exp.Sqrt(this=e))]
