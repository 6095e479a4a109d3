"""Sigmoid: the logistic function of linear classifiers' raw scores."""

from __future__ import annotations

import numpy as np

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import _elementwise
from sqlscore.compiler.values import Tensor


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def translate(node: Node) -> list[Tensor]:
    return _elementwise.monotone_unary(node, _sigmoid, sql.sigmoid)
