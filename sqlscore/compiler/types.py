"""Element types: the names the compiler tracks, where they come from, and inference.

Each symbolic column carries one of these (``Col.dtype``) and each op's result
gets the type onnxruntime would give it, so that SQL rounds to float32 exactly
where onnxruntime does. They are compiler names, not SQL: ``sql.SQL_TYPES``
maps them to SQL types.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:  # values.py imports this module; at run time the two need not import each other
    from sqlscore.compiler.values import Tensor

#: Element types the compiler tracks.
DOUBLE, FLOAT, INT64, STRING, BOOL = "double", "float", "int64", "string", "bool"
#: The element type of each ONNX ``TensorProto`` data type the compiler reads (INT32 widens to INT64).
ONNX_TYPES = {11: DOUBLE, 1: FLOAT, 7: INT64, 6: INT64, 8: STRING, 9: BOOL}
#: The numpy type constants are folded in, per element type.
NUMPY_TYPES = {DOUBLE: np.float64, FLOAT: np.float32, INT64: np.int64, STRING: object, BOOL: np.bool_}


def dtype_of(value: Tensor) -> str:
    """The element type of a tensor: a symbolic one knows it, a constant's follows its numpy type."""
    if not isinstance(value, np.ndarray):
        return value.dtype
    kind = value.dtype
    if kind == np.float32:
        return FLOAT
    if kind.kind in "iu":
        return INT64
    if kind.kind in "OSU":
        return STRING
    if kind.kind == "b":
        return BOOL
    return DOUBLE


def result_type(*values: Tensor) -> str:
    """ONNX ops take operands of one type; the symbolic operand's type is the op's type."""
    for value in values:
        if not isinstance(value, np.ndarray):
            return value.dtype
    return dtype_of(values[0])
