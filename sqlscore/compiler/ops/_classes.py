"""Which class a row gets: the index of its first largest score, and the label that index names.

Shared by ArgMax and the ONNX-ML classifiers (LinearClassifier, TreeEnsembleClassifier).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.types import INT64, STRING


def first_argmax(values: Sequence[exp.Expression]) -> exp.Expression:
    """The index of the first largest of ``values`` (ties go to the lowest index), as onnxruntime.

    Missing scores (NaN in onnxruntime, NULL or NaN here) follow onnxruntime's running maximum: a
    missing first score wins (nothing compares greater than NaN), a missing later one never does.
    A model that does not impute, given a NULL, has every class score missing: class 0.
    """
    if len(values) == 1:
        return sql.constant(0, INT64)
    return sql.let([v.copy() for v in values], _first_argmax_of)


def _first_argmax_of(values: Sequence[exp.Expression]) -> exp.Expression:
    """The CASE over every pair of ``values`` (placeholders bound by :func:`sql.let`)."""
    ifs = [exp.If(this=sql.is_missing(values[0]), true=sql.constant(0, INT64))]
    for i in range(len(values) - 1):
        conditions: list[exp.Expression] = (
            [] if i == 0 else [exp.Not(this=exp.Paren(this=sql.is_missing(values[i])))]
        )
        conditions += [
            exp.Paren(
                this=exp.Or(
                    this=exp.GTE(this=sql.paren(values[i].copy()), expression=sql.paren(values[j].copy())),
                    expression=sql.is_missing(values[j]),
                )
            )
            for j in range(i + 1, len(values))
        ]
        condition: exp.Expression = conditions[0]
        for extra in conditions[1:]:
            condition = exp.And(this=condition, expression=extra)
        ifs.append(exp.If(this=condition, true=sql.constant(i, INT64)))
    return exp.Case(ifs=ifs, default=sql.constant(len(values) - 1, INT64))


def class_labels(node: Node, ints_attribute: str) -> tuple[list[Any], str]:
    """The labels (strings, else the integers in ``ints_attribute``) and their element type.

    LinearClassifier names its integer labels ``classlabels_ints``, the tree
    ensembles ``classlabels_int64s``.
    """
    if node.attr("classlabels_strings"):
        return list(node.strings("classlabels_strings")), STRING
    return [int(v) for v in node.attr(ints_attribute, [])], INT64


def label_at(index: exp.Expression, labels: list[Any], label_type: str) -> exp.Expression:
    """``CASE index WHEN 0 THEN label0 ...``: the label of the class a row's index names."""
    return exp.Case(
        this=index,
        ifs=[
            exp.If(this=sql.constant(i, INT64), true=sql.constant(v, label_type))
            for i, v in enumerate(labels)
        ],
    )
