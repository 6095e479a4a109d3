"""Reshape: only row-preserving reshapes of ``[N, k]`` (``[-1, k]``, ``[-1]``) change nothing per row."""

from __future__ import annotations

import numpy as np

from sqlscore.compiler.node import Node
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    value = node.tensor(0)
    shape = [int(v) for v in node.constant(1).reshape(-1)]
    if isinstance(value, np.ndarray):
        return [value.reshape(shape)]
    per_row = shape[1:]
    width = int(np.prod(per_row)) if per_row else 1
    if shape and shape[0] in (-1, 0) and -1 not in per_row and width == value.width:
        return [value]
    if shape == [-1] and value.width == 1:
        return [value]
    raise node.fail(f"reshaping {value.width} columns per row to {shape} is not row-preserving")
