from onnx import helper

from tests.compiler.ops.graphs import D, check, model_of


def test_concat_on_the_feature_axis() -> None:
    model = model_of(
        [helper.make_node("Concat", ["a", "b", "c"], ["y"], axis=-1)],
        [("a", D), ("b", D), ("c", D)],
        [("y", D)],
    )
    check(model, "y")
