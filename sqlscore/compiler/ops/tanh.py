"""Tanh: the hyperbolic tangent, the activation of MLPs trained with ``activation='tanh'``."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import _elementwise
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    # tanh() exists under that name in DuckDB, PostgreSQL (12+) and Spark SQL
    return _elementwise.monotone_unary(node, np.tanh, lambda e: exp.Anonymous(this="tanh", expressions=[e]))
