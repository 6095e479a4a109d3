"""The class labels of an ONNX-ML classifier, and the SQL that picks one by class index."""

from __future__ import annotations

from typing import Any

from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.values import INT64, STRING


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
