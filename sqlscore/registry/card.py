"""The model card: everything a consumer needs to trust and call a model version.

The card is written once, beside ``model.onnx``, and never changed: it holds
the feature names and SQL types in the ONNX input order (which is the argument
order of ``predict_<name>``), the sha256 that every load re-checks, and the
figures that justified registering the version.

A card is a file anyone with write access to the registry can edit, and its
names end up in folder paths and SQL text. So a card is *parsed*, never just
loaded: :func:`parse_card` checks every field that reaches a path or SQL
against the strict name rules and against the folder it was found in, and
checks the card's own checksum (``card_sha256``, recorded at export over the
rest of the card), before a :class:`ModelCard` exists at all.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from sqlscore.errors import IntegrityError, InvalidNameError
from sqlscore.names import check_identifier, check_model_name, check_sha256, check_version

CARD_FILE = "model_card.json"
ARTIFACT_FILE = "model.onnx"
PROFILE_FILE = "input_profile.json"
CARD_SCHEMA_VERSION = 1
CHECKSUM_FIELD = "card_sha256"

#: What a model predicts; the functions and the gate differ by task.
BINARY, MULTICLASS, REGRESSION = "binary_classification", "multiclass_classification", "regression"
TASKS = (BINARY, MULTICLASS, REGRESSION)
#: Feature types a card may declare: (SQL type, ONNX input type).
FEATURE_TYPES = {("DOUBLE", "tensor(double)"), ("VARCHAR", "tensor(string)")}


@dataclass(frozen=True)
class Feature:
    """One model input: a column name, its SQL type and the ONNX tensor type it feeds."""

    name: str
    sql_type: str  # DOUBLE or VARCHAR
    onnx_type: str  # tensor(double) or tensor(string)


@dataclass(frozen=True)
class Output:
    """One ONNX graph output as recorded at export time."""

    name: str
    onnx_type: str


@dataclass(frozen=True)
class ModelCard:
    """The immutable description of one registered model version."""

    name: str
    version: str
    created_at: str
    task: str
    features: tuple[Feature, ...]
    outputs: tuple[Output, ...]
    sha256: str
    classes: tuple[Any, ...] = ()
    estimator: str = ""
    description: str = ""
    training_metrics: dict[str, float] = field(default_factory=dict)
    training_data: dict[str, Any] = field(default_factory=dict)
    parity: dict[str, Any] = field(default_factory=dict)
    score_reference: dict[str, Any] = field(default_factory=dict)
    versions: dict[str, Any] = field(default_factory=dict)
    schema_version: int = CARD_SCHEMA_VERSION
    #: sha256 of ``input_profile.json`` (the training inputs' profile), empty when none was written.
    input_profile_sha256: str = ""
    card_sha256: str = ""

    @property
    def ref(self) -> str:
        """``name:version``, the unambiguous way to name this model version."""
        return f"{self.name}:{self.version}"

    @property
    def feature_names(self) -> list[str]:
        return [f.name for f in self.features]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["features"] = [asdict(f) for f in self.features]
        data["outputs"] = [asdict(o) for o in self.outputs]
        data["classes"] = list(self.classes)
        return data

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False) + "\n"

    def sealed(self) -> ModelCard:
        """This card with ``card_sha256`` set over every other field (done once, at export)."""
        return replace(self, card_sha256=card_checksum(self.to_dict()))

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelCard:
        """Build a card from trusted data (an export in this process); files go through parse_card."""
        values = dict(data)
        values["features"] = tuple(Feature(**f) for f in data["features"])
        values["outputs"] = tuple(Output(**o) for o in data["outputs"])
        values["classes"] = tuple(data.get("classes", ()))
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known})


def card_checksum(data: dict[str, Any]) -> str:
    """sha256 of the card's canonical JSON, without the checksum field itself."""
    body = {k: v for k, v in data.items() if k != CHECKSUM_FIELD}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(canonical.encode()).hexdigest()


def parse_card(data: Any, name: str, version: str, where: str) -> ModelCard:
    """Check a card read from ``where`` (folder ``name/version``) and build it; raise naming the fault.

    Checked: the checksum over the card's text, the name and version against the
    folder (a card cannot point outside its folder or pass for another model),
    feature and output names as plain SQL identifiers, the feature types, the
    task, the artifact sha256 and the class labels. Nothing else in the card
    reaches SQL or a path.
    """
    ref = f"{name}:{version}"
    try:
        if not isinstance(data, dict):
            raise IntegrityError(f"model card {where} is not a JSON object")
        recorded = data.get(CHECKSUM_FIELD)
        if not recorded:
            raise IntegrityError(
                f"model card {where} of {ref} has no {CHECKSUM_FIELD}: it was written before cards "
                f"carried one, or not by sqlscore; check it and run `sqlscore models seal {ref}`, "
                "or export the model again"
            )
        if card_checksum(data) != recorded:
            raise IntegrityError(
                f"model card {where} of {ref} was changed after export (its {CHECKSUM_FIELD} does not "
                "match its content); restore it from version control or export a new version"
            )
        if data.get("name") != name or data.get("version") != version:
            raise IntegrityError(
                f"model card {where} names {data.get('name')!r} version {data.get('version')!r}, "
                f"but it lies in the folder of {ref}"
            )
        check_model_name(name)
        check_version(version)
        card = ModelCard.from_dict(data)
        _check_fields(card)
    except InvalidNameError as exc:
        raise IntegrityError(f"model card {where} of {ref}: {exc}") from exc
    except (KeyError, TypeError, ValueError) as exc:
        raise IntegrityError(f"model card {where} of {ref} is malformed: {exc!r}") from exc
    return card


def _check_fields(card: ModelCard) -> None:
    if card.task not in TASKS:
        raise ValueError(f"task {card.task!r} is not one of {TASKS}")
    check_sha256(card.sha256, "artifact sha256")
    if card.input_profile_sha256:
        check_sha256(card.input_profile_sha256, "input profile sha256")
    if not card.features:
        raise ValueError("the card lists no features")
    for feature in card.features:
        check_identifier(feature.name, "feature name")
        if (feature.sql_type, feature.onnx_type) not in FEATURE_TYPES:
            raise ValueError(f"feature {feature.name}: types {feature.sql_type}/{feature.onnx_type}")
    names = card.feature_names
    if len(set(names)) != len(names):
        raise ValueError(f"feature names repeat: {names}")
    for output in card.outputs:
        check_identifier(output.name, "output name")
    for label in card.classes:
        if not isinstance(label, str | int | float | bool):
            raise ValueError(f"class label {label!r} is not a string or number")
    edges = card.score_reference.get("decile_edges") or []
    if not all(isinstance(e, int | float) and math.isfinite(e) for e in edges):
        raise ValueError("score_reference.decile_edges must be finite numbers")


def profile_bytes(profile: dict[str, Any]) -> bytes:
    """The input profile as written to disk (its sha256 is recorded in the card)."""
    return (json.dumps(profile, indent=1, sort_keys=True, allow_nan=False) + "\n").encode()


def parse_profile(data: Any, card: ModelCard, where: str) -> dict[str, Any]:
    """Check an input profile against its card; raise naming the fault. Its names reach SQL."""
    try:
        if not isinstance(data, dict) or not isinstance(data.get("features"), dict):
            raise ValueError("not an object with a features object")
        kinds = {f.name: ("number" if f.sql_type == "DOUBLE" else "category") for f in card.features}
        for name, feature in data["features"].items():
            if kinds.get(name) != feature.get("kind"):
                raise ValueError(f"feature {name!r} is not a {feature.get('kind')} input of the model")
            numbers = [feature.get("null_rate")]
            if feature["kind"] == "number":
                numbers += [v for v in (feature.get("min"), feature.get("max")) if v is not None]
                numbers += list(feature.get("decile_edges", [])) + list(feature.get("bin_shares", []))
            else:
                if not all(isinstance(c, str) for c in feature["categories"]):
                    raise ValueError(f"feature {name!r}: categories must be strings")
                numbers += list(feature["categories"].values())
            if not all(isinstance(v, int | float) and math.isfinite(v) for v in numbers):
                raise ValueError(f"feature {name!r}: every figure must be a finite number")
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise IntegrityError(f"input profile {where} of {card.ref} is malformed: {exc}") from exc
    return data
