import numpy as np
import onnx.parser
from onnx import helper

from tests.compiler.harness import assert_same, ort_outputs, sql_columns
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


def test_imputer_without_replaced_value_replaces_zeros_as_onnx_defines() -> None:
    """``replaced_value_float`` defaults to 0.0 in ONNX: zeros are imputed, NaN and NULL stay."""
    model = onnx.parser.parse_model(
        """<ir_version: 9, opset_import: ["" : 18, "ai.onnx.ml" : 3]>
        imputer (float[N, 1] a) => (float[N, 1] y) {
            y = ai.onnx.ml.Imputer <imputed_value_floats = [1.25]> (a)
        }"""
    )
    inputs = {"a": [0.0, -0.0, 1.5, float("nan"), None, 3.0]}
    expected = ort_outputs(model, inputs)["y"]
    assert expected[:2].tolist() == [[1.25], [1.25]] and np.isnan(expected[3:5]).all()
    assert_same(sql_columns(model, inputs, "y"), expected, tolerance=0.0)
