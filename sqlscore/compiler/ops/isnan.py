"""IsNaN: the mask of the imputer rewrite; NULL counts as missing as well as NaN."""

from __future__ import annotations

import numpy as np

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import _elementwise
from sqlscore.compiler.types import BOOL
from sqlscore.compiler.values import Tensor


def _direction(dirs: list[object], *_: object) -> int | None:
    # Arithmetic on a monotone non-missing input never produces NaN: the mask is constant (false).
    return 0 if dirs[0] not in (None, "c") else None


def translate(node: Node) -> list[Tensor]:
    x = node.tensor(0)
    return [_elementwise.apply(node, [x], BOOL, np.isnan, sql.is_missing, _direction)]
