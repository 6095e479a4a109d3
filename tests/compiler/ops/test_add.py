import numpy as np
from onnx import helper

from tests.compiler.ops.graphs import D, check, model_of


def test_add_with_broadcast_constant_and_two_columns() -> None:
    model = model_of(
        [
            helper.make_node("Concat", ["a", "b"], ["ab"], axis=1),
            helper.make_node("Add", ["ab", "k"], ["y"]),
            helper.make_node("Add", ["y", "y"], ["z"]),
        ],
        [("a", D), ("b", D)],
        [("z", D)],
        {"k": np.array([[1.5, -0.25]])},
    )
    check(model, "z")
