"""The element type of an op's result, as onnxruntime would have it."""

from __future__ import annotations

import numpy as np

from sqlscore.compiler.values import DOUBLE, FLOAT, INT64, STRING, Symbolic, Tensor


def dtype_of(value: Tensor) -> str:
    if isinstance(value, Symbolic):
        return value.dtype
    kind = np.asarray(value).dtype
    if kind == np.float32:
        return FLOAT
    if kind.kind in "iu":
        return INT64
    if kind.kind in "OSU":
        return STRING
    if kind.kind == "b":
        return "bool"
    return DOUBLE


def result_type(*values: Tensor) -> str:
    """ONNX ops take operands of one type; the symbolic operand's type is the op's type."""
    for value in values:
        if isinstance(value, Symbolic):
            return value.dtype
    return dtype_of(values[0])
