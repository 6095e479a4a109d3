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


def test_one_hot_without_zeros_fails_on_an_unknown_category() -> None:
    """zeros=0 (scikit-learn's handle_unknown='error'): known categories encode as onnxruntime
    does; an unknown one fails the DuckDB query as it fails onnxruntime."""
    import duckdb
    import pytest

    from tests.compiler.harness import sql_columns

    model = model_of(
        [
            helper.make_node(
                "OneHotEncoder", ["s"], ["y"], domain="ai.onnx.ml", cats_strings=["blue", "red"], zeros=0
            )
        ],
        [("s", S)],
        [("y", F)],
    )
    known = sql_columns(model, {"s": ["red", "blue", "red"]}, "y")
    assert known.tolist() == [[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]]
    with pytest.raises(duckdb.Error, match="unknown category violet"):
        sql_columns(model, {"s": ["red", "violet"]}, "y")
