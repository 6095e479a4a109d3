from onnx import helper

from tests.compiler.ops.graphs import F, check, model_of


def test_imputer_on_float_input() -> None:
    model = model_of(
        [
            helper.make_node(
                "Imputer",
                ["a"],
                ["y"],
                domain="ai.onnx.ml",
                imputed_value_floats=[1.25],
                replaced_value_float=float("nan"),
            )
        ],
        [("a", F)],
        [("y", F)],
    )
    check(model, "y")
