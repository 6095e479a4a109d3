from onnx import helper

from tests.compiler.ops.graphs import D, check, model_of


def test_abs() -> None:
    check(model_of([helper.make_node("Abs", ["b"], ["y"])], [("b", D)], [("y", D)]), "y")
