from onnx import helper

from tests.compiler.ops.graphs import I64, D, check, model_of


def test_argmax_first_largest_wins() -> None:
    model = model_of(
        [
            helper.make_node("Concat", ["b", "c", "b"], ["x"], axis=1),
            helper.make_node("ArgMax", ["x"], ["y"], axis=1),
        ],
        [("b", D), ("c", D)],
        [("y", I64)],
    )
    check(model, "y")
