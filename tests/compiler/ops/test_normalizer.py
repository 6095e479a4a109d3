import pytest
from onnx import helper

from tests.compiler.ops.graphs import F, check, model_of


@pytest.mark.parametrize("norm", ["MAX", "L1", "L2"])
def test_normalizer(norm: str) -> None:
    model = model_of(
        [
            helper.make_node("Concat", ["b", "c"], ["x"], axis=1),
            helper.make_node("Normalizer", ["x"], ["y"], domain="ai.onnx.ml", norm=norm),
        ],
        [("b", F), ("c", F)],
        [("y", F)],
    )
    check(model, "y")
