"""Div: ``a / b`` (StandardScaler's scale, probability normalisation)."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import _elementwise
from sqlscore.compiler.values import Tensor


def _direction(dirs: list[object], consts: list[object], *_: object) -> int | None:
    """Only a monotone column divided by a constant stays monotone (the constant's sign decides)."""
    if dirs[1] != "c":
        return None
    return _elementwise.scaled_direction(dirs[0], float(consts[1]))  # type: ignore[arg-type]


def translate(node: Node) -> list[Tensor]:
    return _elementwise.arithmetic(node, np.divide, exp.Div, _direction)
