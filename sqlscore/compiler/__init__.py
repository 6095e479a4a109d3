"""The SQL engine: registered ONNX models compiled into plain SQL expressions.

``compile_function`` turns a model version into the expression behind one
warehouse function; :class:`CompiledFunction` writes it as a DuckDB macro, a
PostgreSQL function or a Spark SQL function.

The core: ``compiled`` (compile_function, COMPILER_VERSION), ``rewrites``
(graph rewrites before translation), ``graph`` (the walk over an ONNX graph),
``node`` (what a translator sees of its node, and how it refuses), ``values``
(symbolic and constant tensors), ``types`` (element types), ``sql`` (the
expression builders), ``dialects`` (the statement per warehouse). Each ONNX op
has its own translator module under ``ops/`` and an entry in
``ops.TRANSLATORS``; code shared by translators sits beside them (see
:mod:`sqlscore.compiler.ops`).
"""

from __future__ import annotations

from sqlscore.compiler.compiled import COMPILER_VERSION, CompiledFunction, compile_function
from sqlscore.compiler.dialects import DIALECTS
from sqlscore.compiler.ops import TRANSLATORS

__all__ = ["COMPILER_VERSION", "DIALECTS", "TRANSLATORS", "CompiledFunction", "compile_function"]
