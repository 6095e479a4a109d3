from onnx import helper

from tests.compiler.ops.graphs import I64, D, F, check, model_of


def test_cast_to_float_rounds_like_onnxruntime_and_back() -> None:
    model = model_of(
        [helper.make_node("Cast", ["b"], ["f"], to=F), helper.make_node("Cast", ["f"], ["y"], to=D)],
        [("b", D)],
        [("y", D)],
    )
    check(model, "y", tolerance=0.0)


def test_cast_bool_to_double_and_int() -> None:
    model = model_of(
        [
            helper.make_node("IsNaN", ["a"], ["m"]),
            helper.make_node("Cast", ["m"], ["y"], to=D),
            helper.make_node("Cast", ["m"], ["i"], to=I64),
        ],
        [("a", D)],
        [("y", D), ("i", I64)],
    )
    check(model, "y")
    check(model, "i")
