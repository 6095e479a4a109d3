import numpy as np
from onnx import helper

from tests.compiler.ops.graphs import D, check, model_of


def test_where_imputes_missing_values() -> None:
    model = model_of(
        [helper.make_node("IsNaN", ["a"], ["m"]), helper.make_node("Where", ["m", "fill", "a"], ["y"])],
        [("a", D)],
        [("y", D)],
        {"fill": np.array([[0.75]])},
    )
    check(model, "y")
