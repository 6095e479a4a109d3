"""Sigmoid: the logistic function of linear classifiers' raw scores."""

from __future__ import annotations

import numpy as np

from sqlscore.compiler import elementwise, sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.values import Tensor


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def translate(node: Node) -> list[Tensor]:
    x = node.inputs[0]
    assert x is not None
    dtype = x.dtype if not isinstance(x, np.ndarray) else "double"
    return [
        elementwise.apply(
            node, [x], dtype, _sigmoid, sql.sigmoid, lambda dirs, *_: dirs[0] if dirs[0] != "c" else 0
        )
    ]
