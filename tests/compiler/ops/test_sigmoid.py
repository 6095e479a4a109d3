import numpy as np
from onnx import helper

from tests.compiler.ops.graphs import D, check, model_of


def test_sigmoid_including_large_magnitudes() -> None:
    model = model_of(
        [helper.make_node("Mul", ["b", "k"], ["z"]), helper.make_node("Sigmoid", ["z"], ["y"])],
        [("b", D)],
        [("y", D)],
        {"k": np.array([400.0])},  # pushes some rows past exp()'s range; the SQL clamps
    )
    check(model, "y")
