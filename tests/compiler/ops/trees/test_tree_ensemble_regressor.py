import numpy as np
import onnx
import pyarrow as pa
import pytest
from onnx import helper

from tests.compiler.harness import ROW_BY_ROW_BATCH, assert_same, ort_outputs, sql_columns
from tests.compiler.ops.graphs import F, check, model_of

EXACT = (0.5, 2.0, -1.0)  # thresholds a float32 holds exactly
INEXACT = (0.1, 2.0 / 3.0, -1.1)  # thresholds rounded to float32: doubles on either side round onto them


def _regressor(
    aggregate: str, missing_true: list[int], thresholds: tuple[float, ...] = EXACT
) -> onnx.ModelProto:
    # tree 0: b <= t0 ? (c < t1 ? 1 : 2) : 3 ; tree 1: a <= t2 ? 10 : 20 (a has NULL and NaN)
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
                nodes_values=[thresholds[0], thresholds[1], 0, 0, 0, thresholds[2], 0, 0],
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
    check(_regressor(aggregate, missing_true), "y", tolerance=0.0)


def _splits(model: onnx.ModelProto) -> list[tuple[int, str, np.float32]]:
    """(feature, mode, float32 threshold) of every split of the model's tree ensemble."""
    (node,) = [n for n in model.graph.node if n.op_type == "TreeEnsembleRegressor"]
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    return [
        (int(feature), mode.decode(), np.float32(value))
        for feature, value, mode in zip(
            attrs["nodes_featureids"], attrs["nodes_values"], attrs["nodes_modes"], strict=True
        )
        if mode != b"LEAF"
    ]


def _on_and_around(threshold: np.float32) -> list[float]:
    """The threshold, its float32 neighbours, and the doubles at and next to the midpoints between
    them: the last doubles that round onto the threshold in float32, and the first that do not."""
    below, above = np.nextafter(threshold, np.float32(-np.inf)), np.nextafter(threshold, np.float32(np.inf))
    values = [float(below), float(threshold), float(above)]
    for neighbour in (below, above):
        middle = (float(threshold) + float(neighbour)) / 2  # exact: float32s have 24-bit significands
        values += [float(np.nextafter(middle, -np.inf)), middle, float(np.nextafter(middle, np.inf))]
    return values


@pytest.mark.parametrize("thresholds", [EXACT, INEXACT], ids=["exact", "rounded"])
def test_rows_on_and_around_every_threshold_follow_float32(thresholds: tuple[float, ...]) -> None:
    """Every split's feature takes its threshold and the doubles around it, 40 rows per value
    (the other features random, a few NULL and NaN): SQL and onnxruntime agree exactly."""
    model = _regressor("SUM", [0] * 8, thresholds)
    rng = np.random.default_rng(11)
    columns: dict[str, list[float | None]] = {"a": [], "b": [], "c": []}
    names = ["a", "b", "c"]
    on_threshold = 0
    for feature, mode, threshold in _splits(model):
        goes_left = {"BRANCH_LEQ": np.less_equal, "BRANCH_LT": np.less}[mode]
        flipped = 0
        for value in _on_and_around(threshold):
            for _ in range(40):
                for index, name in enumerate(names):
                    other = [None, np.nan, *rng.normal(0, 2, 8)][rng.integers(0, 10)]
                    columns[name].append(value if index == feature else other)
            on_threshold += 40 * (np.float32(value) == threshold)
            # rows a comparison in double precision would send the other way
            flipped += goes_left(value, float(threshold)) != goes_left(np.float32(value), threshold)
        assert flipped, f"no row tells float32 from double at {mode} {threshold}"
    assert on_threshold >= 40 * 3 * 3, on_threshold  # per split: the threshold and both midpoints' near sides
    inputs = {name: pa.array(values, type=pa.float64()) for name, values in columns.items()}
    expected = ort_outputs(model, inputs, batch_rows=ROW_BY_ROW_BATCH)["y"]
    assert_same(sql_columns(model, inputs, "y"), expected, tolerance=0.0)
