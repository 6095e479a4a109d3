"""Relu: ``CASE WHEN x < 0 THEN 0 ELSE x END``, the hidden-layer activation of scikit-learn's
default MLP.

Not ``greatest(x, 0)``: DuckDB, PostgreSQL and Spark skip NULL arguments of ``greatest``, so a
missing input (NaN in onnxruntime, which Relu keeps) would score as 0. Here NULL < 0 is NULL and
the ELSE branch keeps it, and NaN (ordered above every number) is kept too."""

from __future__ import annotations

import numpy as np
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import _elementwise
from sqlscore.compiler.values import Tensor


def _relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0)


def translate(node: Node) -> list[Tensor]:
    return _elementwise.monotone_unary(
        node, _relu, lambda e: sql.case(exp.LT(this=e, expression=sql.double(0.0)), sql.double(0.0), e.copy())
    )
