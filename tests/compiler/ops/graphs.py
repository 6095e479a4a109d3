"""Tiny hand-built ONNX graphs around one op, checked against onnxruntime on the same rows."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
import pyarrow as pa
from onnx import TensorProto, helper, numpy_helper

from tests.compiler.harness import assert_same, ort_outputs, sql_columns

D, F, S, I64, B = (
    TensorProto.DOUBLE,
    TensorProto.FLOAT,
    TensorProto.STRING,
    TensorProto.INT64,
    TensorProto.BOOL,
)


def model_of(
    nodes: Sequence[onnx.NodeProto],
    inputs: Sequence[tuple[str, int]],
    outputs: Sequence[tuple[str, int]],
    initializers: dict[str, np.ndarray] | None = None,
) -> onnx.ModelProto:
    graph = helper.make_graph(
        list(nodes),
        "op_test",
        [helper.make_tensor_value_info(name, kind, [None, 1]) for name, kind in inputs],
        [helper.make_tensor_value_info(name, kind, [None, None]) for name, kind in outputs],
        [numpy_helper.from_array(value, name) for name, value in (initializers or {}).items()],
    )
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 18), helper.make_opsetid("ai.onnx.ml", 3)]
    )
    model.ir_version = 9
    onnx.checker.check_model(model)
    return model


def rows(count: int = 5000, seed: int = 3) -> dict[str, pa.Array]:
    """Numbers a, b, c (a with NULL and NaN; c positive), strings s (with NULL and unseen values)."""
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 3, count)
    a[:50] = np.nan
    b = rng.normal(1, 2, count)
    b[50:60] = [0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 3.0, -2.5, 1e-300, 1e300]
    c = rng.uniform(0.1, 10, count)
    s = rng.choice(["red", "green", "blue", "violet"], count).astype(object)
    s[:40] = None
    return {
        "a": pa.array(a, mask=np.arange(count) % 97 == 5),
        "b": pa.array(b),
        "c": pa.array(c),
        "s": pa.array(s, type=pa.string()),
    }


def check(
    model: onnx.ModelProto, output: str, tolerance: float = 1e-6, count: int = 5000, relative: float = 0.0
) -> float:
    """The compiled SQL of ``output`` equals onnxruntime's (row by row) on :func:`rows`.

    ``relative`` (times the largest value) is for float32 linear algebra, whose summation
    order inside onnxruntime's GEMM is not specified: those agree to float32 precision.
    """
    table = rows(count)
    inputs = {i.name: table[i.name] for i in model.graph.input}
    expected = ort_outputs(model, inputs, batch_rows=50)[output]
    return assert_same(sql_columns(model, inputs, output), expected, tolerance, relative)
