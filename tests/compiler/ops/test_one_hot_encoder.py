from onnx import helper

from tests.compiler.ops.graphs import F, S, check, model_of


def test_one_hot_with_null_and_unseen_categories() -> None:
    model = model_of(
        [
            helper.make_node(
                "OneHotEncoder", ["s"], ["y"], domain="ai.onnx.ml", cats_strings=["blue", "red", ""], zeros=1
            )
        ],
        [("s", S)],
        [("y", F)],
    )
    check(model, "y")  # NULL reads as '' (a listed category here); 'violet' is unseen: all zeros
