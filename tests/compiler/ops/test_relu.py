import numpy as np
from onnx import helper

from tests.compiler.ops.graphs import D, F, check, model_of


def test_relu_of_doubles_around_zero() -> None:
    model = model_of(
        [helper.make_node("Sub", ["b", "k"], ["z"]), helper.make_node("Relu", ["z"], ["y"])],
        [("b", D)],
        [("y", D)],
        {"k": np.array([0.5])},  # shifts rows to both sides of zero
    )
    check(model, "y")


def test_relu_of_floats() -> None:
    model = model_of(
        [
            helper.make_node("Cast", ["b"], ["f"], to=1),
            helper.make_node("Relu", ["f"], ["y"]),
        ],
        [("b", D)],
        [("y", F)],
    )
    check(model, "y")


def test_relu_keeps_a_missing_input_missing() -> None:
    """Column a holds NULL and NaN rows: onnxruntime's Relu keeps NaN, so the SQL must not turn
    NULL into 0 (``greatest`` skips NULL arguments in DuckDB, PostgreSQL and Spark)."""
    model = model_of([helper.make_node("Relu", ["a"], ["y"])], [("a", D)], [("y", D)])
    check(model, "y")
