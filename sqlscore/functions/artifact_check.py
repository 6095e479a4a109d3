"""Every registration checks the artifact (sha256) and the card against the graph, without onnx.

The check reads the graph's inputs and outputs (names and element types). Importing the onnx
package to read them costs a good part of a cached registration's budget (0.1-0.2 s here), for a
few fields of one protobuf message: so they are read here straight from the protobuf wire format
(``ModelProto.graph`` = field 7, ``GraphProto.input``/``output`` = 11/12, ``ValueInfoProto.name``/
``type`` = 1/2, ``TypeProto.tensor_type`` = 1, ``Tensor.elem_type`` = 1). Whenever that reading is
not certain to be what onnx reads (a malformed message, a singular field repeated, which protobuf
merges, a type that is not a tensor of a known element type), the check falls back to
:func:`sqlscore.registry.graph_check.compare_card_with_graph`, the reference, so the answer is
always onnx's.
"""

from __future__ import annotations

from sqlscore.errors import FunctionError
from sqlscore.registry import ModelCard, Registry

#: onnx.TensorProto.DataType values and the names ``value_type`` gives them.
_ELEMENT_TYPES = {
    1: "float",
    2: "uint8",
    3: "int8",
    4: "uint16",
    5: "int16",
    6: "int32",
    7: "int64",
    8: "string",
    9: "bool",
    10: "float16",
    11: "double",
    12: "uint32",
    13: "uint64",
}


class _Unsure(Exception):
    """The wire reading might differ from onnx's: use onnx."""


def checked_artifact(registry: Registry, card: ModelCard) -> bytes:
    """The artifact's bytes, its sha256 checked against the card and the card against the graph;
    :class:`FunctionError` naming every difference otherwise."""
    artifact = registry.load_artifact(card)  # sha256 checked here
    try:
        inputs, outputs = graph_signature(artifact)
    except (_Unsure, UnicodeDecodeError):
        from sqlscore.registry.graph_check import compare_card_with_graph

        problems = compare_card_with_graph(card, artifact)
    else:
        problems = []
        card_inputs = [(f.name, f.onnx_type) for f in card.features]
        if inputs != card_inputs:
            problems.append(f"model {card.ref}: card features {card_inputs} != graph inputs {inputs}")
        card_outputs = [(o.name, o.onnx_type) for o in card.outputs]
        if outputs != card_outputs:
            problems.append(f"model {card.ref}: card outputs {card_outputs} != graph outputs {outputs}")
    if problems:
        raise FunctionError("; ".join(problems))
    return artifact


def graph_signature(artifact: bytes) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The graph's inputs and outputs as ``(name, "tensor(<type>)")``, as onnx would read them."""
    graph = _single(_fields(memoryview(artifact)), 7)
    fields = _fields(graph)
    return (
        [_value_info(v) for n, v in fields if n == 11],
        [_value_info(v) for n, v in fields if n == 12],
    )


def _value_info(data: memoryview | int) -> tuple[str, str]:
    fields = _fields(_bytes(data))
    name = bytes(_single(fields, 1)).decode("utf-8")
    tensor = _single(_fields(_single(fields, 2)), 1)
    elem = _single(_fields(tensor), 1, varint=True)
    if not isinstance(elem, int) or elem not in _ELEMENT_TYPES:
        raise _Unsure
    return name, f"tensor({_ELEMENT_TYPES[elem]})"


def _single(fields: list[tuple[int, memoryview | int]], number: int, varint: bool = False) -> memoryview:
    """The one occurrence of a singular field (absent or repeated: unsure)."""
    found = [value for n, value in fields if n == number]
    if len(found) != 1 or isinstance(found[0], int) != varint:
        raise _Unsure
    return found[0]  # type: ignore[return-value]


def _bytes(value: memoryview | int) -> memoryview:
    if isinstance(value, int):
        raise _Unsure
    return value


def _fields(data: memoryview) -> list[tuple[int, memoryview | int]]:
    """The top-level fields of one message: (number, bytes of a length-delimited field or the
    value of a varint); fixed-width fields are skipped, groups are unsure."""
    fields: list[tuple[int, memoryview | int]] = []
    position, end = 0, len(data)
    while position < end:
        key, position = _varint(data, position)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, position = _varint(data, position)
            fields.append((number, value))
        elif wire == 2:
            length, position = _varint(data, position)
            if position + length > end:
                raise _Unsure
            fields.append((number, data[position : position + length]))
            position += length
        elif wire in (1, 5):
            position += 8 if wire == 1 else 4
        else:
            raise _Unsure
    if position != end or not data:
        raise _Unsure
    return fields


def _varint(data: memoryview, position: int) -> tuple[int, int]:
    value, shift = 0, 0
    while True:
        if position >= len(data) or shift > 63:
            raise _Unsure
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, position
        shift += 7
