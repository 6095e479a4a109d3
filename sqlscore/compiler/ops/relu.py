"""Relu: ``greatest(x, 0)``, the hidden-layer activation of scikit-learn's default MLP."""

from __future__ import annotations

import numpy as np

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import _elementwise
from sqlscore.compiler.values import Tensor


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


def translate(node: Node) -> list[Tensor]:
    # NaN stays NaN as in onnxruntime: DuckDB, PostgreSQL and Spark order NaN above every number
    return _elementwise.monotone_unary(node, _relu, lambda e: sql.greatest([e, sql.double(0.0)]))
