import numpy as np
import pytest
from onnx import helper

from tests.compiler.ops.graphs import F, check, model_of


def _regressor(aggregate: str, missing_true: list[int]) -> object:
    # tree 0: b <= 0.5 ? (c < 2 ? 1 : 2) : 3 ; tree 1: a <= -1 ? 10 : 20 (a has NULL and NaN)
    return model_of(
        [
            helper.make_node("Concat", ["a", "b", "c"], ["x"], axis=1),
            helper.make_node(
                "TreeEnsembleRegressor",
                ["x"],
                ["y"],
                domain="ai.onnx.ml",
                n_targets=1,
                aggregate_function=aggregate,
                base_values=[0.25],
                nodes_treeids=[0, 0, 0, 0, 0, 1, 1, 1],
                nodes_nodeids=[0, 1, 2, 3, 4, 0, 1, 2],
                nodes_featureids=[1, 2, 0, 0, 0, 0, 0, 0],
                nodes_modes=["BRANCH_LEQ", "BRANCH_LT", "LEAF", "LEAF", "LEAF", "BRANCH_LEQ", "LEAF", "LEAF"],
                nodes_values=[0.5, 2.0, 0, 0, 0, -1.0, 0, 0],
                nodes_truenodeids=[1, 2, 0, 0, 0, 1, 0, 0],
                nodes_falsenodeids=[4, 3, 0, 0, 0, 2, 0, 0],
                nodes_missing_value_tracks_true=missing_true,
                target_treeids=[0, 0, 0, 1, 1],
                target_nodeids=[2, 3, 4, 1, 2],
                target_ids=[0, 0, 0, 0, 0],
                target_weights=[1.0, 2.0, 3.0, 10.0, 20.0],
            ),
        ],
        [("a", F), ("b", F), ("c", F)],
        [("y", F)],
    )


@pytest.mark.parametrize("aggregate", ["SUM", "AVERAGE"])
@pytest.mark.parametrize(
    "missing_true", [[0] * 8, [0, 0, 0, 0, 0, 1, 0, 0]], ids=["missing-false", "missing-true"]
)
def test_tree_regressor_with_missing_routing(aggregate: str, missing_true: list[int]) -> None:
    check(_regressor(aggregate, missing_true), "y", tolerance=0.0)  # type: ignore[arg-type]


def test_rows_exactly_on_thresholds_follow_float32() -> None:
    assert np.float32(0.5) == 0.5  # the thresholds above are exact; rows() holds 0.5, 2.0 and -1.0 values
    check(_regressor("SUM", [0] * 8), "y", tolerance=0.0)  # type: ignore[arg-type]
