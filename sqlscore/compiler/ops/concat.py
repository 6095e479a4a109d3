"""Concat along the feature axis: the columns side by side."""

from __future__ import annotations

import numpy as np

from sqlscore.compiler.node import Node
from sqlscore.compiler.values import Col, Symbolic, Tensor


def translate(node: Node) -> list[Tensor]:
    axis = int(node.attr("axis", 1))
    values = [v for v in node.inputs if v is not None]
    if all(isinstance(v, np.ndarray) for v in values):
        return [np.concatenate([np.asarray(v) for v in values], axis=axis)]
    if axis not in (1, -1):
        raise node.fail(f"concatenating along axis {axis} (only the feature axis is per row)")
    cols: list[Col] = []
    for index, value in enumerate(values):
        if not isinstance(value, Symbolic):
            raise node.fail(f"input {index} is a constant; only per-row inputs can be concatenated")
        cols.extend(value.cols)
    return [Symbolic(tuple(cols))]
