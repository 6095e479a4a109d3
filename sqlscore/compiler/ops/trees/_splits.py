"""Tree split conditions, moved back onto the raw input wherever that is exact.

onnxruntime compares ``float32(preprocess(x))`` with a float32 threshold.
Recomputing imputing, scaling and the float32 rounding at every node would
make the SQL large and slow, and comparing in double precision instead would
flip rows that sit near a threshold. When a tree input is a monotone function
of one double parameter (see :class:`~sqlscore.compiler.values.Origin`), the
set of raw values that go left is an interval, so the split becomes one
comparison of the raw column with a double constant ``T``: the last (or first)
double for which onnxruntime's own arithmetic, repeated in numpy, goes left.
``T`` is found by bisection over the ordered bit patterns of doubles (64
steps, all nodes of a feature at once), so it is exact, not approximated.

Splits on a column derived from one string parameter (one-hot or ordinal
codes) become ``category IN (...)`` over the values the encoder knows. Other
splits compare the per-row expression, cast to float32, with the threshold.
Missing values (NULL or NaN) follow onnxruntime: the preprocessing decides
(an imputer turns them into a number), otherwise ``missing_value_tracks_true``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.types import DOUBLE, FLOAT, STRING
from sqlscore.compiler.values import UNSEEN, Col, Origin

MONOTONE_MODES = ("BRANCH_LEQ", "BRANCH_LT", "BRANCH_GTE", "BRANCH_GT")
_SIGN = np.int64(-0x8000000000000000)


@dataclass(frozen=True)
class Split:
    """One tree node's test: feature column index, mode, float32 threshold, missing-goes-true flag."""

    feature: int
    mode: str
    threshold: float
    missing_true: bool


@dataclass(frozen=True)
class Flipped:
    """A split written as the test for the *false* branch (the CASE swaps its branches).

    Missing values that go to the true branch cost one comparison this way:
    a NULL test is NULL, which CASE treats as false, so NULL lands in the
    true branch without an ``IS NULL`` of its own.
    """

    expression: exp.Expression


#: A compiled split: an SQL condition (maybe flipped), or a constant when every row goes the same way.
Condition = exp.Expression | Flipped | bool


def compile_splits(cols: Sequence[Col], splits: Sequence[Split]) -> list[Condition]:
    result: list[Condition | None] = [None] * len(splits)
    by_feature: dict[int, list[int]] = {}
    for index, split in enumerate(splits):
        by_feature.setdefault(split.feature, []).append(index)
    for feature, indices in by_feature.items():
        col = cols[feature]
        group = [splits[i] for i in indices]
        origin = col.origin
        if origin is not None and origin.kind == DOUBLE and origin.direction is not None:
            monotone = [i for i, s in zip(indices, group, strict=True) if s.mode in MONOTONE_MODES]
            for i, condition in zip(
                monotone, _raw_double_conditions(col, origin, [splits[i] for i in monotone]), strict=True
            ):
                result[i] = condition
        elif origin is not None and origin.kind == STRING:
            for i, condition in zip(indices, _category_conditions(col, origin, group), strict=True):
                result[i] = condition
        for i in indices:
            if result[i] is None:
                result[i] = _expression_condition(col, splits[i])
    return [r for r in result if r is not None]


def _compare(
    values: np.ndarray, modes: np.ndarray, thresholds: np.ndarray, missing_true: np.ndarray
) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        outcome = np.select(
            [
                modes == "BRANCH_LEQ",
                modes == "BRANCH_LT",
                modes == "BRANCH_GTE",
                modes == "BRANCH_GT",
                modes == "BRANCH_EQ",
            ],
            [
                values <= thresholds,
                values < thresholds,
                values >= thresholds,
                values > thresholds,
                values == thresholds,
            ],
            default=values != thresholds,
        )
    return np.asarray(outcome | (missing_true & np.isnan(values.astype(np.float64))), dtype=bool)


def _threshold_array(col: Col, splits: Sequence[Split]) -> np.ndarray:
    kind = np.float32 if col.dtype == FLOAT else np.float64
    return np.array([s.threshold for s in splits], dtype=np.float32).astype(kind)


def _to_key(values: np.ndarray) -> np.ndarray:
    bits = values.astype(np.float64).view(np.int64)
    return np.where(bits >= 0, bits, -(bits & np.int64(0x7FFFFFFFFFFFFFFF)))


def _from_key(keys: np.ndarray) -> np.ndarray:
    bits = np.where(keys >= 0, keys, (-keys) | _SIGN)
    return bits.astype(np.int64).view(np.float64)


def _raw_double_conditions(col: Col, origin: Origin, splits: Sequence[Split]) -> list[Condition]:
    """Splits of a column that is a monotone function (``origin``) of one double parameter."""
    n = len(splits)
    if n == 0:
        return []
    modes = np.array([s.mode for s in splits])
    thresholds = _threshold_array(col, splits)
    missing_true = np.array([s.missing_true for s in splits])

    def goes_true(raw: np.ndarray) -> np.ndarray:
        return _compare(np.asarray(origin.fn(raw)), modes, thresholds, missing_true)

    at_low = goes_true(np.full(n, -np.inf))
    at_high = goes_true(np.full(n, np.inf))
    at_nan = goes_true(np.full(n, np.nan))
    low = _to_key(np.full(n, -np.inf))
    high = _to_key(np.full(n, np.inf))
    for _ in range(66):
        open_ = (high - 1) > low  # high - low overflows int64
        if not open_.any():
            break
        mid = (low >> 1) + (high >> 1) + (low & high & 1)
        same_as_low = goes_true(_from_key(mid)) == at_low
        low = np.where(open_ & same_as_low, mid, low)
        high = np.where(open_ & ~same_as_low, mid, high)
    raw = exp.column(origin.param)
    conditions: list[Condition] = []
    for i in range(n):
        if at_low[i] == at_high[i]:
            conditions.append(_constant_on_present(raw, bool(at_low[i]), bool(at_nan[i])))
        elif at_low[i]:
            conditions.append(_at_most(raw, float(_from_key(low[i : i + 1])[0]), bool(at_nan[i])))
        else:
            conditions.append(_at_least(raw, float(_from_key(high[i : i + 1])[0]), bool(at_nan[i])))
    return conditions


def _infinity() -> exp.Expression:
    return sql.double(np.inf)


# NaN sorts above every number in DuckDB, PostgreSQL and Spark; a NULL comparison is
# NULL, which CASE treats as false. The conditions below rely on both.


def _at_most(raw: exp.Expression, bound: float, missing: bool) -> Condition:
    """Present values go true when ``raw <= bound``; missing ones go ``missing``."""
    if not missing:
        return exp.LTE(this=raw.copy(), expression=sql.double(bound))  # NaN <= bound is false, NULL is NULL
    # false branch: present and above the bound (NaN is above every number, so bound it by +inf)
    above = float(np.nextafter(bound, np.inf))
    return Flipped(exp.Between(this=raw.copy(), low=sql.double(above), high=_infinity()))


def _at_least(raw: exp.Expression, bound: float, missing: bool) -> Condition:
    """Present values go true when ``raw >= bound``; missing ones go ``missing``."""
    if missing:
        return Flipped(exp.LT(this=raw.copy(), expression=sql.double(bound)))  # NaN < bound is false
    return exp.Between(this=raw.copy(), low=sql.double(bound), high=_infinity())


def _constant_on_present(raw: exp.Expression, present: bool, missing: bool) -> Condition:
    if present == missing:
        return present
    is_present = exp.LTE(this=raw.copy(), expression=_infinity())  # false for NaN, NULL for NULL
    if present:
        return is_present
    return Flipped(is_present)


def _category_conditions(col: Col, origin: Origin, splits: Sequence[Split]) -> list[Condition]:
    """Splits of a column derived (``origin``) from one string parameter: ``category IN (...)``."""
    values = np.array([*origin.known, UNSEEN], dtype=object)
    computed = np.asarray(origin.fn(values))
    subject = exp.Coalesce(this=exp.column(origin.param), expressions=[exp.Literal.string("")])
    conditions: list[Condition] = []
    for split in splits:
        n = len(values)
        outcome = _compare(
            computed.astype(np.float32) if col.dtype == FLOAT else computed.astype(np.float64),
            np.full(n, split.mode),
            np.full(n, _threshold_array(col, [split])[0]),
            np.full(n, split.missing_true),
        )
        unseen = bool(outcome[-1])
        if bool(outcome.all()) or not bool(outcome.any()):
            conditions.append(bool(outcome[0]))
            continue
        listed = [str(v) for v, o in zip(values[:-1], outcome[:-1], strict=True) if bool(o) != unseen]
        members = [exp.Literal.string(v) for v in listed]
        test: exp.Expression = (
            exp.EQ(this=subject.copy(), expression=members[0])
            if len(members) == 1
            else exp.In(this=subject.copy(), expressions=members)
        )
        conditions.append(exp.Not(this=test) if unseen else test)
    return conditions


def _expression_condition(col: Col, split: Split) -> Condition:
    value = col.expr.copy()
    threshold = sql.real(split.threshold) if col.dtype == FLOAT else sql.double(split.threshold)
    operator = {
        "BRANCH_LEQ": exp.LTE,
        "BRANCH_LT": exp.LT,
        "BRANCH_GTE": exp.GTE,
        "BRANCH_GT": exp.GT,
        "BRANCH_EQ": exp.EQ,
        "BRANCH_NEQ": exp.NEQ,
    }[split.mode]
    test: Any = operator(this=sql.paren(value), expression=threshold)
    return sql.case(sql.is_missing(col.expr), exp.true() if split.missing_true else exp.false(), test)
