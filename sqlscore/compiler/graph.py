"""Walking an ONNX graph: initializers become constants, inputs become parameters,
and every node the requested outputs depend on goes through its translator."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import onnx
from onnx import helper, numpy_helper
from sqlglot import exp

from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import TRANSLATORS
from sqlscore.compiler.types import DOUBLE, STRING
from sqlscore.compiler.values import Col, Origin, Symbolic, Tensor
from sqlscore.errors import CompileError


def parameter(name: str, sql_type: str) -> Col:
    """The column a function parameter feeds: NULL strings read as '' (as the onnx engine feeds them)."""
    if sql_type == "VARCHAR":
        expression = exp.Coalesce(this=exp.column(name), expressions=[exp.Literal.string("")])
        return Col(expression, STRING, Origin(name, STRING, lambda v: np.asarray(v, dtype=object)))
    return Col(exp.column(name), DOUBLE, Origin(name, DOUBLE, lambda v: np.asarray(v, dtype=np.float64), 1))


def evaluate(
    model: onnx.ModelProto, model_ref: str, parameters: dict[str, Col], outputs: Sequence[str]
) -> dict[str, Tensor]:
    """The tensors named in ``outputs``, computing only the nodes they need."""
    graph = model.graph
    values: dict[str, Tensor] = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    for graph_input in graph.input:
        if graph_input.name in values:
            continue
        if graph_input.name not in parameters:
            raise CompileError(
                f"model {model_ref}: graph input {graph_input.name} is not a feature of the card"
            )
        values[graph_input.name] = Symbolic((parameters[graph_input.name],))
    producers = {out: node for node in graph.node for out in node.output}
    needed: set[int] = set()
    stack = [name for name in outputs]
    while stack:
        name = stack.pop()
        node = producers.get(name)
        if node is None or id(node) in needed:
            if node is None and name not in values:
                raise CompileError(f"model {model_ref}: nothing computes {name}")
            continue
        needed.add(id(node))
        stack.extend(i for i in node.input if i)
    for node in graph.node:
        if id(node) not in needed:
            continue
        node_name = node.name or node.output[0]  # skl2onnx names every node; hand-built graphs may not
        translator = TRANSLATORS.get(node.op_type)
        if translator is None:
            raise CompileError(
                f"model {model_ref}: op {node.op_type} (node {node_name!r}) has no SQL translator; "
                f"the SQL engine supports {', '.join(sorted(TRANSLATORS))}. Use engine: onnx for this model"
            )
        view = Node(
            op=node.op_type,
            name=node_name,
            model=model_ref,
            inputs=tuple(values.get(i) if i else None for i in node.input),
            attrs={a.name: helper.get_attribute_value(a) for a in node.attribute},
            domain=node.domain,
        )
        results = translator(view)
        for name, value in zip(node.output, results, strict=False):
            values[name] = np.asarray(value) if isinstance(value, np.ndarray) else value
    return {name: values[name] for name in outputs}
