"""Running compiled SQL and onnxruntime side by side on the same rows.

``sql_columns`` evaluates the expressions the compiler produced for graph
outputs in a real DuckDB over an Arrow table of inputs; ``ort_outputs`` runs
the same graph in onnxruntime with the feeds the onnx engine would build
(NULL numbers as NaN, NULL strings as '').
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import numpy as np
import onnx
import onnxruntime as ort
import pyarrow as pa
import pyarrow.compute as pc
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.dialects import expression_sql
from sqlscore.compiler.graph import evaluate, parameter
from sqlscore.compiler.types import DOUBLE, FLOAT
from sqlscore.compiler.values import Col, Origin, Symbolic


def float_parameter(name: str) -> Col:
    """A float32 graph input fed from a DOUBLE column (tests of float graphs)."""
    return Col(
        sql.to_float32(exp.column(name)),
        FLOAT,
        Origin(name, DOUBLE, lambda v: np.asarray(v, dtype=np.float64).astype(np.float32), 1),
    )


def parameters_of(model: onnx.ModelProto) -> dict[str, Col]:
    params = {}
    for graph_input in model.graph.input:
        elem = graph_input.type.tensor_type.elem_type
        if elem == onnx.TensorProto.STRING:
            params[graph_input.name] = parameter(graph_input.name, "VARCHAR")
        elif elem == onnx.TensorProto.FLOAT:
            params[graph_input.name] = float_parameter(graph_input.name)
        else:
            params[graph_input.name] = parameter(graph_input.name, "DOUBLE")
    return params


def sql_columns(model: onnx.ModelProto, inputs: Mapping[str, Sequence[object]], output: str) -> np.ndarray:
    """The output tensor computed by DuckDB from the compiled SQL, shape [rows, columns]."""
    tensor = evaluate(model, "test", parameters_of(model), [output])[output]
    assert isinstance(tensor, Symbolic), f"{output} was folded to a constant"
    selects = ", ".join(f"{expression_sql(c.expr, 'duckdb')} as c{j}" for j, c in enumerate(tensor.cols))
    table = pa.table({name: _arrow(values) for name, values in inputs.items()})  # noqa: F841
    with duckdb.connect() as con:
        con.register("inputs", table)
        rows = con.execute(f"select {selects} from inputs").fetchnumpy()
    return np.column_stack([_nulls_as_nan(rows[f"c{j}"]) for j in range(len(tensor.cols))])


def _nulls_as_nan(values: np.ndarray) -> np.ndarray:
    """NULL (a masked entry) is what SQL returns where onnxruntime returns NaN."""
    if isinstance(values, np.ma.MaskedArray):
        if values.dtype.kind in "fiu":
            return np.ma.filled(values.astype(np.float64), np.nan)
        return np.ma.filled(values, None)
    return np.asarray(values)


#: onnxruntime's tree ensembles add the trees row by row, in tree order, in float32 for batches
#: of at most 50 rows; larger batches take another path whose sums differ by a few float32 ulps
#: (measured: 2.3e-05 on a regression value of 49.6 between batch sizes 50 and 51). The SQL
#: reproduces the row-by-row path bit for bit.
ROW_BY_ROW_BATCH = 50


def ort_outputs(
    model: onnx.ModelProto, inputs: Mapping[str, Sequence[object]], batch_rows: int | None = None
) -> dict[str, np.ndarray]:
    """All graph outputs; ``batch_rows`` runs the rows in batches of that size."""
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    feeds = {}
    for graph_input in session.get_inputs():
        values = _arrow(inputs[graph_input.name])
        if graph_input.type == "tensor(string)":
            strings = pc.fill_null(values, "").to_numpy(zero_copy_only=False).astype(object)
            feeds[graph_input.name] = strings.reshape(-1, 1)
        else:
            numpy_type = np.float32 if graph_input.type == "tensor(float)" else np.float64
            numbers = values.cast(pa.float64()).to_numpy(zero_copy_only=False)
            feeds[graph_input.name] = numbers.astype(numpy_type).reshape(-1, 1)
    names = [o.name for o in session.get_outputs()]
    if batch_rows is None:
        return dict(zip(names, session.run(None, feeds), strict=True))
    rows = len(next(iter(feeds.values())))
    parts = [
        session.run(None, {k: v[start : start + batch_rows] for k, v in feeds.items()})
        for start in range(0, rows, batch_rows)
    ]
    return {name: np.concatenate([p[k] for p in parts]) for k, name in enumerate(names)}


def _arrow(values: object) -> pa.Array:
    if isinstance(values, pa.Array):
        return values
    if isinstance(values, np.ndarray) and values.dtype.kind == "f":
        return pa.array(values)  # NaN stays NaN; use None in a list for NULL
    return pa.array(list(values))  # type: ignore[call-overload]


def assert_same(
    sql_values: np.ndarray, ort_values: np.ndarray, tolerance: float = 1e-6, relative: float = 0.0
) -> float:
    """Same shape, same NaN positions (NULL in SQL), ``|diff| <= tolerance + relative * max|value|``."""
    expected = np.asarray(ort_values)
    if expected.ndim == 1:
        expected = expected.reshape(-1, 1)
    got = np.asarray(sql_values)
    if expected.shape != got.shape and expected.size == got.size:
        expected = expected.reshape(got.shape)  # [N, 1, k] one-hot or [1, N] label tensors
    assert got.shape == expected.shape, (got.shape, expected.shape)
    if expected.dtype.kind in "OUSib":
        assert (got.astype(str) == expected.astype(str)).all(), "labels differ"
        return 0.0
    got = got.astype(np.float64)
    expected = expected.astype(np.float64)
    assert (np.isnan(got) == np.isnan(expected)).all(), "NULL/NaN positions differ"
    finite = ~np.isnan(expected)
    same = got[finite] == expected[finite]  # equal infinities count as equal
    difference = np.where(same, 0.0, np.abs(got[finite] - expected[finite]))
    magnitudes = np.abs(expected[finite])
    largest = float(np.max(magnitudes[np.isfinite(magnitudes)], initial=0.0))
    allowed = tolerance + relative * largest
    assert (difference <= allowed).all(), (
        f"max abs difference {difference.max()} > {tolerance} (+{relative}*max|value|)"
    )
    return float(difference.max(initial=0.0))
