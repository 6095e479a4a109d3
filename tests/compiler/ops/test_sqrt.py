from onnx import helper

from tests.compiler.ops.graphs import D, check, model_of


def test_sqrt() -> None:
    check(model_of([helper.make_node("Sqrt", ["c"], ["y"])], [("c", D)], [("y", D)]), "y")
