from onnx import helper

from tests.compiler.ops.graphs import B, D, check, model_of


def test_isnan_treats_null_and_nan_as_missing() -> None:
    check(model_of([helper.make_node("IsNaN", ["a"], ["m"])], [("a", D)], [("m", B)]), "m")
