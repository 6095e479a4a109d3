"""Weighted sums of columns, shared by MatMul, LinearClassifier and LinearRegressor.

Columns that come from the same string input (the one-hot block of a
category) are folded into one ``CASE category WHEN ... THEN weight`` term:
the weights of a category's indicator columns are summed at compile time
over every value the encoder knows, plus one unseen value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.types import DOUBLE, STRING
from sqlscore.compiler.values import UNSEEN, Col, Origin


def weighted_sum(cols: Sequence[Col], weights: np.ndarray, bias: float | None = None) -> exp.Expression:
    """``sum(w_j * x_j) + bias`` in double precision, skipping zero weights."""
    terms: list[exp.Expression] = []
    by_category: dict[str, list[tuple[Origin, float]]] = {}
    for col, weight in zip(cols, weights, strict=True):
        weight = float(weight)
        if weight == 0.0:
            continue
        origin = col.origin
        if origin is not None and origin.kind == STRING:
            by_category.setdefault(origin.param, []).append((origin, weight))
            continue
        terms.append(exp.Mul(this=sql.paren(_as_double(col)), expression=sql.paren(sql.double(weight))))
    for group in by_category.values():
        terms.append(_category_term(group))
    if bias is not None and float(bias) != 0.0:
        terms.append(sql.double(float(bias)))
    return sql.total(terms)


def _as_double(col: Col) -> exp.Expression:
    return col.expr.copy() if col.dtype == DOUBLE else sql.cast(col.expr.copy(), DOUBLE, copy=False)


def _category_term(group: list[tuple[Origin, float]]) -> exp.Expression:
    """One CASE over a category's known values for the columns derived from it (their origins)."""
    param = group[0][0].param
    known = list(dict.fromkeys(k for origin, _ in group for k in origin.known))
    values = np.array([*known, UNSEEN], dtype=object)
    total = np.zeros(len(values))
    for origin, weight in group:
        total += np.asarray(origin.fn(values), dtype=np.float64) * weight
    default = float(total[-1])
    ifs = [
        exp.If(this=sql.constant(value, STRING), true=sql.double(float(t)))
        for value, t in zip(known, total[:-1], strict=True)
        if float(t) != default
    ]
    subject = exp.Coalesce(this=exp.column(param), expressions=[exp.Literal.string("")])
    if not ifs:
        return sql.double(default)
    return exp.Case(this=subject, ifs=ifs, default=sql.double(default))
