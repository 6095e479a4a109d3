"""Rows of JSON straight into onnxruntime's feed, for the requests that need no refusal.

The reference path turns the rows into one Arrow column per feature (:func:`.rows.feature_columns`)
and hands them to the SQL functions' :class:`~sqlscore.functions.onnx_engine.OnnxScorer`, which
converts them to numpy: on a one-row request that cost twice onnxruntime's own run (measured in a
worker: ~85 us of columns and conversions around ~30 us of onnxruntime). Here a request whose
values are all plainly right goes from the JSON lists to numpy in one call for the numbers and one
per string feature, into the same onnxruntime session, and gives the same doubles: a JSON null is
NaN for a number and ``""`` for a string, what the Arrow path makes of it; a whole number is the
double ``float()`` makes of it (only below 2**53, where that is exact, as Arrow requires).

Anything else (a row that is not an object, a missing or extra feature, a wrong type, an infinity,
a whole number from 2**53 up) returns None, and the caller takes the reference path, whose checks
refuse the row naming the function, row and feature at fault. So the refusals, and the numbers of
whatever is not plain, stay the reference path's by construction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from itertools import chain
from operator import itemgetter
from typing import Any, cast

import numpy as np
import onnxruntime as ort

from sqlscore.errors import FunctionError
from sqlscore.registry import ModelCard
from sqlscore.registry.card import MULTICLASS, REGRESSION

_NONE = type(None)
#: type(), not isinstance: a boolean is refused (by the reference path), never read as 0 or 1
_PLAIN_NUMBERS = frozenset({float, int, _NONE})
_PLAIN_STRINGS = frozenset({str, _NONE})
#: whole numbers whose double is exact; beyond, the reference path decides (as Arrow refuses them)
_EXACT = 2**53
#: up to this many rows, infinities are looked for in the lists (no numpy call); beyond, in the
#: matrix (scanning 1,000 rows' lists for them took a third of building the matrix)
_FEW = 16


@dataclass(frozen=True)
class RowFeed:
    """A card's features split once into numbers and strings, in card order."""

    numbers: tuple[str, ...]
    strings: tuple[str, ...]
    # one C-level getter per feature: map(itemgetter) read 1,000 rows' values ~2x faster than a
    # comprehension per feature
    _getters: tuple[tuple[itemgetter[Any], ...], tuple[itemgetter[Any], ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        getters = (tuple(map(itemgetter, self.numbers)), tuple(map(itemgetter, self.strings)))
        object.__setattr__(self, "_getters", getters)

    @classmethod
    def of(cls, card: ModelCard) -> RowFeed:
        return cls(
            tuple(f.name for f in card.features if f.sql_type == "DOUBLE"),
            tuple(f.name for f in card.features if f.sql_type != "DOUBLE"),
        )

    def feeds(self, rows: list[Any]) -> dict[str, np.ndarray] | None:
        """onnxruntime's input arrays ((rows, 1) each), or None when a value needs the reference path."""
        columns = self._columns(rows)
        if columns is None:
            return None
        numbers, strings = columns
        feeds: dict[str, np.ndarray] = {}
        if numbers:
            matrix = _numbers(numbers)
            if matrix is None:
                return None
            feeds.update(zip(self.numbers, matrix[:, :, None], strict=True))  # (rows, 1) views, contiguous
        if strings:
            kinds = set(map(type, chain.from_iterable(strings)))
            if not kinds <= _PLAIN_STRINGS:
                return None
            if _NONE in kinds:
                strings = [["" if v is None else v for v in column] for column in strings]
            feeds.update(zip(self.strings, np.array(strings, dtype=object)[:, :, None], strict=True))
        return feeds

    def _columns(self, rows: list[Any]) -> tuple[list[list[Any]], list[list[Any]]] | None:
        """The values feature by feature, or None unless every row is an object of exactly the
        card's features (as many keys as features, each feature found: no more, no fewer)."""
        try:
            if set(map(len, rows)) != {len(self.numbers) + len(self.strings)}:
                return None
            if len(rows) == 1:  # the usual request: one comprehension, not one per feature
                row = rows[0]
                return [[row[name]] for name in self.numbers], [[row[name]] for name in self.strings]
            numbers, strings = self._getters
            return [list(map(g, rows)) for g in numbers], [list(map(g, rows)) for g in strings]
        except (KeyError, TypeError):  # a missing feature; a row that is not an object
            return None


def _numbers(columns: list[list[Any]]) -> np.ndarray | None:
    """The numeric features as one (features, rows) float64 matrix, None (NULL) as NaN."""
    kinds = set(map(type, chain.from_iterable(columns)))
    if not kinds <= _PLAIN_NUMBERS:
        return None
    if int in kinds and any(
        type(v) is int and not -_EXACT < v < _EXACT for v in chain.from_iterable(columns)
    ):
        return None
    if float in kinds and len(columns[0]) <= _FEW and any(math.inf in c or -math.inf in c for c in columns):
        return None
    matrix = np.array(columns, dtype=np.float64)
    if float in kinds and len(columns[0]) > _FEW and np.isinf(matrix).any():
        return None
    return matrix


@dataclass(frozen=True)
class FastScorer:
    """One score per row (binary classifier or regressor) from JSON rows, on the shared session.

    The output picked is the one :class:`OnnxScorer` picks for ``score``: the positive class's
    column of the probabilities, or the regression value, as float64.
    """

    function: str
    card: ModelCard
    session: ort.InferenceSession
    feed: RowFeed
    output: str
    positive_class: bool

    @classmethod
    def of(cls, function: str, card: ModelCard, session: ort.InferenceSession) -> FastScorer | None:
        """None for multiclass functions: they answer label and probabilities the reference way."""
        if card.task == MULTICLASS:
            return None
        outputs = [o.name for o in card.outputs]
        regression = card.task == REGRESSION
        return cls(function, card, session, RowFeed.of(card), outputs[0 if regression else 1], not regression)

    def values(self, rows: list[Any]) -> list[float | None] | None:
        """The rows' scores (non-finite ones as None, JSON has no NaN), or None: not plain rows."""
        feeds = self.feed.feeds(rows)
        if feeds is None:
            return None
        try:
            result = self.session.run([self.output], feeds)[0]
        except Exception as exc:  # as the SQL function says it: never a silent NULL
            raise FunctionError(
                f"{self.function} ({self.card.ref}) failed on {len(rows)} rows: {type(exc).__name__}: {exc}"
            ) from exc
        # tolist gives Python floats: a float32 output widened exactly, as float64 conversion does
        values: list[float] = (result[:, 1] if self.positive_class else result.ravel()).tolist()
        if all(map(math.isfinite, values)):
            return cast("list[float | None]", values)  # no None among them; list is invariant
        return [v if math.isfinite(v) else None for v in values]
