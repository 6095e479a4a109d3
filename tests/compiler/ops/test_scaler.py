from onnx import helper

from tests.compiler.ops.graphs import F, check, model_of


def test_scaler_on_float_input() -> None:
    model = model_of(
        [
            helper.make_node("Concat", ["b", "c"], ["x"], axis=1),
            helper.make_node(
                "Scaler", ["x"], ["y"], domain="ai.onnx.ml", offset=[0.5, -1.0], scale=[2.0, 0.3]
            ),
        ],
        [("b", F), ("c", F)],
        [("y", F)],
    )
    check(model, "y")
