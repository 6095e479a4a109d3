"""The card-against-graph check every registration runs, read from the protobuf wire without
onnx: the same inputs and outputs as onnx reads, the same refusals, onnx's reading whenever the
wire reading is not certain."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import onnx
import pytest

from sqlscore.errors import FunctionError
from sqlscore.functions.artifact_check import checked_artifact, graph_signature
from sqlscore.registry import Registry
from sqlscore.registry.graph_check import compare_card_with_graph, value_type


def _onnx_signature(artifact: bytes) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    graph = onnx.load_from_string(artifact).graph
    return [(i.name, value_type(i)) for i in graph.input], [(o.name, value_type(o)) for o in graph.output]


@pytest.mark.parametrize("model", ["churn", "risk"])
def test_the_wire_reading_is_onnx_reading(demo_source: tuple[Path, Path], model: str) -> None:
    registry = Registry(demo_source[1])
    card = registry.resolve(model)
    artifact = registry.load_artifact(card)
    assert graph_signature(artifact) == _onnx_signature(artifact)
    assert len(graph_signature(artifact)[0]) == len(card.features) > 3
    assert checked_artifact(registry, card) == artifact


def test_a_card_that_is_not_its_graph_is_refused_as_onnx_refuses_it(demo_source: tuple[Path, Path]) -> None:
    registry = Registry(demo_source[1])
    card = registry.resolve("risk")
    renamed = replace(card, features=[replace(card.features[0], name="not_an_input"), *card.features[1:]])
    expected = compare_card_with_graph(renamed, registry.load_artifact(card))
    assert expected and "card features" in expected[0]

    class Same(Registry):  # the artifact of the real card, whatever card asks (sha256 unchanged)
        def load_artifact(self, _card: object) -> bytes:  # type: ignore[override]
            return registry.load_artifact(card)

    with pytest.raises(FunctionError) as raised:
        checked_artifact(Same(registry.root), renamed)
    assert str(raised.value) == "; ".join(expected)


@pytest.mark.parametrize("damage", ["truncated", "repeated graph", "empty"])
def test_an_uncertain_wire_reading_falls_back_to_onnx(demo_source: tuple[Path, Path], damage: str) -> None:
    registry = Registry(demo_source[1])
    card = registry.resolve("risk")
    artifact = registry.load_artifact(card)
    broken = {
        "truncated": artifact[: len(artifact) // 2],
        # a second graph field: protobuf merges the two, the wire reading does not try
        "repeated graph": artifact + artifact[artifact.index(b"\x3a") :],
        "empty": b"",
    }[damage]

    class Broken(Registry):
        def load_artifact(self, _card: object) -> bytes:  # type: ignore[override]
            return broken

    expected = compare_card_with_graph(card, broken)
    if expected:
        with pytest.raises(FunctionError) as raised:
            checked_artifact(Broken(registry.root), card)
        assert str(raised.value) == "; ".join(expected)
    else:
        assert checked_artifact(Broken(registry.root), card) == broken
