import numpy as np
from onnx import helper

from tests.compiler.ops.graphs import D, check, model_of


def test_div_by_constant_and_by_column() -> None:
    model = model_of(
        [helper.make_node("Div", ["a", "k"], ["y"]), helper.make_node("Div", ["y", "c"], ["z"])],
        [("a", D), ("c", D)],
        [("z", D)],
        {"k": np.array([3.0])},
    )
    check(model, "z")
