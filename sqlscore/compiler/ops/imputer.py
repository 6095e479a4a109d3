"""Imputer (ONNX-ML): missing values (NaN, or a sentinel number) replaced per column."""

from __future__ import annotations

import math

import numpy as np
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import _elementwise
from sqlscore.compiler.types import BOOL
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    data = node.symbolic(0)
    fill = np.asarray(node.attr("imputed_value_floats", []), dtype=np.float32)
    if fill.size == 0:
        raise node.fail("only imputed_value_floats is supported")
    # ONNX's default is 0.0, not NaN: skl2onnx always writes NaN, other writers may leave it out
    replaced = float(node.attr("replaced_value_float", 0.0))
    if math.isnan(replaced):
        mask = _elementwise.apply(
            node, [data], BOOL, np.isnan, sql.is_missing, lambda dirs, *_: 0 if dirs[0] is not None else None
        )
    else:
        mask = _elementwise.apply(
            node,
            [data, np.asarray(replaced, dtype=np.float32)],
            BOOL,
            np.equal,
            lambda x, y: exp.EQ(this=x, expression=y),
        )
    return [_elementwise.where(node, mask, fill.astype(np.float32), data)]
