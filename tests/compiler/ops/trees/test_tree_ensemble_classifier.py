import pytest
from onnx import helper

from tests.compiler.ops.graphs import I64, F, check, model_of

TREES = dict(
    nodes_treeids=[0, 0, 0, 1, 1, 1],
    nodes_nodeids=[0, 1, 2, 0, 1, 2],
    nodes_featureids=[1, 0, 0, 0, 0, 0],
    nodes_modes=["BRANCH_LEQ", "LEAF", "LEAF", "BRANCH_GT", "LEAF", "LEAF"],
    nodes_values=[0.5, 0, 0, 1.5, 0, 0],
    nodes_truenodeids=[1, 0, 0, 1, 0, 0],
    nodes_falsenodeids=[2, 0, 0, 2, 0, 0],
    nodes_missing_value_tracks_true=[0, 0, 0, 1, 0, 0],
)


def _model(
    post_transform: str, class_ids: list[int], weights: list[float], labels: list[int], base: list[float]
) -> object:
    return model_of(
        [
            helper.make_node("Concat", ["a", "b"], ["x"], axis=1),
            helper.make_node(
                "TreeEnsembleClassifier",
                ["x"],
                ["label", "probabilities"],
                domain="ai.onnx.ml",
                post_transform=post_transform,
                classlabels_int64s=labels,
                **({"base_values": base} if base else {}),
                class_treeids=[0, 0, 1, 1][: len(class_ids)]
                if len(class_ids) == 4
                else [0, 0, 0, 0, 1, 1, 1, 1][: len(class_ids)],
                class_nodeids=[1, 2, 1, 2] if len(class_ids) == 4 else [1, 1, 2, 2, 1, 1, 2, 2],
                class_ids=class_ids,
                class_weights=weights,
                **TREES,
            ),
        ],
        [("a", F), ("b", F)],
        [("label", I64), ("probabilities", F)],
    )


def test_binary_boosting_margin_logistic() -> None:
    model = _model("LOGISTIC", [0, 0, 0, 0], [-0.4, 0.3, 0.8, -0.2], [0, 1], [0.1])
    check(model, "probabilities")
    check(model, "label")


def test_binary_forest_positive_weights() -> None:
    model = _model("NONE", [0, 0, 0, 0], [0.1, 0.4, 0.3, 0.45], [0, 1], [])
    check(model, "probabilities")
    check(model, "label")


@pytest.mark.parametrize("post_transform", ["NONE", "SOFTMAX"])
def test_two_class_weights_per_leaf(post_transform: str) -> None:
    model = _model(
        post_transform, [0, 1, 0, 1, 0, 1, 0, 1], [0.2, 0.8, 0.6, 0.4, 0.5, 0.5, 0.9, 0.1], [0, 1], []
    )
    check(model, "probabilities")
    check(model, "label")
