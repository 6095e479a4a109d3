"""Registry rules: immutable versions, sha256 checks, aliases, name validation."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from sqlscore.errors import (
    IntegrityError,
    InvalidNameError,
    ModelNotFoundError,
    RegistryError,
    VersionExistsError,
)
from sqlscore.registry import Registry
from sqlscore.registry.card import card_checksum


def test_demo_models_have_champions(demo_env: tuple[Path, Registry]) -> None:
    _, registry = demo_env
    assert registry.models() == ["churn", "risk"]
    for name in ("churn", "risk"):
        assert registry.aliases(name) == {"champion": "1"}
        assert registry.resolve(name).version == "1"


def test_existing_version_is_never_overwritten(demo_env: tuple[Path, Registry]) -> None:
    _, registry = demo_env
    card = registry.card("churn", 1)
    artifact = registry.load_artifact(card)
    before = (registry.root / "churn" / "1" / "model_card.json").read_bytes()
    with pytest.raises(VersionExistsError, match="churn:1 already exists"):
        registry.write_version(card, artifact)
    assert (registry.root / "churn" / "1" / "model_card.json").read_bytes() == before


def test_tampered_artifact_is_refused(demo_env: tuple[Path, Registry]) -> None:
    _, registry = demo_env
    card = registry.card("risk", 1)
    path = registry.artifact_path(card)
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match=r"risk:1 .* has sha256"):
        registry.load_artifact(card)


def test_missing_artifact_is_named(demo_env: tuple[Path, Registry]) -> None:
    _, registry = demo_env
    card = registry.card("risk", 1)
    registry.artifact_path(card).unlink()
    with pytest.raises(IntegrityError, match="artifact of model risk:1 is missing"):
        registry.load_artifact(card)


def _register_copy(registry: Registry, name: str, version: str) -> None:
    """A second version with the same artifact: enough to exercise aliases."""
    card = registry.card(name, 1)
    from dataclasses import replace

    registry.write_version(replace(card, version=version), registry.load_artifact(card))


def test_promote_and_rollback(demo_env: tuple[Path, Registry]) -> None:
    _, registry = demo_env
    _register_copy(registry, "churn", "2")
    _register_copy(registry, "churn", "3")
    assert registry.promote("churn", 2, "champion") == "1"
    assert registry.promote("churn", 3, "champion") == "2"
    assert registry.resolve("churn").version == "3"
    assert registry.rollback("churn", "champion") == ("3", "2")
    assert registry.rollback("churn", "champion") == ("2", "1")
    with pytest.raises(RegistryError, match="no previous holder"):
        registry.rollback("churn", "champion")
    assert registry.resolve("churn@champion").version == "1"


def test_newest_version_without_alias(demo_env: tuple[Path, Registry]) -> None:
    _, registry = demo_env
    _register_copy(registry, "risk", "2")
    aliases = registry.root / "risk" / "aliases.json"
    aliases.unlink()
    assert registry.resolve("risk").version == "2"
    assert registry.resolve("risk:1").version == "1"


def test_promote_refuses_tampered_version(demo_env: tuple[Path, Registry]) -> None:
    _, registry = demo_env
    _register_copy(registry, "churn", "2")
    registry.artifact_path(registry.card("churn", 2)).write_bytes(b"not onnx")
    with pytest.raises(IntegrityError):
        registry.promote("churn", 2, "champion")
    assert registry.aliases("churn") == {"champion": "1"}


@pytest.mark.parametrize(
    "name", ["../etc", "Churn", "churn;drop table x", "", "1churn", "a" * 64, "churn-model", "x/y"]
)
def test_bad_model_names_are_refused(demo_env: tuple[Path, Registry], name: str) -> None:
    _, registry = demo_env
    with pytest.raises(InvalidNameError, match="invalid model name"):
        registry.versions(name)


@pytest.mark.parametrize("ref", ["churn:0", "churn:../1", "churn:1.0", "churn@Champ", "churn@"])
def test_bad_versions_and_aliases_are_refused(demo_env: tuple[Path, Registry], ref: str) -> None:
    _, registry = demo_env
    with pytest.raises(InvalidNameError):
        registry.resolve(ref)


def test_unknown_model_and_alias(demo_env: tuple[Path, Registry]) -> None:
    _, registry = demo_env
    with pytest.raises(ModelNotFoundError, match="no model named fraud"):
        registry.resolve("fraud")
    with pytest.raises(ModelNotFoundError, match="no alias 'challenger'"):
        registry.resolve("churn@challenger")
    with pytest.raises(ModelNotFoundError, match="no version 9"):
        registry.resolve("churn:9")


def test_verify_names_card_graph_mismatch(demo_env: tuple[Path, Registry]) -> None:
    _, registry = demo_env
    card_path = registry.root / "risk" / "1" / "model_card.json"
    card = json.loads(card_path.read_text())
    card["features"][0], card["features"][1] = card["features"][1], card["features"][0]
    card["card_sha256"] = card_checksum(card)  # a sealed card that disagrees with its graph
    card_path.write_text(json.dumps(card))
    problems = registry.verify()
    assert len(problems) == 1
    assert problems[0].path.endswith("risk/1/model.onnx")
    assert "card features" in problems[0].reason


def test_verify_names_a_card_edited_after_export(demo_env: tuple[Path, Registry]) -> None:
    _, registry = demo_env
    card_path = registry.root / "risk" / "1" / "model_card.json"
    card = json.loads(card_path.read_text())
    card["description"] = "edited by hand"
    card_path.write_text(json.dumps(card))
    reasons = {p.path: p.reason for p in registry.verify()}
    assert "was changed after export" in reasons[str(card_path)]
    assert "risk@champion points at version 1, which is missing or broken" in " ".join(reasons.values())
