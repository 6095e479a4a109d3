"""The binary-logistic rewrite: fires on skl2onnx's pattern only, and keeps onnxruntime's numbers."""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper

from sqlscore.compiler.rewrites import simplify_binary_logistic
from tests.compiler.harness import assert_same, ort_outputs, sql_columns
from tests.compiler.ops.graphs import D, model_of, rows


def _logistic(weights: np.ndarray, intercept: np.ndarray) -> object:
    return model_of(
        [
            helper.make_node("Concat", ["b", "c"], ["x"], axis=1),
            helper.make_node("MatMul", ["x", "coef"], ["multiplied"]),
            helper.make_node("Add", ["multiplied", "intercept"], ["raw_scores"]),
            helper.make_node("Sigmoid", ["raw_scores"], ["sig"]),
            helper.make_node("Abs", ["sig"], ["norm_abs"]),
            helper.make_node("ReduceSum", ["norm_abs", "axis"], ["norm"], keepdims=1),
            helper.make_node("Div", ["sig", "norm"], ["probabilities"]),
        ],
        [("b", D), ("c", D)],
        [("probabilities", D)],
        {"coef": weights, "intercept": intercept, "axis": np.array([1], dtype=np.int64)},
    )


def test_opposite_scores_become_one_sigmoid() -> None:
    model = _logistic(np.array([[-0.5, 0.5], [0.25, -0.25]]), np.array([-0.1, 0.1]))
    original = onnx.ModelProto.FromString(model.SerializeToString())  # type: ignore[attr-defined]
    rewritten = simplify_binary_logistic(model)  # type: ignore[arg-type]
    ops = [n.op_type for n in rewritten.graph.node]
    assert ops.count("Sigmoid") == 1 and "ReduceSum" not in ops and "Abs" not in ops
    table = rows()
    inputs = {name: table[name] for name in ("b", "c")}
    # the SQL of the rewritten graph against onnxruntime running the original one
    assert_same(
        sql_columns(rewritten, inputs, "probabilities"), ort_outputs(original, inputs)["probabilities"], 1e-15
    )


def test_other_weights_are_left_alone() -> None:
    model = _logistic(np.array([[-0.5, 0.4], [0.25, -0.25]]), np.array([-0.1, 0.1]))
    ops = [n.op_type for n in simplify_binary_logistic(model).graph.node]  # type: ignore[arg-type]
    assert "ReduceSum" in ops and "Abs" in ops
