"""Mul: ``a * b`` (MinMaxScaler's scale, linear terms)."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler import elementwise
from sqlscore.compiler.node import Node
from sqlscore.compiler.values import Tensor


def scaled_direction(dirs: list[object], consts: list[object], *_: object) -> int | None:
    """A monotone column times a constant (either side): see :func:`elementwise.scaled_direction`."""
    if dirs.count("c") != 1:
        return None
    column, constant = (1, 0) if dirs[0] == "c" else (0, 1)
    return elementwise.scaled_direction(dirs[column], float(consts[constant]))  # type: ignore[arg-type]


def translate(node: Node) -> list[Tensor]:
    return elementwise.arithmetic(node, np.multiply, exp.Mul, scaled_direction)
