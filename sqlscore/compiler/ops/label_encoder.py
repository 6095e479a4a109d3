"""LabelEncoder (ONNX-ML): a lookup table from keys to values, with a default (OrdinalEncoder)."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.types import FLOAT, INT64, NUMPY_TYPES, STRING
from sqlscore.compiler.values import Col, Origin, Symbolic, Tensor


def _table(node: Node) -> tuple[list[object], str, list[object], str, object]:
    if node.attr("keys_strings"):
        keys: list[object] = list(node.strings("keys_strings"))
        key_type = STRING
    elif node.attr("keys_int64s") is not None and len(node.attr("keys_int64s")):
        keys, key_type = [int(k) for k in node.attr("keys_int64s")], INT64
    elif node.attr("keys_floats") is not None and len(node.attr("keys_floats")):
        keys, key_type = [float(k) for k in node.attr("keys_floats")], FLOAT
    else:
        raise node.fail("no keys (keys_tensor is not supported)")
    if node.attr("values_strings"):
        return (
            keys,
            key_type,
            list(node.strings("values_strings")),
            STRING,
            _decode(node.attr("default_string", "_Unused")),
        )
    if node.attr("values_int64s") is not None and len(node.attr("values_int64s")):
        return (
            keys,
            key_type,
            [int(v) for v in node.attr("values_int64s")],
            INT64,
            int(node.attr("default_int64", -1)),
        )
    if node.attr("values_floats") is not None and len(node.attr("values_floats")):
        return (
            keys,
            key_type,
            [float(v) for v in node.attr("values_floats")],
            FLOAT,
            float(node.attr("default_float", -0.0)),
        )
    raise node.fail("no values (values_tensor is not supported)")


def _decode(value: object) -> object:
    return value.decode() if isinstance(value, bytes) else value


def translate(node: Node) -> list[Tensor]:
    data = node.symbolic(0)
    keys, key_type, values, value_type, default = _table(node)
    mapping = dict(zip(keys, values, strict=True))
    cols = []
    for source in data.cols:
        ifs = [
            exp.If(this=sql.constant(k, key_type), true=sql.constant(v, value_type))
            for k, v in mapping.items()
        ]
        expression = exp.Case(this=source.expr.copy(), ifs=ifs, default=sql.constant(default, value_type))
        cols.append(Col(expression, value_type, _origin(source, mapping, default, value_type)))
    return [Symbolic(tuple(cols))]


def _origin(source: Col, mapping: dict[object, object], default: object, value_type: str) -> Origin | None:
    origin = source.origin
    if origin is None or origin.kind != STRING:
        return None
    inner = origin.fn
    numpy_type = NUMPY_TYPES[value_type]

    def fn(values: np.ndarray) -> np.ndarray:
        return np.array(
            [mapping.get(v, default) for v in np.asarray(inner(values), dtype=object)], dtype=numpy_type
        )

    known = tuple(dict.fromkeys([*origin.known, *(str(k) for k in mapping)]))
    return Origin(origin.param, STRING, fn, None, known)
