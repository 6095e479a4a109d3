"""The SQL engine: registered ONNX models compiled into plain SQL expressions.

``compile_function`` turns a model version into the expression behind one
warehouse function; :class:`CompiledFunction` writes it as a DuckDB macro, a
PostgreSQL function or a Spark SQL function.

The core: ``version`` (COMPILER_VERSION, DIALECTS: no imports), ``compiled`` (compile_function), ``rewrites``
(graph rewrites before translation), ``graph`` (the walk over an ONNX graph),
``node`` (what a translator sees of its node, and how it refuses), ``values``
(symbolic and constant tensors), ``types`` (element types), ``sql`` (the
expression builders), ``dialects`` (the statement per warehouse). Each ONNX op
has its own translator module under ``ops/`` and an entry in
``ops.TRANSLATORS``; code shared by translators sits beside them (see
:mod:`sqlscore.compiler.ops`).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

from sqlscore.compiler.version import COMPILER_VERSION, DIALECTS

if TYPE_CHECKING:
    from sqlscore.compiler.compiled import CompiledFunction, compile_function
    from sqlscore.compiler.ops import TRANSLATORS

#: Imported on first use (PEP 562): a process that registers functions from the compile cache
#: reads ``COMPILER_VERSION`` and ``DIALECTS`` and never loads sqlglot or onnx.
_LAZY = {
    "CompiledFunction": "sqlscore.compiler.compiled",
    "compile_function": "sqlscore.compiler.compiled",
    "TRANSLATORS": "sqlscore.compiler.ops",
}

__all__ = ["COMPILER_VERSION", "DIALECTS", "TRANSLATORS", "CompiledFunction", "compile_function"]


def __getattr__(name: str) -> Any:
    # an unknown name is looked up in ``version``, whose AttributeError is the one Python raises
    # (the refusal tests count every raise statement in this package as a compiler refusal)
    value = getattr(import_module(_LAZY.get(name, "sqlscore.compiler.version")), name)
    globals()[name] = value
    return value
