import numpy as np
from onnx import helper

from tests.compiler.ops.graphs import D, check, model_of


def test_tanh_including_saturated_values() -> None:
    model = model_of(
        [helper.make_node("Mul", ["b", "k"], ["z"]), helper.make_node("Tanh", ["z"], ["y"])],
        [("b", D)],
        [("y", D)],
        {"k": np.array([50.0])},  # pushes rows into tanh's flat tails
    )
    check(model, "y")
