"""Softmax over the feature axis: ``exp(z - max) / sum(exp(z - max))`` (multiclass linear models)."""

from __future__ import annotations

import numpy as np

from sqlscore.compiler.node import Node
from sqlscore.compiler.ops._postprocess import softmax_columns
from sqlscore.compiler.values import Symbolic, Tensor


def translate(node: Node) -> list[Tensor]:
    value = node.tensor(0)
    axis = int(node.attr("axis", -1))
    if isinstance(value, np.ndarray):
        shifted = np.exp(value - value.max(axis=axis, keepdims=True))
        return [shifted / shifted.sum(axis=axis, keepdims=True)]
    if axis not in (1, -1):
        raise node.fail(f"softmax over axis {axis} (only the feature axis is per row)")
    return [Symbolic(tuple(softmax_columns(list(value.cols))))]
