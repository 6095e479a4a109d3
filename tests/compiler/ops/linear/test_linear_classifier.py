import onnx
import pytest
from onnx import helper

from tests.compiler.ops.graphs import I64, F, check, model_of


def _classifier(
    coefficients: list[float], intercepts: list[float], labels: list[int], post_transform: str
) -> onnx.ModelProto:
    """Two float inputs concatenated into a LinearClassifier."""
    return model_of(
        [
            helper.make_node("Concat", ["b", "c"], ["x"], axis=1),
            helper.make_node(
                "LinearClassifier",
                ["x"],
                ["label", "scores"],
                domain="ai.onnx.ml",
                coefficients=coefficients,
                intercepts=intercepts,
                classlabels_ints=labels,
                post_transform=post_transform,
            ),
        ],
        [("b", F), ("c", F)],
        [("label", I64), ("scores", F)],
    )


@pytest.mark.parametrize("post_transform", ["NONE", "LOGISTIC", "SOFTMAX"])
def test_multiclass_linear_classifier(post_transform: str) -> None:
    model = _classifier([0.5, -0.25, -1.0, 0.75, 0.1, 0.2], [0.1, -0.2, 0.3], [3, 5, 7], post_transform)
    check(model, "scores")
    check(model, "label")


@pytest.mark.parametrize("post_transform", ["NONE", "LOGISTIC"])
def test_binary_linear_classifier_with_one_weight_vector(post_transform: str) -> None:
    model = _classifier([0.5, -0.25], [0.1], [0, 1], post_transform)
    check(model, "scores")
    check(model, "label")
