"""Gather along the feature axis: pick columns by constant index (skl2onnx's column selection)."""

from __future__ import annotations

import numpy as np

from sqlscore.compiler.node import Node
from sqlscore.compiler.values import Symbolic, Tensor


def translate(node: Node) -> list[Tensor]:
    data = node.tensor(0)
    indices = node.constant(1)
    axis = int(node.attr("axis", 0))
    if isinstance(data, np.ndarray):
        return [np.take(data, indices, axis=axis)]
    if axis not in (1, -1):
        raise node.fail(f"gathering along axis {axis} (only columns can be gathered per row)")
    picked = [int(i) for i in indices.reshape(-1)]
    if any(i >= data.width or i < -data.width for i in picked):
        raise node.fail(f"index out of range for {data.width} columns: {picked}")
    return [Symbolic(tuple(data.cols[i] for i in picked))]
