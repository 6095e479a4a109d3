"""The functions the service scores with, loaded once, and the holder a reload swaps.

A served function is a declaration of ``udfs/functions.yml`` (or a model's default
``predict_<name>``), resolved by the same :func:`~sqlscore.functions.load_declarations` and
:meth:`Registry.resolve` as the SQL functions, scored by the same
:class:`~sqlscore.functions.onnx_engine.OnnxScorer` on the same process-wide onnxruntime session
(sha256 and card-versus-graph checked while loading). Reusing the scorer, rather than writing a
second one, is what makes a served score the number ``predict_<name>`` returns in DuckDB.

Every function is scored by onnxruntime, also those declared ``engine: sql``: the SQL engine
exists for clients without Python, and differs from onnxruntime only by its float32 rounding.

:class:`ModelHolder` keeps one immutable :class:`ModelSet`; a request reads ``holder.current``
once and uses that set to the end, so a reload (issue 17, point 2) only has to build a new set
and assign it: one attribute store, atomic under the GIL, no request sees half of two sets.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import pyarrow as pa

from sqlscore.errors import SqlscoreError
from sqlscore.functions.declarations import FunctionDeclaration, load_declarations
from sqlscore.functions.onnx_engine import OnnxScorer, get_session
from sqlscore.functions.registration import signature_of
from sqlscore.registry import ModelCard, Registry
from sqlscore.registry.card import MULTICLASS
from sqlscore.serving.errors import NotFound, NotReady
from sqlscore.serving.feeds import FastScorer
from sqlscore.serving.rows import feature_columns


@dataclass(frozen=True)
class ServedFunction:
    """One function: the declaration, the card of the version it resolved to, its scorers.

    Multiclass functions (``predict_<name>`` giving the label, ``..._proba`` the probabilities)
    answer with both, so they hold a scorer per output; the others one ``score`` scorer.
    """

    declaration: FunctionDeclaration
    card: ModelCard
    scorers: dict[str, OnnxScorer]
    #: JSON rows straight to onnxruntime when plainly right (not multiclass): see :mod:`.feeds`
    fast: FastScorer | None = None

    @property
    def name(self) -> str:
        return self.declaration.name

    @property
    def provenance(self) -> dict[str, str]:
        """What every result says of the model that computed it."""
        return {
            "model_name": self.card.name,
            "model_version": self.card.version,
            "model_sha256": self.card.sha256,
        }

    @cached_property
    def result_head(self) -> bytes:
        """``{"function":...,"results":[``: the start of every answer, encoded once."""
        return f'{{"function":{json.dumps(self.name)},"results":['.encode()

    @cached_property
    def result_tail(self) -> str:
        """``"model_name":...,"model_sha256":...}``: the end of every result, encoded once (a
        1,000-row answer encoded as 1,000 dictionaries took longer than scoring the rows)."""
        return json.dumps(self.provenance, separators=(",", ":"))[1:]

    @property
    def multiclass(self) -> bool:
        return self.card.task == MULTICLASS

    def values(self, columns: list[pa.Array]) -> list[float | None]:
        """The score of each row (not multiclass), non-finite ones as None."""
        return [_finite(v) for v in self.scorers["score"](*columns).to_pylist()]

    def row_values(self, rows: list[Any]) -> list[float | None]:
        """The score of each JSON row (not multiclass): the fast feed when every value is plain,
        else the reference path, whose checks refuse the row and feature at fault."""
        if self.fast is not None:
            values = self.fast.values(rows)
            if values is not None:
                return values
        return self.values(feature_columns(self.name, self.card, rows))

    def score(self, columns: list[pa.Array]) -> list[dict[str, Any]]:
        """One result per row: ``score``, or ``label``, ``probabilities`` and ``score`` (multiclass)."""
        if not self.multiclass:
            return [{"score": v} for v in self.values(columns)]
        labels = self.scorers["label"](*columns).to_pylist()
        probabilities = self.scorers["probabilities"](*columns).to_pylist()
        classes = [str(c) for c in self.card.classes]
        results = []
        for label, row in zip(labels, probabilities, strict=True):
            by_class = {c: _finite(p) for c, p in zip(classes, row, strict=True)}
            results.append({"label": label, "probabilities": by_class, "score": by_class.get(str(label))})
        return results


def _finite(value: float | None) -> float | None:
    """JSON has no NaN: a non-finite score is null (never the case for the demo models)."""
    if value is None or value != value or value in (float("inf"), float("-inf")):
        return None
    return float(value)


@dataclass(frozen=True)
class ModelSet:
    """Every function the service answers for, and why the others could not be loaded."""

    functions: dict[str, ServedFunction] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)

    def get(self, name: str) -> ServedFunction | None:
        return self.functions.get(name)

    def require(self, name: str) -> ServedFunction:
        """The function ``name``; 503 when it is declared but could not be loaded, 404 naming the
        functions served when it is unknown."""
        served = self.functions.get(name)
        if served is not None:
            return served
        if name in self.failed:
            raise NotReady(self.failed[name])
        raise NotFound(f"no function {name!r}; served: {', '.join(sorted(self.functions)) or 'none'}")

    def for_model(self, model: str) -> ServedFunction | None:
        """The default function of a model (``predict_<model>``): what a published table's live
        score calls, the same function dbt's scoring models call."""
        return self.functions.get(f"predict_{model}")


def load_model_set(registry: Registry, udfs: str | os.PathLike[str] | None = None) -> ModelSet:
    """Load every declared function; one that fails is recorded with its reason, the rest serve."""
    functions: dict[str, ServedFunction] = {}
    failed: dict[str, str] = {}
    for declaration in load_declarations(registry, udfs):
        try:
            card = registry.resolve(declaration.model)
            signature_of(card, declaration.output)  # the same refusals as the SQL registration
            session = get_session(registry, card)  # sha256 and card-versus-graph checked here
            outputs = ("label", "probabilities") if card.task == MULTICLASS else ("score",)
            scorers = {output: OnnxScorer(declaration.name, card, session, output) for output in outputs}
        except SqlscoreError as exc:
            failed[declaration.name] = f"function {declaration.name} ({declaration.model}) not served: {exc}"
            continue
        fast = FastScorer.of(declaration.name, card, session)
        functions[declaration.name] = ServedFunction(declaration, card, scorers, fast)
    return ModelSet(functions, failed)


class ModelHolder:
    """The current :class:`ModelSet`; :meth:`swap` replaces it for every later request."""

    def __init__(self, models: ModelSet) -> None:
        self._current = models
        self._swap_lock = threading.Lock()

    @property
    def current(self) -> ModelSet:
        return self._current

    def swap(self, models: ModelSet) -> ModelSet:
        """Serve ``models`` from now on; return the set it replaced (requests in flight finish on it)."""
        with self._swap_lock:
            previous, self._current = self._current, models
        return previous
