"""TreeEnsembleClassifier (ONNX-ML): random forests, gradient boosting, HistGradientBoosting classifiers.

Binary ensembles that carry weights for one class only follow onnxruntime's
rules: a single score ``s`` becomes ``[1 - s, s]`` when every weight is
positive (random forests: averaged probabilities) and ``[-s, s]`` otherwise
(boosting: a margin), before the post transform.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.ops._classes import class_labels, first_argmax, label_at
from sqlscore.compiler.ops._postprocess import post_transform
from sqlscore.compiler.ops.trees._ensemble import (
    Ensemble,
    as_float,
    conditions_for,
    read_ensemble,
    tree_sums,
    with_base,
)
from sqlscore.compiler.ops.trees._splits import Condition
from sqlscore.compiler.types import DOUBLE, FLOAT, INT64
from sqlscore.compiler.values import Col, Symbolic, Tensor


def translate(node: Node) -> list[Tensor]:
    data = node.symbolic(0)
    ensemble = read_ensemble(node, "class")
    conditions = conditions_for(node, ensemble, data.cols)
    labels, label_type = class_labels(node, "classlabels_int64s")
    base = np.asarray(node.attr("base_values", []), dtype=np.float32)
    used = ensemble.targets()
    if len(labels) == 2 and len(used) == 1:
        probabilities, label = _binary_one_score(
            node, ensemble, conditions, used[0], base, labels, label_type
        )
    else:
        scores = []
        for k in range(len(labels)):
            total, _ = tree_sums(ensemble, conditions, k)
            scores.append(as_float(with_base(total, float(base[k]) if base.size > k else None)))
        probabilities = post_transform(node, scores)
        if len(labels) == 2:
            # onnxruntime: with two classes the label is the positive one when its score is > 0.
            index: exp.Expression = sql.case(
                exp.GT(this=sql.paren(scores[1].expr.copy()), expression=sql.double(0.0)),
                sql.constant(1, INT64),
                sql.constant(0, INT64),
            )
        else:
            index = first_argmax([c.expr for c in scores])
        label = label_at(index, labels, label_type)
    return [Symbolic((Col(label, label_type),)), Symbolic(tuple(probabilities))]


def _binary_one_score(
    node: Node,
    ensemble: Ensemble,
    conditions: Sequence[Condition],
    target: int,
    base: np.ndarray,
    labels: list[object],
    label_type: str,
) -> tuple[list[Col], exp.Expression]:
    total, _ = tree_sums(ensemble, conditions, target)
    score = with_base(total, float(base[0]) if base.size else None)
    positive = all(
        w >= 0 for tree in ensemble.trees.values() for n in tree.values() for w in n.weights.values()
    )
    as_double = sql.cast(sql.paren(score), DOUBLE)
    if positive:
        cutoff = 0.5
        second: exp.Expression = score
        first: exp.Expression = exp.Sub(this=sql.real(1.0), expression=sql.paren(score.copy()))
    else:
        cutoff = 0.0
        second = score
        first = exp.Neg(this=sql.paren(score.copy()))
    transform = node.string("post_transform", "NONE")
    if transform == "LOGISTIC":
        probabilities = [
            Col(sql.sigmoid(exp.Neg(this=sql.paren(as_double.copy()))), DOUBLE),
            Col(sql.sigmoid(as_double.copy()), DOUBLE),
        ]
    elif transform == "NONE":
        probabilities = [Col(first, FLOAT), Col(second.copy(), FLOAT)]
    else:
        raise node.fail(f"binary post_transform {transform} is not supported")
    label = sql.case(
        exp.GT(this=sql.paren(score.copy()), expression=sql.double(cutoff)),
        sql.constant(labels[1], label_type),
        sql.constant(labels[0], label_type),
    )
    return probabilities, label
