"""The index of the first largest of several expressions, as SQL (ties go to the lowest index)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlglot import exp

from sqlscore.compiler import sql


def first_argmax(values: Sequence[exp.Expression]) -> exp.Expression:
    if len(values) == 1:
        return sql.constant(0, "int64")
    ifs = []
    for i in range(len(values) - 1):
        conditions = [
            exp.GTE(this=sql.paren(values[i].copy()), expression=sql.paren(values[j].copy()))
            for j in range(i + 1, len(values))
        ]
        condition: exp.Expression = conditions[0]
        for extra in conditions[1:]:
            condition = exp.And(this=condition, expression=extra)
        ifs.append(exp.If(this=condition, true=sql.constant(i, "int64")))
    return exp.Case(ifs=ifs, default=sql.constant(len(values) - 1, "int64"))
