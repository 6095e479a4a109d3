"""The onnxruntime engine: one InferenceSession per model version, fed Arrow chunks.

DuckDB calls a Python scalar function once per vector (at most 2048 rows)
while holding the GIL. Everything that can happen once happens at
registration: the session (intra-op threads = 1, since parallelism comes from
DuckDB's own threads, and onnxruntime releases the GIL while it runs), the
input names and the per-column converters. Per chunk, numeric columns reach
numpy without a copy when they have no NULLs (NULL becomes NaN otherwise), and
strings get NULL replaced by the empty string (an unknown category).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import onnxruntime as ort
import pyarrow as pa

from sqlscore.errors import FunctionError
from sqlscore.functions.artifact_check import checked_artifact
from sqlscore.registry import ModelCard, Registry
from sqlscore.registry.card import REGRESSION

_SESSIONS: dict[tuple[str, str], ort.InferenceSession] = {}
_SESSIONS_LOCK = threading.Lock()


def session_options(intra_op_threads: int = 1) -> ort.SessionOptions:
    options = ort.SessionOptions()
    options.intra_op_num_threads = intra_op_threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return options


def get_session(registry: Registry, card: ModelCard) -> ort.InferenceSession:
    """The process-wide session for a model version, created on first use.

    The artifact is re-read, re-hashed and compared with its card on every call
    (every registration), so a file changed after the session was created is still
    refused; only the session itself is reused.

    Keyed by sha256 as well as name and version, so a registry that was
    rewritten (which ``verify`` would flag) can never reuse a stale session.
    """
    key = (card.ref, card.sha256)
    artifact = checked_artifact(registry, card)
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(key)
        if session is None:
            session = ort.InferenceSession(
                artifact, sess_options=session_options(), providers=["CPUExecutionProvider"]
            )
            _SESSIONS[key] = session
        return session


def _as_array(column: pa.Array | pa.ChunkedArray) -> pa.Array:
    """DuckDB hands over one-chunk ChunkedArrays; take the chunk rather than copy it."""
    if isinstance(column, pa.ChunkedArray):
        return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return column


def _numeric(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    array = _as_array(column)
    if array.type != pa.float64():
        array = array.cast(pa.float64())
    # float arrays convert NULL to NaN; without NULLs this is zero-copy
    return array.to_numpy(zero_copy_only=False).reshape(-1, 1)


def _string(column: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """The column as the numpy object array onnxruntime takes for a string input.

    Through a dictionary: one Python string per distinct value, repeated by index, instead of one
    per row. A categorical feature has a handful of values, and making a Python string is GIL-bound
    work that no other batch can overlap. The benchmark's 2M risk rows (two string features):
    0.25-0.62 s to convert straight, 0.07-0.12 s this way; its relation path 1.31 -> 1.18 s
    (medians of 5, loaded machine). A column of all-distinct strings pays the encoding on top
    (about 3x its straight conversion); a categorical feature is not one.
    """
    array = _as_array(column)
    if array.null_count:
        import pyarrow.compute as pc  # here, not at import: it costs a tenth of a second per process

        array = pc.fill_null(array, "")
    encoded = array if pa.types.is_dictionary(array.type) else array.dictionary_encode()
    values = encoded.dictionary.to_numpy(zero_copy_only=False)
    return np.take(values, encoded.indices.to_numpy(zero_copy_only=False)).reshape(-1, 1)


@dataclass
class OnnxScorer:
    """A callable DuckDB passes Arrow columns to; returns one Arrow column."""

    function: str
    card: ModelCard
    session: ort.InferenceSession
    output: str

    def __post_init__(self) -> None:
        self._names = self.card.feature_names
        self._converters: list[Callable[[Any], np.ndarray]] = [
            _numeric if f.sql_type == "DOUBLE" else _string for f in self.card.features
        ]
        outputs = [o.name for o in self.card.outputs]
        self._pick: Callable[[np.ndarray], pa.Array]
        if self.card.task == REGRESSION:
            self._fetch, self._pick = [outputs[0]], self._regression
        elif self.output == "score":
            self._fetch, self._pick = [outputs[1]], self._positive_class
        elif self.output == "label":
            self._fetch, self._pick = [outputs[0]], self._label
        else:
            self._fetch, self._pick = [outputs[1]], self._probabilities

    def arrow_type(self) -> pa.DataType:
        """The Arrow type of what :meth:`__call__` returns (the relation path's score column)."""
        if self._pick == self._label:
            return pa.string() if all(isinstance(c, str) for c in self.card.classes) else pa.int64()
        if self._pick == self._probabilities:
            return pa.list_(pa.float64())
        return pa.float64()

    def __call__(self, *columns: pa.Array) -> pa.Array:
        feature = None  # the feature being converted, named in the error when its values are at fault
        try:
            feeds = {}
            for feature, convert, column in zip(self._names, self._converters, columns, strict=True):
                feeds[feature] = convert(column)
            feature = None
            result = self.session.run(self._fetch, feeds)[0]
            return self._pick(result)
        except Exception as exc:  # surfaces in DuckDB as the query's error, never as NULLs
            at = f", feature {feature}" if feature is not None else ""
            raise FunctionError(
                f"{self.function} ({self.card.ref}{at}) failed on a chunk of "
                f"{len(columns[0]) if columns else 0} rows: {type(exc).__name__}: {exc}"
            ) from exc

    @staticmethod
    def _regression(values: np.ndarray) -> pa.Array:
        return pa.array(np.asarray(values, dtype=np.float64).ravel())

    @staticmethod
    def _positive_class(proba: np.ndarray) -> pa.Array:
        return pa.array(np.asarray(proba[:, 1], dtype=np.float64))

    def _label(self, labels: np.ndarray) -> pa.Array:
        return pa.array(np.asarray(labels).ravel())

    @staticmethod
    def _probabilities(proba: np.ndarray) -> pa.Array:
        values = np.ascontiguousarray(proba, dtype=np.float64)
        return pa.FixedSizeListArray.from_arrays(pa.array(values.ravel()), values.shape[1]).cast(
            pa.list_(pa.float64())
        )
