"""The model card: everything a consumer needs to trust and call a model version.

The card is written once, beside ``model.onnx``, and never changed: it holds
the feature names and SQL types in the ONNX input order (which is the argument
order of ``predict_<name>``), the sha256 that every load re-checks, and the
figures that justified registering the version.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

CARD_FILE = "model_card.json"
ARTIFACT_FILE = "model.onnx"
CARD_SCHEMA_VERSION = 1

TASKS = ("binary_classification", "multiclass_classification", "regression")


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

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelCard:
        values = dict(data)
        values["features"] = tuple(Feature(**f) for f in data["features"])
        values["outputs"] = tuple(Output(**o) for o in data["outputs"])
        values["classes"] = tuple(data.get("classes", ()))
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known})
