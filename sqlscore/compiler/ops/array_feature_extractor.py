"""ArrayFeatureExtractor: a class label looked up by index, or columns picked by constant index."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.types import INT64, dtype_of
from sqlscore.compiler.values import Col, Symbolic, Tensor


def translate(node: Node) -> list[Tensor]:
    data, index = node.tensor(0), node.tensor(1)
    if isinstance(data, Symbolic) and isinstance(index, np.ndarray):
        picked = [int(i) for i in index.reshape(-1)]
        return [Symbolic(tuple(data.cols[i] for i in picked))]
    if isinstance(data, np.ndarray) and isinstance(index, Symbolic):
        values = data.reshape(-1)
        dtype = dtype_of(data)
        cols = []
        for col in index.cols:
            ifs = [
                exp.If(this=sql.constant(i, INT64), true=sql.constant(v, dtype)) for i, v in enumerate(values)
            ]
            cols.append(Col(exp.Case(this=col.expr.copy(), ifs=ifs), dtype))
        return [Symbolic(tuple(cols))]
    if isinstance(data, np.ndarray) and isinstance(index, np.ndarray):
        return [np.take(data, index.astype(np.int64), axis=-1)]
    raise node.fail("both the array and the indices are computed per row")
