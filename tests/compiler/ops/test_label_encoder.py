from onnx import helper

from tests.compiler.ops.graphs import I64, S, check, model_of


def test_label_encoder_with_default() -> None:
    model = model_of(
        [
            helper.make_node(
                "LabelEncoder",
                ["s"],
                ["y"],
                domain="ai.onnx.ml",
                keys_strings=["blue", "green", "red"],
                values_int64s=[0, 1, 2],
                default_int64=-1,
            )
        ],
        [("s", S)],
        [("y", I64)],
    )
    check(model, "y")
