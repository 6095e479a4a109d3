from onnx import helper

from tests.compiler.ops.graphs import D, check, model_of


def test_softmax_over_features() -> None:
    model = model_of(
        [
            helper.make_node("Concat", ["b", "c"], ["x"], axis=1),
            helper.make_node("Softmax", ["x"], ["y"], axis=1),
        ],
        [("b", D), ("c", D)],
        [("y", D)],
    )
    check(model, "y")
