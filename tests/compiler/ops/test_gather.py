import numpy as np
from onnx import helper

from tests.compiler.ops.graphs import D, check, model_of


def test_gather_columns() -> None:
    model = model_of(
        [
            helper.make_node("Concat", ["a", "b", "c"], ["abc"], axis=1),
            helper.make_node("Gather", ["abc", "idx"], ["y"], axis=1),
        ],
        [("a", D), ("b", D), ("c", D)],
        [("y", D)],
        {"idx": np.array([2, 0], dtype=np.int64)},
    )
    check(model, "y")
