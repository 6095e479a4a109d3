import numpy as np
from onnx import helper

from tests.compiler.ops.graphs import D, check, model_of


def test_reduce_sum_over_features() -> None:
    model = model_of(
        [
            helper.make_node("Concat", ["b", "c"], ["x"], axis=1),
            helper.make_node("ReduceSum", ["x", "axes"], ["y"], keepdims=1),
        ],
        [("b", D), ("c", D)],
        [("y", D)],
        {"axes": np.array([1], dtype=np.int64)},
    )
    check(model, "y")
