"""Sub: ``a - b`` (StandardScaler's mean)."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import _elementwise
from sqlscore.compiler.values import Tensor


def _direction(dirs: list[object], *_: object) -> int | None:
    flipped = dirs[1] if dirs[1] in ("c", None) else -int(dirs[1])  # type: ignore[call-overload]
    return _elementwise.sum_direction([dirs[0], flipped])


def translate(node: Node) -> list[Tensor]:
    return _elementwise.arithmetic(node, np.subtract, exp.Sub, _direction)
