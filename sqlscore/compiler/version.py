"""What the compile cache is keyed on, importable without the compiler (no sqlglot, no onnx).

A new process that registers functions from the compile cache needs the compiler's version (to
find the cached file) and the dialect names (to check it), and nothing else of the compiler:
importing the compiler costs about half a second (sqlglot, onnx), the whole budget of a cached
registration. So they live here, and :mod:`sqlscore.compiler` imports its parts on first use.

``COMPILER_VERSION`` says which compiler wrote a statement: :meth:`CompiledFunction.create_sql`
puts it in the header comment of every statement it writes (``sqlscore compile``'s output, the
generated review copies), so a reader can tell which compiler produced the SQL in front of them,
and the SQL cached with a model version is keyed on it (:mod:`sqlscore.functions.compile_cache`):
a new compiler version compiles every model again. Bump it whenever the SQL generated for the same
model changes: tests/compiler/test_compiler_version.py fails until it is bumped.
2: a binary logistic regression as one sigmoid (and, unbumped under 1, tree splits whose
missing values go true written as the false branch's test); 3: Relu as a plain greatest()
(changed unbumped under 2); 4: Relu as CASE WHEN x < 0 (greatest() turned a NULL input into 0);
5: PostgreSQL's sigmoid clamp keeps NULL (a scalar subquery: its greatest() skipped the NULL);
6: softmax and argmax name each class's score once (a DuckDB lambda; written in place elsewhere);
7: a number the function answers is NaN where the SQL has NULL, as onnxruntime answers (a model
without an imputer given a NULL); 8: the class of a row whose scores are missing (NULL or NaN) is
onnxruntime's: a missing first score wins, a missing later one never does (was: the last class).
"""

from __future__ import annotations

COMPILER_VERSION = 8

#: The warehouses the compiler writes SQL for (one generator each in :mod:`~sqlscore.compiler.dialects`).
DIALECTS = ("duckdb", "postgres", "spark")
