import numpy as np
from onnx import helper

from tests.compiler.ops.graphs import D, check, model_of


def test_matmul_by_constant_weights() -> None:
    model = model_of(
        [
            helper.make_node("Concat", ["b", "c"], ["x"], axis=1),
            helper.make_node("MatMul", ["x", "w"], ["y"]),
        ],
        [("b", D), ("c", D)],
        [("y", D)],
        {"w": np.array([[0.5, -1.25, 0.0], [2.0, 0.125, 3.5]])},
    )
    check(model, "y")
