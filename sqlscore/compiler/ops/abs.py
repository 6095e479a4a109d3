"""Abs: ``abs(x)`` (skl2onnx normalises binary probabilities with it)."""

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
    return [_elementwise.apply(node, [x], dtype, np.abs, lambda e: exp.Abs(this=e))]
