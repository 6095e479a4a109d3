"""A registered model compiled to one SQL expression per function output."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import onnx
from sqlglot import exp

from sqlscore.compiler import sql
from sqlscore.compiler.dialects import create_statement, expression_sql
from sqlscore.compiler.graph import evaluate, parameter
from sqlscore.compiler.rewrites import simplify_binary_logistic
from sqlscore.compiler.types import DOUBLE, INT64, STRING
from sqlscore.compiler.values import Col, Symbolic
from sqlscore.compiler.version import COMPILER_VERSION
from sqlscore.errors import CompileError
from sqlscore.names import check_identifier, check_model_name, check_sha256, check_version
from sqlscore.registry.card import ModelCard


@dataclass(frozen=True)
class CompiledFunction:
    """The SQL of one function: name, typed parameters (card order), return type, expression.

    ``expression`` is None for a function read back from the compile cache, which holds the
    expression already written in every dialect.
    """

    name: str
    model_ref: str
    sha256: str
    parameters: tuple[tuple[str, str], ...]
    return_type: str
    expression: exp.Expression | None
    #: The expression written per dialect: writing a 300-tree model takes ~1 s per dialect, and
    #: every connection that registers the function asks for it again (macro and review copies).
    _written: dict[str, str] = field(default_factory=dict, init=False, repr=False, compare=False)

    @classmethod
    def from_written(
        cls,
        *,
        name: str,
        model_ref: str,
        sha256: str,
        parameters: tuple[tuple[str, str], ...],
        return_type: str,
        written: dict[str, str],
    ) -> CompiledFunction:
        """A function whose expression is already written in each dialect (the compile cache)."""
        compiled = cls(name, model_ref, sha256, parameters, return_type, None)
        compiled._written.update(written)
        return compiled

    def expression_sql(self, dialect: str = "duckdb") -> str:
        written = self._written.get(dialect)
        if written is None:
            if self.expression is None:
                raise CompileError(f"function {self.name} ({self.model_ref}): no {dialect} SQL was cached")
            written = self._written[dialect] = expression_sql(self.expression, dialect)
        return written

    def create_sql(self, dialect: str = "duckdb", *, temporary: bool = False) -> str:
        return _header(self.name, self.model_ref, self.sha256) + create_statement(
            self.name,
            self.parameters,
            self.return_type,
            self.expression_sql(dialect),
            dialect,
            temporary=temporary,
        )


def _header(function: str, model_ref: str, sha256: str) -> str:
    """The one-line comment above a generated statement, from checked names only.

    A newline inside a ``--`` comment ends it and turns the rest into SQL, so
    every piece is checked again here, whatever checked it before.
    """
    name, _, version = model_ref.partition(":")
    check_identifier(function, "function name")
    check_model_name(name)
    check_version(version)
    check_sha256(sha256)
    return (
        f"-- {function}: model {name}:{version} (sha256 {sha256}), "
        f"compiled by sqlscore (compiler v{COMPILER_VERSION}); generated, do not edit\n"
    )


def compile_function(
    model: onnx.ModelProto, card: ModelCard, function: str, output: str, return_type: str
) -> CompiledFunction:
    """Compile the card's model into the expression behind ``function``.

    ``output`` is ``score`` (positive-class probability or regression value),
    ``label`` or ``probabilities`` (multiclass), as for the onnx engine.
    """
    parameters = {f.name: parameter(f.name, f.sql_type) for f in card.features}
    names = [o.name for o in card.outputs]
    if card.task == "regression":
        wanted = names[0]
    elif output == "label":
        wanted = names[0]
    else:
        wanted = names[1] if len(names) > 1 else names[0]
    simplified = simplify_binary_logistic(onnx.ModelProto.FromString(model.SerializeToString()))
    tensor = evaluate(simplified, card.ref, parameters, [wanted])[wanted]
    if not isinstance(tensor, Symbolic):
        raise CompileError(f"model {card.ref}: output {wanted} does not depend on the features")
    if output == "label":
        expression = _typed(tensor.cols[0], STRING if return_type == "VARCHAR" else INT64)
    elif output == "probabilities":
        expression = exp.Array(expressions=[number_answer(c) for c in tensor.cols])
    elif card.task == "binary_classification":
        if tensor.width != 2:
            raise CompileError(f"model {card.ref}: {wanted} has {tensor.width} columns, not 2")
        expression = number_answer(tensor.cols[1])
    else:
        expression = number_answer(tensor.cols[0])
    return CompiledFunction(
        name=function,
        model_ref=card.ref,
        sha256=card.sha256,
        parameters=tuple((f.name, f.sql_type) for f in card.features),
        return_type=return_type,
        expression=expression,
    )


def number_answer(col: Col) -> exp.Expression:
    """A number the function answers: a double, NaN where the SQL has NULL.

    The compiled SQL carries onnxruntime's NaN as NULL (a NULL number is the model's NaN input,
    and the ops keep the two alike); only a model that does not impute lets one reach an output,
    where onnxruntime answers NaN. The function answers NaN too, so that both engines (and the
    service, which scores with onnxruntime) give the same number for the same row.
    """
    return exp.Coalesce(this=_typed(col, DOUBLE), expressions=[sql.double(math.nan)])


def _typed(col: Col, dtype: str) -> exp.Expression:
    return col.expr.copy() if col.dtype == dtype else sql.cast(col.expr.copy(), dtype, copy=False)
