import numpy as np
from onnx import helper

from tests.compiler.ops.graphs import D, check, model_of


def test_mul_by_constant_and_by_column() -> None:
    model = model_of(
        [
            helper.make_node("Mul", ["a", "k"], ["y"]),
            helper.make_node("Mul", ["y", "b"], ["z"]),
        ],
        [("a", D), ("b", D)],
        [("z", D)],
        {"k": np.array([-1.7])},
    )
    check(model, "z")
