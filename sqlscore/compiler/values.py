"""What the compiler knows about each tensor while it walks an ONNX graph.

A tensor is either a constant (an initializer, or something folded from
initializers: a numpy array) or symbolic: one SQL expression per column of a
``[N, k]`` tensor, since tabular pipelines only ever hold rows of features.

A symbolic column may also remember its :class:`Origin`: that it is a function
of one input column only, with a numpy function computing exactly what
onnxruntime computes from that input. Tree ensembles use it to move each split
back onto the raw input (``income <= 52341.5`` instead of recomputing imputing,
scaling and the float32 cast at every node); see :mod:`sqlscore.compiler.ops.trees._splits`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from sqlglot import exp

from sqlscore.compiler.types import DOUBLE

#: A string no encoder knows: an :class:`Origin`'s function evaluated over its ``known`` strings
#: and this one value covers every string a row can hold (one-hot blocks folded into one CASE,
#: category splits written as ``IN (...)``).
UNSEEN = "\x00sqlscore-unseen\x00"


@dataclass(frozen=True)
class Origin:
    """A column that depends on one input parameter only.

    ``fn`` maps raw input values (float64 with NaN for missing, or strings with
    '' for NULL) to this column's values the way onnxruntime computes them.
    ``direction`` holds for non-missing double inputs: +1 non-decreasing, -1
    non-increasing, 0 constant, None unknown. ``known`` lists the strings the
    chain tells apart (every other string behaves like any unseen one).
    """

    param: str
    kind: str  # DOUBLE or STRING: the parameter's type
    fn: Callable[[np.ndarray], np.ndarray]
    direction: int | None = None
    known: tuple[str, ...] = ()


@dataclass(frozen=True)
class Col:
    """One column of a symbolic tensor: its SQL, element type and (maybe) origin."""

    expr: exp.Expression
    dtype: str
    origin: Origin | None = None


@dataclass(frozen=True)
class Symbolic:
    """A ``[N, k]`` tensor computed per row: one :class:`Col` per column."""

    cols: tuple[Col, ...]

    @property
    def width(self) -> int:
        return len(self.cols)

    @property
    def dtype(self) -> str:
        return self.cols[0].dtype if self.cols else DOUBLE


Tensor = Symbolic | np.ndarray
