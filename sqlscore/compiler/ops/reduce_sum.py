"""ReduceSum over the feature axis: one column, the sum of the row's columns."""

from __future__ import annotations

import numpy as np

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.ops._reductions import feature_axis_reduction
from sqlscore.compiler.values import Tensor


def translate(node: Node) -> list[Tensor]:
    return [feature_axis_reduction(node, np.sum, lambda cols: sql.total([sql.paren(c) for c in cols]))]
