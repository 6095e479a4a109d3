import numpy as np
from onnx import helper

from tests.compiler.ops.graphs import B, D, check, model_of


def test_equal_to_a_sentinel() -> None:
    model = model_of(
        [helper.make_node("Equal", ["b", "k"], ["m"])], [("b", D)], [("m", B)], {"k": np.array([1.0])}
    )
    check(model, "m")
