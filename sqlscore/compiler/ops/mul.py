"""Mul: ``a * b`` (MinMaxScaler's scale, linear terms)."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler import elementwise, sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.types import result_type
from sqlscore.compiler.values import Tensor


def scaled_direction(dirs: list[object], consts: list[object], *_: object) -> int | None:
    """A monotone column times a non-zero constant keeps (or flips) its direction."""
    if dirs.count("c") != 1:
        return None
    symbolic = dirs[1] if dirs[0] == "c" else dirs[0]
    factor = float(consts[0] if dirs[0] == "c" else consts[1])  # type: ignore[arg-type]
    if symbolic is None or factor == 0.0 or np.isnan(factor) or np.isinf(factor):
        return None
    return int(symbolic) * (1 if factor > 0 else -1)  # type: ignore[call-overload]


def translate(node: Node) -> list[Tensor]:
    a, b = node.inputs[0], node.inputs[1]
    assert a is not None and b is not None
    return [
        elementwise.apply(
            node,
            [a, b],
            result_type(a, b),
            np.multiply,
            lambda x, y: exp.Mul(this=sql.paren(x), expression=sql.paren(y)),
            scaled_direction,
        )
    ]
