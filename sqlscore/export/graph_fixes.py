"""Adjustments that make skl2onnx graphs run in onnxruntime with sklearn's arithmetic.

Numeric features are double tensors, as the warehouse holds them, so that
imputing and scaling happen in float64 exactly as in scikit-learn. Two gaps in
the converters and the runtime need closing for that:

* onnxruntime implements the ``Imputer`` op for float only; a double Imputer
  fails at session creation. We rewrite it into ``Where(IsNaN(x), fill, x)``,
  which is the same function in any precision.
* skl2onnx declares double outputs for tree classifiers fed doubles, which the
  tree ops do not produce. scikit-learn's own trees (decision trees, random
  forests, extra trees, GradientBoosting) cast their input to float32 before
  comparing with thresholds, so inserting that cast in front of them is exact,
  not an approximation. HistGradientBoosting compares float64 in scikit-learn,
  but skl2onnx stores its thresholds as float32 and the tree ops only run on
  float: the same cast makes it runnable, and export's parity check decides
  whether the float32 comparison is close enough to keep (rows can only differ
  where a value lies between a float64 threshold and its float32 rounding).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import onnx
from onnx import helper, numpy_helper
from sklearn.pipeline import Pipeline

_FLOAT32_TREES = {
    "DecisionTreeClassifier",
    "DecisionTreeRegressor",
    "ExtraTreeClassifier",
    "ExtraTreeRegressor",
    "RandomForestClassifier",
    "RandomForestRegressor",
    "ExtraTreesClassifier",
    "ExtraTreesRegressor",
    "GradientBoostingClassifier",
    "GradientBoostingRegressor",
    "HistGradientBoostingClassifier",
    "HistGradientBoostingRegressor",
}


def with_float32_cast(estimator: Any) -> Any:
    """``estimator`` as one flat pipeline, with an explicit float32 cast before a float32 tree.

    Flat (nested pipelines spliced in) so that the final estimator is the last step: the cast
    goes right before it, and the caller finds it there to switch off ZipMap.
    """
    from skl2onnx.sklapi import CastTransformer

    steps = _flat_steps(estimator) if isinstance(estimator, Pipeline) else [("model", estimator)]
    if type(steps[-1][1]).__name__ in _FLOAT32_TREES:
        cast = CastTransformer(dtype=np.float32).fit(np.zeros((1, 1)))
        steps = [*steps[:-1], ("sqlscore_cast_float32", cast), steps[-1]]
    return Pipeline(steps) if len(steps) > 1 else estimator


def _flat_steps(pipeline: Pipeline, prefix: str = "") -> list[tuple[str, Any]]:
    """The steps of a pipeline with nested pipelines spliced in (the same transforms, in order).

    ``export_model`` wraps the user's pipeline (``with_named_inputs``), and users nest
    ``make_pipeline(StandardScaler(), GradientBoostingRegressor())`` inside their own: the
    float32 cast must go right before the innermost final estimator, wherever it is.
    """
    steps: list[tuple[str, Any]] = []
    for name, step in pipeline.steps:
        if isinstance(step, Pipeline):
            steps += _flat_steps(step, f"{prefix}{name}__")
        else:
            steps.append((f"{prefix}{name}", step))
    return steps


def with_named_inputs(estimator: Any, frame: Any) -> Any:
    """Front a bare estimator with a passthrough ColumnTransformer when it has several columns.

    The ONNX graph takes one named input per column; skl2onnx only splits
    columns that way through a ColumnTransformer. Passthrough changes no value.
    """
    from sklearn.compose import ColumnTransformer

    if frame.shape[1] <= 1 or _starts_with_column_transformer(estimator):
        return estimator
    columns = ColumnTransformer([("columns", "passthrough", list(frame.columns))]).fit(frame)
    return Pipeline([("sqlscore_columns", columns), ("model", estimator)])


def _starts_with_column_transformer(estimator: Any) -> bool:
    from sklearn.compose import ColumnTransformer

    first = estimator.steps[0][1] if isinstance(estimator, Pipeline) else estimator
    return isinstance(first, ColumnTransformer)


def rewrite_double_imputers(model: onnx.ModelProto) -> onnx.ModelProto:
    """Replace every ``Imputer`` node by ``Where(IsNaN(x), fill, x)`` (or ``Equal`` for a sentinel)."""
    graph = model.graph
    nodes: list[onnx.NodeProto] = []
    for node in graph.node:
        if node.op_type != "Imputer":
            nodes.append(node)
            continue
        attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
        fill = np.asarray(list(attrs.get("imputed_value_floats", [])), dtype=np.float64)
        replaced = float(attrs.get("replaced_value_float", np.nan))
        prefix = node.name or node.output[0]
        fill_name = f"{prefix}_fill"
        graph.initializer.append(numpy_helper.from_array(fill.reshape(1, -1), fill_name))
        mask = f"{prefix}_mask"
        if np.isnan(replaced):
            nodes.append(helper.make_node("IsNaN", [node.input[0]], [mask], name=f"{prefix}_IsNaN"))
        else:
            sentinel = f"{prefix}_sentinel"
            graph.initializer.append(
                numpy_helper.from_array(np.array([replaced], dtype=np.float64), sentinel)
            )
            nodes.append(helper.make_node("Equal", [node.input[0], sentinel], [mask], name=f"{prefix}_Equal"))
        nodes.append(
            helper.make_node(
                "Where", [mask, fill_name, node.input[0]], [node.output[0]], name=f"{prefix}_Where"
            )
        )
    del graph.node[:]
    graph.node.extend(nodes)
    return model
