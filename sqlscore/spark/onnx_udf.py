"""The onnx engine on Spark: an Arrow-batched Python UDF around onnxruntime, on every executor.

The model travels as ONNX bytes, never pickled: the driver ships the artifact with the job
(``SparkContext.addFile``), and each executor's Python worker reads its copy, hashes it and
compares the digest with the card's sha256 before the first row is scored: a file altered on
an executor fails the task naming model and version, and Spark's retries fail the same way, so
the query fails and nothing is published. One onnxruntime session per Python worker and model
version (keyed by sha256), fed the same Arrow columns, by the same :class:`OnnxScorer`, as
DuckDB's onnx functions: the same numbers.
"""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator, Tuple  # noqa: UP035 (pyspark reads these hints)

import pyarrow as pa

from sqlscore.errors import FunctionError
from sqlscore.registry import ModelCard

if TYPE_CHECKING:
    import onnxruntime as ort

_SESSIONS: dict[str, ort.InferenceSession] = {}
_LOCK = threading.Lock()


def shipped_name(card: ModelCard) -> str:
    """The artifact's file name in the job: distinct per version and content."""
    return f"{card.name}-{card.version}-{card.sha256[:16]}.onnx"


def verified_session(card: ModelCard, path: Path) -> ort.InferenceSession:
    """This worker's session for the version, once ``path``'s sha256 matched the card's.

    The file is hashed at the start of every task, not only when the session is created: a
    Python worker lives on between tasks, and a file altered since its last task must stop the
    next one. Hashing a model file costs milliseconds; the session is kept per sha256.
    """
    artifact = path.read_bytes()
    digest = hashlib.sha256(artifact).hexdigest()
    if digest != card.sha256:
        raise FunctionError(
            f"model {card.ref}: the ONNX file this executor received ({path.name}) has sha256 "
            f"{digest}, its card says {card.sha256}; refusing to score with it (altered or "
            "corrupted on this node)"
        )
    with _LOCK:
        session = _SESSIONS.get(card.sha256)
        if session is None:
            import onnxruntime as ort

            from sqlscore.functions.onnx_engine import session_options

            session = ort.InferenceSession(
                artifact, sess_options=session_options(), providers=["CPUExecutionProvider"]
            )
            _SESSIONS[card.sha256] = session
        return session


def score_batches(
    function: str, card: ModelCard, output: str, batches: Iterator[tuple[pa.Array, ...]]
) -> Iterator[pa.Array]:
    """What runs on an executor: verify the shipped artifact once, then score each Arrow batch
    as it comes (the feature columns as Arrow arrays, straight to the scorer)."""
    from pyspark import SparkFiles

    from sqlscore.functions.onnx_engine import OnnxScorer

    scorer = OnnxScorer(
        function, card, verified_session(card, Path(SparkFiles.get(shipped_name(card)))), output
    )
    for columns in batches:
        yield scorer(*columns)


def onnx_udf(function: str, card: ModelCard, output: str) -> Any:
    """The Arrow UDF (iterator of batches) to register under ``function``.

    An Arrow UDF (``arrow_udf``, pyspark 4.1) rather than a pandas one: the Arrow batches reach
    the scorer as they arrive, as DuckDB hands them to the same scorer, with no conversion to
    pandas and back for every feature column of every batch.
    """
    from pyspark.sql.functions import arrow_udf

    # pyspark picks the iterator flavour from these hints (typing's, resolved at registration)
    def score(batches: Iterator[Tuple[pa.Array, ...]]) -> Iterator[pa.Array]:  # noqa: UP006
        return score_batches(function, card, output, batches)

    return arrow_udf(score, "double")  # type: ignore[call-overload]
