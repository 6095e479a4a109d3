"""TreeEnsembleRegressor (ONNX-ML): random forests, gradient boosting, HistGradientBoosting regressors."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.ops._postprocess import post_transform
from sqlscore.compiler.ops.trees._ensemble import (
    as_float,
    conditions_for,
    read_ensemble,
    tree_sums,
    with_base,
)
from sqlscore.compiler.values import Symbolic, Tensor


def translate(node: Node) -> list[Tensor]:
    data = node.symbolic(0)
    ensemble = read_ensemble(node, "target")
    conditions = conditions_for(node, ensemble, data.cols)
    aggregate = node.string("aggregate_function", "SUM")
    if aggregate not in ("SUM", "AVERAGE"):
        raise node.fail(f"aggregate_function {aggregate} is not supported")
    base = np.asarray(node.attr("base_values", []), dtype=np.float32)
    cols = []
    for target in range(int(node.attr("n_targets", 1))):
        total, count = tree_sums(ensemble, conditions, target)
        if aggregate == "AVERAGE" and count:
            total = exp.Div(this=sql.paren(total), expression=sql.real(float(count)))
        cols.append(as_float(with_base(total, float(base[target]) if base.size else None)))
    return [Symbolic(tuple(post_transform(node, cols)))]
