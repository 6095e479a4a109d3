"""LinearClassifier (ONNX-ML): per-class weighted sums, a post transform, the label."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.ops._classes import class_labels, first_argmax, label_at
from sqlscore.compiler.ops._postprocess import post_transform
from sqlscore.compiler.ops.linear._weighted_sum import weighted_sum
from sqlscore.compiler.types import DOUBLE, FLOAT
from sqlscore.compiler.values import Col, Symbolic, Tensor


def translate(node: Node) -> list[Tensor]:
    data = node.symbolic(0)
    coefficients = np.asarray(node.attr("coefficients"), dtype=np.float32).astype(np.float64)
    intercepts = np.asarray(node.attr("intercepts", []), dtype=np.float32).astype(np.float64)
    width = data.width
    rows = coefficients.size // width
    if rows * width != coefficients.size:
        raise node.fail(f"{coefficients.size} coefficients for {width} columns")
    weights = coefficients.reshape(rows, width)
    labels, label_type = class_labels(node, "classlabels_ints")
    scores = [
        Col(
            sql.cast(weighted_sum(data.cols, weights[k], intercepts[k] if intercepts.size else None), FLOAT),
            FLOAT,
        )
        for k in range(rows)
    ]
    if rows == 1 and len(labels) == 2:
        # Binary with one weight vector: the score s is the positive class's.
        positive = scores[0]
        transform = node.string("post_transform", "NONE")
        if transform == "LOGISTIC":
            p = Col(sql.cast(sql.sigmoid(sql.cast(positive.expr.copy(), DOUBLE)), FLOAT), FLOAT)
            negative = Col(
                sql.cast(exp.Sub(this=sql.double(1.0), expression=sql.paren(p.expr.copy())), FLOAT), FLOAT
            )
            probabilities = [negative, p]
        elif transform == "NONE":
            # onnxruntime writes [1 - s, s] for a binary classifier with one weight vector.
            one_minus = exp.Sub(this=sql.real(1.0), expression=sql.paren(positive.expr.copy()))
            probabilities = [Col(sql.cast(one_minus, FLOAT), FLOAT), positive]
        else:
            raise node.fail(f"binary post_transform {transform} is not supported")
        label = sql.case(
            exp.GT(this=sql.paren(positive.expr.copy()), expression=sql.double(0.0)),
            sql.constant(labels[1], label_type),
            sql.constant(labels[0], label_type),
        )
    else:
        probabilities = post_transform(node, scores)
        label = label_at(first_argmax([c.expr for c in scores]), labels, label_type)
    return [Symbolic((Col(label, label_type),)), Symbolic(tuple(probabilities))]
