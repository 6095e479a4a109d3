import numpy as np
from onnx import helper

from tests.compiler.ops.graphs import I64, D, check, model_of


def test_label_lookup_by_computed_index() -> None:
    model = model_of(
        [
            helper.make_node("Concat", ["b", "c", "b"], ["abc"], axis=1),
            helper.make_node("ArgMax", ["abc"], ["i"], axis=1),
            helper.make_node("ArrayFeatureExtractor", ["classes", "i"], ["y"], domain="ai.onnx.ml"),
        ],
        [("b", D), ("c", D)],
        [("y", I64)],
        {"classes": np.array([10, 20, 30], dtype=np.int64)},
    )
    check(model, "y")


def test_columns_picked_by_constant_index() -> None:
    model = model_of(
        [
            helper.make_node("Concat", ["a", "b", "c"], ["abc"], axis=1),
            helper.make_node("ArrayFeatureExtractor", ["abc", "idx"], ["y"], domain="ai.onnx.ml"),
        ],
        [("a", D), ("b", D), ("c", D)],
        [("y", D)],
        {"idx": np.array([1], dtype=np.int64)},
    )
    check(model, "y")
