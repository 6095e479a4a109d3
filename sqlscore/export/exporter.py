"""``export_model``: a fitted scikit-learn estimator in, a verified registry version out.

Everything that can refuse the model (unsupported estimator, conversion
failure, parity failure, an existing version) happens before the registry is
touched, and the registry write itself is atomic.
"""

from __future__ import annotations

import datetime as dt
import os
from importlib.metadata import version as package_version
from typing import Any

import numpy as np
import onnxruntime as ort
import polars as pl
from sklearn.base import is_classifier

from sqlscore.errors import ExportError, ParityError, UnsupportedEstimatorError
from sqlscore.export.frames import (
    fingerprint,
    infer_features,
    model_inputs,
    sklearn_frame,
    to_polars,
)
from sqlscore.export.graph_fixes import (
    rewrite_double_imputers,
    with_float32_cast,
    with_named_inputs,
)
from sqlscore.export.parity import Parity, check_parity
from sqlscore.export.profile import input_profile
from sqlscore.export.reference import holdout_metrics, score_reference
from sqlscore.export.refusals import refuse_unsupported
from sqlscore.names import check_alias, check_identifier, check_model_name, check_version
from sqlscore.registry.card import BINARY, MULTICLASS, REGRESSION, Feature, ModelCard, Output
from sqlscore.registry.graph_check import value_type
from sqlscore.registry.store import Registry, sha256_bytes

#: Pinned opsets: the main domain and the ONNX-ML domain (trees, encoders, linear models).
TARGET_OPSET = {"": 18, "ai.onnx.ml": 3}


def export_model(
    estimator: Any,
    sample: Any,
    name: str,
    *,
    registry: str | os.PathLike[str] | Registry | None = None,
    version: str | int | None = None,
    target: Any = None,
    training_data: Any = None,
    metrics: dict[str, float] | None = None,
    description: str = "",
    alias: str | None = None,
) -> ModelCard:
    """Export a fitted estimator to ONNX, check parity on ``sample`` and register it.

    ``sample`` is a held-out pandas or polars frame with the training columns;
    ``target`` its labels (for hold-out metrics); ``training_data`` the frame the
    model was fitted on (only its fingerprint is kept). Returns the new card.
    """
    _check_names(name, alias, version)  # before anything is converted or written
    store = registry if isinstance(registry, Registry) else Registry(registry)
    refuse_unsupported(estimator, name)
    frame = to_polars(sample, "sample")
    if frame.height == 0:
        raise ExportError(f"model {name}: the parity sample is empty")
    features = _features(estimator, frame, name)
    classifier = is_classifier(estimator)
    classes = [c.item() if hasattr(c, "item") else c for c in getattr(estimator, "classes_", [])]
    task = _task(classifier, classes)
    artifact, parity, outputs = _convert_and_check(estimator, frame, features, name, classifier)
    scores = outputs[:, 1] if task == BINARY else (outputs.max(axis=1) if classifier else outputs)
    card_metrics = dict(metrics or {})
    if target is not None:
        card_metrics |= holdout_metrics(np.asarray(target), outputs, outputs if classifier else None, classes)
    training = to_polars(training_data, "training_data") if training_data is not None else None
    card = ModelCard(
        name=name,
        version=check_version(version) if version is not None else store.next_version(name),
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        task=task,
        features=tuple(features),
        outputs=tuple(_graph_outputs(artifact)),
        sha256=sha256_bytes(artifact),
        classes=tuple(classes),
        estimator=_describe(estimator),
        description=description,
        training_metrics=card_metrics,
        training_data=fingerprint(training) if training is not None else {},
        parity=parity.as_dict(),
        score_reference=score_reference(np.asarray(scores, dtype=np.float64)),
        versions=_library_versions(),
    )
    if training is not None and set(card.feature_names) <= set(training.columns):
        profile = input_profile(training, features, "training_data")
    else:
        profile = input_profile(frame, features, "sample")
    card = store.write_version(card, artifact, profile)
    if alias is not None:
        store.promote(name, card.version, alias)
    return card


def _check_names(name: str, alias: str | None, version: str | int | None) -> None:
    check_model_name(name)
    if alias is not None:
        check_alias(alias)
    if version is not None:
        check_version(version)


def _features(estimator: Any, frame: pl.DataFrame, name: str) -> list[Feature]:
    """The model's inputs in training order, their names checked before any work (they become SQL)."""
    columns = list(getattr(estimator, "feature_names_in_", frame.columns))
    features = infer_features(frame, columns, name)
    for feature in features:
        check_identifier(feature.name, f"feature name of model {name}")
    return features


def _convert_and_check(
    estimator: Any, frame: pl.DataFrame, features: list[Feature], name: str, classifier: bool
) -> tuple[bytes, Parity, np.ndarray]:
    """The ONNX bytes, once onnxruntime agrees with scikit-learn on the sample (else nothing is kept)."""
    convertible = with_named_inputs(estimator, sklearn_frame(frame, features))
    artifact = _convert(convertible, features, name, classifier)
    session = _session(artifact, name, estimator)
    feeds = model_inputs(frame, features)
    parity, outputs = check_parity(estimator, session, sklearn_frame(frame, features), feeds, classifier)
    if not parity.ok:
        raise ParityError(
            f"model {name}: onnxruntime disagrees with scikit-learn on {parity.rows} held-out rows: "
            f"{'; '.join(parity.failures())} (max abs difference {parity.max_abs_diff:.3g}, tolerance "
            f"{parity.tolerance:.1g}, label agreement {parity.label_agreement}); the model was not registered"
        )
    return artifact, parity, outputs


def _library_versions() -> dict[str, Any]:
    """The versions that produced the artifact: a card must say how to reproduce its model."""
    return {
        "scikit-learn": package_version("scikit-learn"),
        "skl2onnx": package_version("skl2onnx"),
        "onnx": package_version("onnx"),
        "onnxruntime": package_version("onnxruntime"),
        "opset": dict(TARGET_OPSET),
    }


def _task(classifier: bool, classes: list[Any]) -> str:
    if not classifier:
        return REGRESSION
    return BINARY if len(classes) == 2 else MULTICLASS


def _describe(estimator: Any) -> str:
    if hasattr(estimator, "steps"):
        return " -> ".join(type(step).__name__ for _, step in estimator.steps)
    return type(estimator).__name__


#: What to do instead of imputing strings inside the pipeline (skl2onnx imputes numbers only).
STRING_IMPUTER_ADVICE = (
    "model {name}: a SimpleImputer on string columns cannot be exported (skl2onnx's imputer "
    "handles numbers only); nothing was written. Fill missing categories before the pipeline "
    "instead: in the training frame replace NULL strings with '' (the empty string), and drop "
    "the string imputer, so that OneHotEncoder(handle_unknown='ignore') learns '' as the "
    "'missing' category. sqlscore hands a NULL string to the model as '', so scoring matches "
    "training (README: Models, export and registry)"
)


def _convert(estimator: Any, features: list[Any], name: str, classifier: bool) -> bytes:
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import DoubleTensorType, StringTensorType

    initial_types = [
        (f.name, DoubleTensorType([None, 1]) if f.sql_type == "DOUBLE" else StringTensorType([None, 1]))
        for f in features
    ]
    convertible = with_float32_cast(estimator)
    final = convertible.steps[-1][1] if hasattr(convertible, "steps") else convertible
    options = {id(final): {"zipmap": False}} if classifier else None
    try:
        model = to_onnx(convertible, initial_types=initial_types, options=options, target_opset=TARGET_OPSET)
    except Exception as exc:  # skl2onnx raises many types; all mean "cannot convert"
        if "missing values are string" in str(exc):
            raise UnsupportedEstimatorError(STRING_IMPUTER_ADVICE.format(name=name)) from exc
        raise UnsupportedEstimatorError(
            f"model {name}: skl2onnx cannot convert {_describe(estimator)}: {exc}; nothing was written"
        ) from exc
    model = rewrite_double_imputers(model)
    model.doc_string = f"sqlscore model {name}"
    return bytes(model.SerializeToString())


def _session(artifact: bytes, name: str, estimator: Any) -> ort.InferenceSession:
    try:
        return ort.InferenceSession(artifact, providers=["CPUExecutionProvider"])
    except Exception as exc:
        raise UnsupportedEstimatorError(
            f"model {name}: onnxruntime cannot run the converted {_describe(estimator)}: {exc}; "
            "nothing was written"
        ) from exc


def _graph_outputs(artifact: bytes) -> list[Output]:
    import onnx

    model = onnx.load_from_string(artifact)
    return [Output(o.name, value_type(o)) for o in model.graph.output]
