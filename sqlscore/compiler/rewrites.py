"""Graph rewrites applied before translation: same function, less SQL per row.

skl2onnx writes a binary logistic regression with double inputs as two
opposite scores ``z`` and ``-z`` (``MatMul`` by ``[-w, w]``), two sigmoids and
a normalisation ``sigmoid(z) / (|sigmoid(-z)| + |sigmoid(z)|)``. Since
``sigmoid(-z) + sigmoid(z) = 1``, that is ``sigmoid(z)`` to within two ulps,
and computing it directly halves the SQL's arithmetic. The rewrite only fires
when the weights and intercepts are exact negations of each other.
"""

from __future__ import annotations

import numpy as np
import onnx
from onnx import helper, numpy_helper


def simplify_binary_logistic(model: onnx.ModelProto) -> onnx.ModelProto:
    graph = model.graph
    constants = {i.name: numpy_helper.to_array(i) for i in graph.initializer}
    producer = {out: node for node in graph.node for out in node.output}
    consumers: dict[str, list[onnx.NodeProto]] = {}
    for node in graph.node:
        for name in node.input:
            consumers.setdefault(name, []).append(node)
    for div in graph.node:
        match = _match(div, producer, consumers, constants)
        if match is None:
            continue
        raw_scores, removed = match
        prefix = div.output[0]
        one, index = f"{prefix}__one", f"{prefix}__index"
        graph.initializer.extend(
            [
                numpy_helper.from_array(np.array([[1.0]]), one),
                numpy_helper.from_array(np.array([1], dtype=np.int64), index),
            ]
        )
        replacement = [
            helper.make_node("Gather", [raw_scores, index], [f"{prefix}__z"], axis=1),
            helper.make_node("Sigmoid", [f"{prefix}__z"], [f"{prefix}__p1"]),
            helper.make_node("Sub", [one, f"{prefix}__p1"], [f"{prefix}__p0"]),
            helper.make_node("Concat", [f"{prefix}__p0", f"{prefix}__p1"], [div.output[0]], axis=1),
        ]
        dropped = {id(r) for r in removed}
        nodes: list[onnx.NodeProto] = []
        for node in graph.node:
            if node is div:
                nodes.extend(replacement)
            elif id(node) not in dropped:
                nodes.append(node)
        del graph.node[:]
        graph.node.extend(nodes)
        return model  # skl2onnx emits the pattern once per model
    return model


def _match(
    div: onnx.NodeProto,
    producer: dict[str, onnx.NodeProto],
    consumers: dict[str, list[onnx.NodeProto]],
    constants: dict[str, np.ndarray],
) -> tuple[str, list[onnx.NodeProto]] | None:
    """(the two-column raw score tensor, the nodes to replace) or None."""
    if div.op_type != "Div" or len(div.input) != 2:
        return None
    sigmoid, reduce_sum = producer.get(div.input[0]), producer.get(div.input[1])
    if (
        sigmoid is None
        or sigmoid.op_type != "Sigmoid"
        or reduce_sum is None
        or reduce_sum.op_type != "ReduceSum"
    ):
        return None
    absolute = producer.get(reduce_sum.input[0])
    if absolute is None or absolute.op_type != "Abs" or absolute.input[0] != sigmoid.output[0]:
        return None
    axes = constants.get(reduce_sum.input[1]) if len(reduce_sum.input) > 1 else None
    if axes is None or [int(a) for a in np.asarray(axes).reshape(-1)] not in ([1], [-1]):
        return None
    if len(consumers.get(sigmoid.output[0], [])) != 2 or len(consumers.get(absolute.output[0], [])) != 1:
        return None  # the sigmoid or its abs feed something else too
    add = producer.get(sigmoid.input[0])
    if add is None or add.op_type != "Add":
        return None
    matmul, intercept = producer.get(add.input[0]), constants.get(add.input[1])
    if matmul is None or matmul.op_type != "MatMul" or intercept is None:
        return None
    weights = constants.get(matmul.input[1])
    if weights is None or weights.ndim != 2 or weights.shape[1] != 2:
        return None
    intercept = np.asarray(intercept).reshape(-1)
    if (
        intercept.size != 2
        or intercept[0] != -intercept[1]
        or not np.array_equal(weights[:, 0], -weights[:, 1])
    ):
        return None
    return add.output[0], [sigmoid, absolute, reduce_sum, div]
