"""Column-wise application of an op over symbolic and constant tensors, with broadcasting.

Every elementwise translator (Add, Sub, Where, Cast, ...) goes through
:func:`apply`: constants fold to constants, a constant broadcasts over the
columns of a symbolic tensor, and a column that depends on a single input
keeps an :class:`Origin` whose numpy function repeats the op in the op's
precision (float64 or float32), so splits can be moved back onto that input.
The pieces two translators share (:func:`where` for Where and Imputer, the
column-times-constant direction rule for Mul and Scaler) live here too, so no
translator imports another.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.node import Node
from sqlscore.compiler.types import BOOL, DOUBLE, FLOAT, INT64, NUMPY_TYPES, STRING, result_type
from sqlscore.compiler.values import Col, Origin, Symbolic, Tensor

#: How the direction (+1, -1, 0, None) of an op's result follows from its arguments':
#: receives per argument its direction (None unknown, "c" for a constant), its constant value
#: (None for a symbolic argument) and its origin function (None for a constant).
DirectionRule = Callable[..., int | None]


def unknown_direction(*_: object) -> int | None:
    return None


def sum_direction(directions: Sequence[object]) -> int | None:
    """Direction of a sum of terms with the given directions ('c' = constant term)."""
    signs = set()
    for direction in directions:
        if direction == "c" or direction == 0:
            continue
        if direction is None:
            return None
        signs.add(direction)
    if not signs:
        return 0
    return int(signs.pop()) if len(signs) == 1 else None  # type: ignore[call-overload]


def non_decreasing(directions: Sequence[object], *_: object) -> int | None:
    """Direction of a non-decreasing function of one column ('c', a constant, stays constant)."""
    return 0 if directions[0] == "c" else directions[0]  # type: ignore[return-value]


def monotone_unary(
    node: Node, numpy_fn: Callable[..., np.ndarray], sql_fn: Callable[..., exp.Expression]
) -> list[Tensor]:
    """A non-decreasing one-input op (Sigmoid, Relu, Tanh), in the input's element type."""
    x = node.tensor(0)
    dtype = x.dtype if not isinstance(x, np.ndarray) else DOUBLE
    return [apply(node, [x], dtype, numpy_fn, sql_fn, non_decreasing)]


def scaled_direction(direction: object, factor: float) -> int | None:
    """A monotone column times a finite, non-zero constant keeps (or flips) its direction."""
    if direction in ("c", None) or factor == 0.0 or not np.isfinite(factor):
        return None
    return int(direction) * (1 if factor > 0 else -1)  # type: ignore[call-overload]


def times_constant_direction(dirs: Sequence[object], consts: Sequence[object], *_: object) -> int | None:
    """A monotone column times a constant (either side): see :func:`scaled_direction`."""
    if dirs.count("c") != 1:
        return None
    column, constant = (1, 0) if dirs[0] == "c" else (0, 1)
    return scaled_direction(dirs[column], float(consts[constant]))  # type: ignore[arg-type]


def where_direction(
    dirs: Sequence[object], consts: Sequence[object], fns: Sequence[Callable[[np.ndarray], np.ndarray] | None]
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
    """``CASE WHEN condition THEN a ELSE b END`` per column (Where, and Imputer's replacement)."""
    return apply(
        node,
        [condition, a, b],
        result_type(a, b),
        lambda c, x, y: np.asarray(np.where(c, x, y)),
        lambda c, x, y: sql.case(c, x, y),
        where_direction,
        cast_result=False,
    )


def arithmetic(
    node: Node,
    numpy_fn: Callable[..., np.ndarray],
    sql_op: Callable[..., exp.Expression],
    direction: DirectionRule,
) -> list[Tensor]:
    """A binary arithmetic op (Add, Sub, Mul, Div) on the node's two inputs, with broadcasting."""
    a, b = node.tensor(0), node.tensor(1)
    return [
        apply(
            node,
            [a, b],
            result_type(a, b),
            numpy_fn,
            lambda x, y: sql_op(this=sql.paren(x), expression=sql.paren(y)),
            direction,
        )
    ]


def _column_values(node: Node, value: Tensor, width: int) -> list[Col | object]:
    if isinstance(value, Symbolic):
        if value.width == width:
            return list(value.cols)
        if value.width == 1:
            return [value.cols[0]] * width
        raise node.fail(f"cannot broadcast {value.width} columns to {width}")
    flat = np.asarray(value).reshape(-1)
    if flat.size == width:
        return list(flat)
    if flat.size == 1:
        return [flat[0]] * width
    raise node.fail(f"cannot broadcast a constant of shape {np.shape(value)} to {width} columns")


def _merge_origins(columns: Sequence[Col | object]) -> tuple[str, str, tuple[str, ...]] | None:
    params = set()
    known: list[str] = []
    for column in columns:
        if isinstance(column, Col):
            if column.origin is None:
                return None
            params.add((column.origin.param, column.origin.kind))
            known.extend(k for k in column.origin.known if k not in known)
    if len(params) != 1:
        return None
    param, kind = params.pop()
    return param, kind, tuple(known)


def apply(
    node: Node,
    args: Sequence[Tensor],
    dtype: str,
    numpy_fn: Callable[..., np.ndarray],
    sql_fn: Callable[..., exp.Expression],
    direction: DirectionRule = unknown_direction,
    cast_result: bool = True,
) -> Tensor:
    """Apply ``numpy_fn``/``sql_fn`` column by column; ``dtype`` is the result's element type.

    ``sql_fn`` receives fresh copies of the argument expressions (constants as
    literals). A float32 result is wrapped in a cast to REAL so that SQL rounds
    where onnxruntime rounds (``cast_result=False`` when ``sql_fn`` already does).
    """
    if all(not isinstance(a, Symbolic) for a in args):
        return np.asarray(numpy_fn(*[np.asarray(a) for a in args])).astype(NUMPY_TYPES[dtype])
    width = max(a.width for a in args if isinstance(a, Symbolic))
    per_arg = [_column_values(node, a, width) for a in args]
    result = []
    for j in range(width):
        elements = [column[j] for column in per_arg]
        exprs = [
            e.expr.copy() if isinstance(e, Col) else sql.constant(e, _literal_type(e, dtype))
            for e in elements
        ]
        expression = sql_fn(*exprs)
        if cast_result and dtype == FLOAT:
            expression = sql.cast(expression, FLOAT, copy=False)
        result.append(Col(expression, dtype, _origin(elements, dtype, numpy_fn, direction)))
    return Symbolic(tuple(result))


def _literal_type(value: object, dtype: str) -> str:
    if isinstance(value, (str, bytes)):
        return STRING
    if isinstance(value, (bool, np.bool_)):
        return BOOL
    if isinstance(value, (int, np.integer)) and dtype not in (DOUBLE, FLOAT):
        return INT64
    return dtype if dtype in (DOUBLE, FLOAT) else DOUBLE


def _origin(
    elements: Sequence[Col | object],
    dtype: str,
    numpy_fn: Callable[..., np.ndarray],
    direction: DirectionRule,
) -> Origin | None:
    merged = _merge_origins(elements)
    if merged is None:
        return None
    param, kind, known = merged
    numpy_type = NUMPY_TYPES[dtype]
    fns = [e.origin.fn if isinstance(e, Col) and e.origin else None for e in elements]
    consts = [None if isinstance(e, Col) else e for e in elements]

    def fn(values: np.ndarray) -> np.ndarray:
        operands = [f(values) if f is not None else c for f, c in zip(fns, consts, strict=True)]
        with np.errstate(all="ignore"):
            return np.asarray(numpy_fn(*operands)).astype(numpy_type)

    directions = [e.origin.direction if isinstance(e, Col) and e.origin else "c" for e in elements]
    return Origin(param, kind, fn, direction(directions, consts, fns) if kind != STRING else None, known)
