"""Mul: ``a * b`` (MinMaxScaler's scale, linear terms)."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import _elementwise
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    return _elementwise.arithmetic(node, np.multiply, exp.Mul, _elementwise.times_constant_direction)
