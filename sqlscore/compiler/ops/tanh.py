"""Tanh: the hyperbolic tangent, the activation of MLPs trained with ``activation='tanh'``."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler import elementwise
from sqlscore.compiler.node import Node
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    x = node.inputs[0]
    assert x is not None
    dtype = x.dtype if not isinstance(x, np.ndarray) else "double"
    return [
        elementwise.apply(
            node,
            [x],
            dtype,
            np.tanh,
            # tanh() exists under that name in DuckDB, PostgreSQL (12+) and Spark SQL
            lambda e: exp.Anonymous(this="tanh", expressions=[e]),
            lambda dirs, *_: dirs[0] if dirs[0] != "c" else 0,
        )
    ]
