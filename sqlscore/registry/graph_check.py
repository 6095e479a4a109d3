"""Compare a model card with the ONNX graph it describes.

The card is what SQL relies on (argument order and types); the graph is what
onnxruntime will actually run. They must say the same thing.
"""

from __future__ import annotations

import onnx

from sqlscore.registry.card import ModelCard

_ONNX_TYPES: dict[int, str] = {
    onnx.TensorProto.DOUBLE: "tensor(double)",
    onnx.TensorProto.FLOAT: "tensor(float)",
    onnx.TensorProto.STRING: "tensor(string)",
    onnx.TensorProto.INT64: "tensor(int64)",
}


def value_type(value: onnx.ValueInfoProto) -> str:
    """``tensor(double)`` style name of a graph input or output."""
    elem = value.type.tensor_type.elem_type
    return _ONNX_TYPES.get(int(elem)) or f"tensor({onnx.TensorProto.DataType.Name(elem).lower()})"


def compare_card_with_graph(card: ModelCard, artifact: bytes) -> list[str]:
    """Every way in which the graph's inputs and outputs differ from the card."""
    try:
        model = onnx.load_from_string(artifact)
    except Exception as exc:  # a protobuf decode error: the file is not ONNX
        return [f"model {card.ref}: artifact is not a readable ONNX model ({exc})"]
    reasons: list[str] = []
    graph_inputs = [(i.name, value_type(i)) for i in model.graph.input]
    card_inputs = [(f.name, f.onnx_type) for f in card.features]
    if graph_inputs != card_inputs:
        reasons.append(f"model {card.ref}: card features {card_inputs} != graph inputs {graph_inputs}")
    graph_outputs = [(o.name, value_type(o)) for o in model.graph.output]
    card_outputs = [(o.name, o.onnx_type) for o in card.outputs]
    if graph_outputs != card_outputs:
        reasons.append(f"model {card.ref}: card outputs {card_outputs} != graph outputs {graph_outputs}")
    return reasons
