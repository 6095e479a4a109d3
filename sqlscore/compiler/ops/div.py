"""Div: ``a / b`` (StandardScaler's scale, probability normalisation)."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler import elementwise, sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.types import result_type
from sqlscore.compiler.values import Tensor


def _direction(dirs: list[object], consts: list[object], *_: object) -> int | None:
    if dirs[1] != "c" or dirs[0] in ("c", None):
        return None  # only a monotone column divided by a constant stays monotone
    divisor = float(consts[1])  # type: ignore[arg-type]
    if divisor == 0.0 or np.isnan(divisor) or np.isinf(divisor):
        return None
    return int(dirs[0]) * (1 if divisor > 0 else -1)  # type: ignore[call-overload]


def translate(node: Node) -> list[Tensor]:
    a, b = node.inputs[0], node.inputs[1]
    assert a is not None and b is not None
    return [
        elementwise.apply(
            node,
            [a, b],
            result_type(a, b),
            np.divide,
            lambda x, y: exp.Div(this=sql.paren(x), expression=sql.paren(y)),
            _direction,
        )
    ]
