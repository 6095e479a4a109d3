"""Register an ONNX model converted elsewhere (``sqlscore models import``).

For teams whose training runs in another process or on another machine: they convert there
(skl2onnx, ZipMap off, one ``double`` or ``string`` input of shape ``[N, 1]`` per column, as
``export_model`` writes) and bring the ``.onnx`` file with a sample of rows holding the
features and the predictions the model made where it was trained. The import checks the
artifact against those predictions with the same tolerances as ``export_model`` and writes
nothing unless they hold.

Sample columns: every graph input, plus ``expected_value`` (regressor) or ``expected_label``
and ``expected_probabilities`` (classifier: a list per row, in the graph's class order).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnx.numpy_helper
import onnxruntime as ort
import polars as pl

from sqlscore.errors import ExportError, ParityError
from sqlscore.export.frames import model_inputs
from sqlscore.export.parity import Parity, compare_classifier, compare_regressor
from sqlscore.export.profile import input_profile
from sqlscore.export.reference import score_reference
from sqlscore.names import check_alias, check_identifier, check_model_name
from sqlscore.registry.card import BINARY, MULTICLASS, REGRESSION, Feature, ModelCard, Output
from sqlscore.registry.graph_check import value_type
from sqlscore.registry.store import Registry, sha256_bytes

_INPUT_TYPES = {onnx.TensorProto.DOUBLE: "DOUBLE", onnx.TensorProto.STRING: "VARCHAR"}
_CLASS_ATTRIBUTES = ("classlabels_int64s", "classlabels_ints", "classlabels_strings")


def import_model(
    artifact: bytes,
    sample: pl.DataFrame,
    name: str,
    *,
    registry: str | os.PathLike[str] | Registry | None = None,
    alias: str | None = None,
    description: str = "",
) -> ModelCard:
    """Check ``artifact`` against the predictions in ``sample``, then register it; returns the card."""
    check_model_name(name)
    if alias is not None:
        check_alias(alias)
    store = registry if isinstance(registry, Registry) else Registry(registry)
    model, session = _load(artifact, name)
    features = _features(model, name)
    outputs = [Output(o.name, value_type(o)) for o in model.graph.output]
    classes = _classes(model)
    classifier = len(outputs) == 2
    _check_importable(name, outputs, classes, classifier, features, sample)
    result = session.run(None, model_inputs(sample, features))
    parity, scores = _parity(result, sample, classifier, name)
    if not parity.ok:
        raise ParityError(
            f"model {name}: onnxruntime disagrees with the predictions in the sample on {parity.rows} rows: "
            f"{'; '.join(parity.failures())}; the model was not registered"
        )
    task = REGRESSION if not classifier else (BINARY if len(classes) == 2 else MULTICLASS)
    card = ModelCard(
        name=name,
        version=store.next_version(name),
        created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        task=task,
        features=tuple(features),
        outputs=tuple(outputs),
        sha256=sha256_bytes(artifact),
        classes=tuple(classes),
        estimator=f"imported ONNX ({model.producer_name} {model.producer_version})".replace(" )", ")"),
        description=description,
        parity=parity.as_dict(),
        score_reference=score_reference(scores),
        versions={
            "onnxruntime": ort.__version__,
            "onnx": onnx.__version__,
            "opset": {op.domain: op.version for op in model.opset_import},
        },
    )
    card = store.write_version(card, artifact, input_profile(sample, features, "sample"))
    if alias is not None:
        store.promote(name, card.version, alias)
    return card


def _load(artifact: bytes, name: str) -> tuple[onnx.ModelProto, ort.InferenceSession]:
    try:
        return onnx.load_from_string(artifact), ort.InferenceSession(
            artifact, providers=["CPUExecutionProvider"]
        )
    except Exception as exc:
        raise ExportError(f"model {name}: the file is not an ONNX model onnxruntime can run: {exc}") from exc


def _check_importable(
    name: str,
    outputs: list[Output],
    classes: list[Any],
    classifier: bool,
    features: list[Feature],
    sample: pl.DataFrame,
) -> None:
    """Refuse, before anything runs, a graph sqlscore cannot call or a sample it cannot check."""
    not_tensors = [o.name for o in outputs if not o.onnx_type.startswith("tensor(")]
    if not_tensors:
        raise ExportError(
            f"model {name}: output {not_tensors[0]} is not a tensor; convert with ZipMap off "
            "(skl2onnx: options={id(model): {'zipmap': False}})"
        )
    if classifier and not classes:
        raise ExportError(f"model {name}: a classifier whose graph names no class labels")
    missing = [f.name for f in features if f.name not in sample.columns]
    if missing:
        raise ExportError(f"model {name}: the sample has no column {', '.join(missing)}")
    if sample.height == 0:
        raise ExportError(f"model {name}: the sample is empty")


def read_sample(path: Path) -> pl.DataFrame:
    """The sample file (Parquet), with a clear error when it cannot be read."""
    try:
        return pl.read_parquet(path)
    except Exception as exc:
        raise ExportError(f"cannot read the sample {path} as Parquet: {exc}") from exc


def _features(model: onnx.ModelProto, name: str) -> list[Feature]:
    features = []
    for graph_input in model.graph.input:
        check_identifier(graph_input.name, f"input name of model {name}")
        tensor = graph_input.type.tensor_type
        sql_type = _INPUT_TYPES.get(tensor.elem_type)
        width = [d.dim_value for d in tensor.shape.dim][1:] if tensor.HasField("shape") else []
        if sql_type is None or width not in ([1], []):
            raise ExportError(
                f"model {name}: input {graph_input.name} must be a double or string tensor of shape [N, 1] "
                "(one input per column, as export_model converts)"
            )
        onnx_type = "tensor(double)" if sql_type == "DOUBLE" else "tensor(string)"
        features.append(Feature(graph_input.name, sql_type, onnx_type))
    return features


def _classes(model: onnx.ModelProto) -> list[Any]:
    """The class labels: an ML op's ``classlabels_*`` attribute (trees, ``LinearClassifier``), or
    the ``classes`` constant skl2onnx gathers labels from (logistic regression in opset 18)."""
    for node in model.graph.node:
        for attribute in node.attribute:
            if attribute.name in _CLASS_ATTRIBUTES:
                values = onnx.helper.get_attribute_value(attribute)
                return [v.decode() if isinstance(v, bytes) else int(v) for v in values]
    for initializer in model.graph.initializer:
        if initializer.name == "classes":
            values = onnx.numpy_helper.to_array(initializer).ravel().tolist()
            return [v.decode() if isinstance(v, bytes) else v for v in values]
    return []


def _parity(
    result: list[Any], sample: pl.DataFrame, classifier: bool, name: str
) -> tuple[Parity, np.ndarray]:
    needed = ["expected_label", "expected_probabilities"] if classifier else ["expected_value"]
    absent = [c for c in needed if c not in sample.columns]
    if absent:
        raise ExportError(
            f"model {name}: the sample has no column {', '.join(absent)} (what the model predicted)"
        )
    if not classifier:
        values = np.asarray(result[0], dtype=np.float64).ravel()
        return compare_regressor(values, sample.get_column("expected_value").to_numpy()), values
    proba = np.asarray(result[1], dtype=np.float64)
    expected = np.array(sample.get_column("expected_probabilities").to_list(), dtype=np.float64)
    if expected.shape != proba.shape:
        raise ExportError(
            f"model {name}: expected_probabilities has {expected.shape[-1]} values per row, the model "
            f"{proba.shape[-1]} classes"
        )
    parity = compare_classifier(result[0], proba, sample.get_column("expected_label").to_numpy(), expected)
    return parity, proba[:, 1] if proba.shape[1] == 2 else proba.max(axis=1)
