import numpy as np
from onnx import helper

from tests.compiler.ops.graphs import D, check, model_of


def test_sub_both_ways() -> None:
    model = model_of(
        [
            helper.make_node("Sub", ["a", "k"], ["y"]),
            helper.make_node("Sub", ["k", "b"], ["w"]),
            helper.make_node("Concat", ["y", "w"], ["z"], axis=1),
        ],
        [("a", D), ("b", D)],
        [("z", D)],
        {"k": np.array([0.3])},
    )
    check(model, "z")
