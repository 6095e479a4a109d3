"""Sub: ``a - b`` (StandardScaler's mean)."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler import elementwise, sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.types import result_type
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    a, b = node.inputs[0], node.inputs[1]
    assert a is not None and b is not None

    def direction(dirs: list[object], *_: object) -> int | None:
        flipped = dirs[1] if dirs[1] in ("c", None) else -int(dirs[1])  # type: ignore[call-overload]
        return elementwise.sum_direction([dirs[0], flipped])

    return [
        elementwise.apply(
            node,
            [a, b],
            result_type(a, b),
            np.subtract,
            lambda x, y: exp.Sub(this=sql.paren(x), expression=sql.paren(y)),
            direction,
        )
    ]
