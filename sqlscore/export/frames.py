"""Turning a pandas or polars sample into model inputs, the way the warehouse will.

The conventions fixed here are the ones the SQL functions follow too:
numeric columns become float64 with NULL as NaN (the pipeline's imputer sees
them), string columns stay strings with NULL as the empty string (an unseen
category unless the model was trained with empty strings).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd
import polars as pl

from sqlscore.errors import ExportError
from sqlscore.registry.card import Feature

NULL_CATEGORY = ""


def to_polars(frame: Any, what: str) -> pl.DataFrame:
    if isinstance(frame, pl.DataFrame):
        return frame
    if isinstance(frame, pd.DataFrame):
        return pl.from_pandas(frame)
    raise ExportError(f"{what} must be a pandas or polars DataFrame, got {type(frame).__name__}")


def infer_features(frame: pl.DataFrame, columns: list[str], model: str) -> list[Feature]:
    """SQL and ONNX types of each feature column, in model input order."""
    features = []
    for column in columns:
        if column not in frame.columns:
            raise ExportError(f"model {model}: sample has no column {column!r} the estimator was fitted on")
        dtype = frame.schema[column]
        if dtype.is_numeric() or dtype == pl.Boolean:
            features.append(Feature(column, "DOUBLE", "tensor(double)"))
        elif dtype in (pl.String, pl.Categorical, pl.Enum):
            features.append(Feature(column, "VARCHAR", "tensor(string)"))
        else:
            raise ExportError(
                f"model {model}: column {column!r} has type {dtype}; features must be numeric, "
                "boolean or string (derive numbers from dates in SQL first)"
            )
    return features


def model_inputs(frame: pl.DataFrame, features: list[Feature]) -> dict[str, np.ndarray]:
    """One (n, 1) array per feature, as onnxruntime expects them."""
    feeds: dict[str, np.ndarray] = {}
    for feature in features:
        column = frame.get_column(feature.name)
        if feature.sql_type == "DOUBLE":
            values = column.cast(pl.Float64).fill_null(np.nan).to_numpy()
            feeds[feature.name] = np.ascontiguousarray(values, dtype=np.float64).reshape(-1, 1)
        else:
            values = column.cast(pl.String).fill_null(NULL_CATEGORY).to_numpy()
            feeds[feature.name] = values.astype(object).reshape(-1, 1)
    return feeds


def sklearn_frame(frame: pl.DataFrame, features: list[Feature]) -> pd.DataFrame:
    """The same values as :func:`model_inputs`, as the pandas frame sklearn expects."""
    feeds = model_inputs(frame, features)
    return pd.DataFrame({name: array[:, 0] for name, array in feeds.items()})


def fingerprint(frame: pl.DataFrame) -> dict[str, Any]:
    """Rows, columns and a sha256 of the data, to tell later which data trained a model."""
    digest = hashlib.sha256()
    digest.update(",".join(f"{c}:{t}" for c, t in frame.schema.items()).encode())
    for batch in frame.to_arrow().to_batches(max_chunksize=65536):
        for column in batch.columns:
            for buffer in column.buffers():
                if buffer is not None:
                    digest.update(memoryview(buffer))
    return {"rows": frame.height, "columns": frame.columns, "sha256": digest.hexdigest()}
