import numpy as np
import pytest
from onnx import helper

from sqlscore.errors import CompileError
from tests.compiler.ops.graphs import D, check, model_of


def test_row_preserving_reshape() -> None:
    model = model_of(
        [
            helper.make_node("Concat", ["a", "b"], ["ab"], axis=1),
            helper.make_node("Reshape", ["ab", "shape"], ["y"]),
        ],
        [("a", D), ("b", D)],
        [("y", D)],
        {"shape": np.array([-1, 2], dtype=np.int64)},
    )
    check(model, "y")


def test_reshape_across_rows_is_refused_with_the_op_named() -> None:
    model = model_of(
        [
            helper.make_node("Concat", ["a", "b"], ["ab"], axis=1),
            helper.make_node("Reshape", ["ab", "shape"], ["y"]),
        ],
        [("a", D), ("b", D)],
        [("y", D)],
        {"shape": np.array([-1, 4], dtype=np.int64)},
    )
    with pytest.raises(CompileError, match="Reshape"):
        check(model, "y")
