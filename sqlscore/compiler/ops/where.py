"""Where: ``CASE WHEN cond THEN a ELSE b END`` (imputing missing values)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sqlscore.compiler import elementwise, sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.types import result_type
from sqlscore.compiler.values import Tensor


def where_direction(
    dirs: list[object], consts: list[object], fns: list[Callable[[np.ndarray], np.ndarray] | None]
) -> int | None:
    """On non-missing inputs a constant condition always picks the same branch."""
    if dirs[0] == "c":
        picked = bool(np.asarray(consts[0]).item())
    elif dirs[0] == 0 and fns[0] is not None:
        picked = bool(np.asarray(fns[0](np.zeros(1))).reshape(-1)[0])
    else:
        return None
    chosen = dirs[1] if picked else dirs[2]
    return 0 if chosen == "c" else chosen  # type: ignore[return-value]


def where(node: Node, condition: Tensor, a: Tensor, b: Tensor) -> Tensor:
    return elementwise.apply(
        node,
        [condition, a, b],
        result_type(a, b),
        lambda c, x, y: np.asarray(np.where(c, x, y)),
        lambda c, x, y: sql.case(c, x, y),
        where_direction,
        cast_result=False,
    )


def translate(node: Node) -> list[Tensor]:
    condition, a, b = node.inputs[0], node.inputs[1], node.inputs[2]
    assert condition is not None and a is not None and b is not None
    return [where(node, condition, a, b)]
