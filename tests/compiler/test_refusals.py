"""Every refusal in the compiler, each triggered by the smallest graph that reaches it.

A refusal is a ``raise`` in ``sqlscore/compiler``: ``raise node.fail(...)`` in
a translator or a helper (the message names model, op and node), ``raise
CompileError(...)`` where the graph or the card is at fault, and the two
``ValueError``s for a dialect the compiler does not write. Each case below
builds its graph from ONNX text, compiles it, and checks the message with
``pytest.raises(match=...)``; the node a refusal must name is always called
``refused``. :func:`test_every_raise_in_the_compiler_has_exactly_one_case`
finds every ``raise`` statement in the package and fails when one has no case
(or a case reaches another raise than the one it was written for), so a new
refusal cannot land untested.

The 40 raise sites, by module: compiled.py 3, dialects.py 2, graph.py 3,
node.py 3, ops/_elementwise.py 2, ops/_postprocess.py 1, ops/_reductions.py 1,
ops/argmax.py 2, ops/array_feature_extractor.py 1, ops/cast.py 2,
ops/concat.py 2, ops/gather.py 2, ops/imputer.py 1, ops/label_encoder.py 2,
ops/linear/linear_classifier.py 2, ops/linear/linear_regressor.py 1,
ops/linear/matmul.py 1, ops/normalizer.py 1, ops/one_hot_encoder.py 1,
ops/reshape.py 1, ops/softmax.py 1, ops/trees/_ensemble.py 3,
ops/trees/tree_ensemble_classifier.py 1, ops/trees/tree_ensemble_regressor.py 1.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

import onnx
import onnx.parser
import pytest
from sqlglot import exp

import sqlscore.compiler
from sqlscore.compiler import CompiledFunction, compile_function
from sqlscore.compiler.dialects import create_statement, expression_sql
from sqlscore.compiler.graph import evaluate
from sqlscore.errors import CompileError
from sqlscore.registry.card import BINARY, REGRESSION, Feature, ModelCard, Output
from tests.compiler.harness import parameters_of

PACKAGE = Path(sqlscore.compiler.__file__).parent
MODEL = "refusals:1"
HEADER = '<ir_version: 9, opset_import: ["" : 18, "ai.onnx.ml" : 3]>\n'


def _compile(*outputs: str, features: bool = True) -> Callable[[onnx.ModelProto | None], object]:
    """Compile the graph's ``outputs`` as compile_function does: every graph input is a feature
    of the card, or (``features=False``) none is."""

    def run(model: onnx.ModelProto | None) -> object:
        assert model is not None
        return evaluate(model, MODEL, parameters_of(model) if features else {}, list(outputs))

    return run


def _card(task: str, outputs: tuple[Output, ...]) -> ModelCard:
    return ModelCard(
        name="refusals",
        version="1",
        created_at="2026-01-01T00:00:00Z",
        task=task,
        features=(Feature("a", "DOUBLE", "tensor(double)"),),
        outputs=outputs,
        sha256="0" * 64,
    )


def _compile_function(task: str, outputs: tuple[Output, ...]) -> Callable[[onnx.ModelProto | None], object]:
    def run(model: onnx.ModelProto | None) -> object:
        assert model is not None
        return compile_function(model, _card(task, outputs), "predict_refusals", "score", "DOUBLE")

    return run


@dataclass(frozen=True)
class Refusal:
    """A graph (ONNX text, without the header) and the refusal compiling it must raise.

    With ``op`` set the message must be the node's own: ``model refusals:1: cannot
    compile <op> node 'refused' to SQL: <why>``; otherwise ``why`` is searched in it.
    """

    name: str
    graph: str | None
    why: str
    op: str | None = None
    run: Callable[[onnx.ModelProto | None], object] = _compile("y")
    error: type[Exception] = CompileError

    @property
    def match(self) -> str:
        if self.op is None:
            return self.why
        return rf"^model {MODEL}: cannot compile {self.op} node 'refused' to SQL: {self.why}$"

    def model(self) -> onnx.ModelProto | None:
        return None if self.graph is None else onnx.parser.parse_model(HEADER + self.graph)


AB = "ab = Concat <axis = 1> (a, b)"
TREE = """nodes_treeids = [0, 0, 0], nodes_nodeids = [0, 1, 2], nodes_featureids = [{feature}, 0, 0],
        nodes_modes = ["BRANCH_LEQ", "LEAF", "LEAF"], nodes_values = [0.5, 0.0, 0.0],
        nodes_truenodeids = [1, 0, 0], nodes_falsenodeids = [2, 0, 0]"""

CASES = [
    # graph.py: the graph against the card, and ops with no translator
    Refusal(
        "graph-input-not-a-feature",
        "refusal (double[N, 1] a) => (double[N, 1] y) { y = Abs(a) }",
        rf"^model {MODEL}: graph input a is not a feature of the card$",
        run=_compile("y", features=False),
    ),
    Refusal(
        "output-nothing-computes",
        "refusal (double[N, 1] a) => (double[N, 1] y) { y = Abs(a) }",
        rf"^model {MODEL}: nothing computes z$",
        run=_compile("z"),
    ),
    Refusal(
        "op-without-translator",
        "refusal (double[N, 1] a) => (double[N, 1] y) { [refused] y = Cos(a) }",
        rf"^model {MODEL}: op Cos \(node 'refused'\) has no SQL translator; the SQL engine supports Abs, "
        r"Add, .*, Where\. Use engine: onnx for this model$",
    ),
    # compiled.py: what compile_function needs of the output
    Refusal(
        "output-is-a-constant",
        "refusal (double[N, 1] a) => (double[N, 1] y) <double[1, 1] k = {1.0}> { y = Identity(k) }",
        rf"^model {MODEL}: output y does not depend on the features$",
        run=_compile_function(REGRESSION, (Output("y", "tensor(double)"),)),
    ),
    Refusal(
        "binary-probabilities-not-two-columns",
        """refusal (double[N, 1] a) => (double[N, 1] label, double[N, 3] probabilities) {
            label = Identity(a)
            probabilities = Concat <axis = 1> (a, a, a)
        }""",
        rf"^model {MODEL}: probabilities has 3 columns, not 2$",
        run=_compile_function(
            BINARY, (Output("label", "tensor(double)"), Output("probabilities", "tensor(double)"))
        ),
    ),
    Refusal(
        "cached-function-asked-for-a-dialect-not-cached",
        None,
        r"^function predict_refusals \(refusals:1\): no spark SQL was cached$",
        run=lambda _: CompiledFunction.from_written(
            name="predict_refusals",
            model_ref=MODEL,
            sha256="0" * 64,
            parameters=(("a", "DOUBLE"),),
            return_type="DOUBLE",
            written={"duckdb": "a"},
        ).expression_sql("spark"),
    ),
    # dialects.py: a dialect the compiler does not write
    Refusal(
        "expression-in-unknown-dialect",
        None,
        r"^dialect 'mysql' is not one of \('duckdb', 'postgres', 'spark'\)$",
        run=lambda _: expression_sql(exp.column("a"), "mysql"),
        error=ValueError,
    ),
    Refusal(
        "statement-in-unknown-dialect",
        None,
        r"^dialect 'mysql' is not one of \('duckdb', 'postgres', 'spark'\)$",
        run=lambda _: create_statement("f", [("a", "DOUBLE")], "DOUBLE", "a", "mysql"),
        error=ValueError,
    ),
    # node.py: inputs a translator requires
    Refusal(
        "input-missing",
        'refusal (double[N, 1] a) => (double[N, 1] y) { [refused] y = Abs("") }',
        "input 0 is missing",
        op="Abs",
    ),
    Refusal(
        "input-must-be-per-row",
        """refusal (double[N, 1] a) => (float[N, 1] y) <double[1, 1] k = {1.0}> {
            [refused] y = ai.onnx.ml.Imputer <imputed_value_floats = [0.0]> (k)
        }""",
        "input 0 must be computed per row",
        op="Imputer",
    ),
    Refusal(
        "input-must-be-a-constant",
        """refusal (double[N, 1] a, int64[N, 1] shape) => (double[N, 1] y) {
            [refused] y = Reshape(a, shape)
        }""",
        r"input 1 must be a constant \(an initializer\)",
        op="Reshape",
    ),
    # ops/_elementwise.py: broadcasting
    Refusal(
        "broadcast-columns",
        f"""refusal (double[N, 1] a, double[N, 1] b, double[N, 1] c) => (double[N, 3] y) {{
            {AB}
            abc = Concat <axis = 1> (a, b, c)
            [refused] y = Add(ab, abc)
        }}""",
        "cannot broadcast 2 columns to 3",
        op="Add",
    ),
    Refusal(
        "broadcast-constant",
        """refusal (double[N, 1] a, double[N, 1] b, double[N, 1] c) => (double[N, 3] y)
        <double[2] k = {1.0, 2.0}> {
            abc = Concat <axis = 1> (a, b, c)
            [refused] y = Sub(abc, k)
        }""",
        r"cannot broadcast a constant of shape \(2,\) to 3 columns",
        op="Sub",
    ),
    # ops/_postprocess.py
    Refusal(
        "post-transform-probit",
        """refusal (double[N, 1] a) => (float[N, 1] y) {
            [refused] y = ai.onnx.ml.LinearRegressor <coefficients = [2.0], post_transform = "PROBIT"> (a)
        }""",
        "post_transform PROBIT is not supported",
        op="LinearRegressor",
    ),
    # ops/_reductions.py
    Refusal(
        "reduce-over-rows",
        f"""refusal (double[N, 1] a, double[N, 1] b) => (double[1, 2] y) <int64[1] axes = {{0}}> {{
            {AB}
            [refused] y = ReduceSum(ab, axes)
        }}""",
        r"reducing over axes \[0\] \(only the feature axis is per row\)",
        op="ReduceSum",
    ),
    # ops/argmax.py
    Refusal(
        "argmax-over-rows",
        f"""refusal (double[N, 1] a, double[N, 1] b) => (int64[1, 2] y) {{
            {AB}
            [refused] y = ArgMax <axis = 0> (ab)
        }}""",
        r"argmax over axis 0 \(only the feature axis is per row\)",
        op="ArgMax",
    ),
    Refusal(
        "argmax-last-index",
        f"""refusal (double[N, 1] a, double[N, 1] b) => (int64[N, 1] y) {{
            {AB}
            [refused] y = ArgMax <axis = 1, select_last_index = 1> (ab)
        }}""",
        "select_last_index=1 is not supported",
        op="ArgMax",
    ),
    # ops/array_feature_extractor.py
    Refusal(
        "feature-extractor-index-per-row",
        f"""refusal (double[N, 1] a, double[N, 1] b, int64[N, 1] i) => (double[N, 1] y) {{
            {AB}
            [refused] y = ai.onnx.ml.ArrayFeatureExtractor(ab, i)
        }}""",
        "both the array and the indices are computed per row",
        op="ArrayFeatureExtractor",
    ),
    # ops/cast.py
    Refusal(
        "cast-to-float16",
        "refusal (double[N, 1] a) => (float16[N, 1] y) { [refused] y = Cast <to = 10> (a) }",
        "casting to ONNX type 10 is not supported",
        op="Cast",
    ),
    Refusal(
        "cast-string-to-double",
        "refusal (string[N, 1] s) => (double[N, 1] y) { [refused] y = Cast <to = 11> (s) }",
        "casting strings to numbers is not supported",
        op="Cast",
    ),
    # ops/concat.py
    Refusal(
        "concat-rows",
        "refusal (double[N, 1] a, double[N, 1] b) => (double[M, 1] y) { [refused] y = Concat <axis = 0> (a, b) }",
        r"concatenating along axis 0 \(only the feature axis is per row\)",
        op="Concat",
    ),
    Refusal(
        "concat-a-constant",
        """refusal (double[N, 1] a) => (double[N, 2] y) <double[1, 1] k = {1.0}> {
            [refused] y = Concat <axis = 1> (a, k)
        }""",
        "input 1 is a constant; only per-row inputs can be concatenated",
        op="Concat",
    ),
    # ops/gather.py
    Refusal(
        "gather-rows",
        f"""refusal (double[N, 1] a, double[N, 1] b) => (double[1, 2] y) <int64[1] i = {{0}}> {{
            {AB}
            [refused] y = Gather <axis = 0> (ab, i)
        }}""",
        r"gathering along axis 0 \(only columns can be gathered per row\)",
        op="Gather",
    ),
    Refusal(
        "gather-out-of-range",
        f"""refusal (double[N, 1] a, double[N, 1] b) => (double[N, 1] y) <int64[1] i = {{5}}> {{
            {AB}
            [refused] y = Gather <axis = 1> (ab, i)
        }}""",
        r"index out of range for 2 columns: \[5\]",
        op="Gather",
    ),
    # ops/imputer.py
    Refusal(
        "imputer-integers",
        """refusal (double[N, 1] a) => (int64[N, 1] y) {
            [refused] y = ai.onnx.ml.Imputer <imputed_value_int64s = [0], replaced_value_int64 = -1> (a)
        }""",
        "only imputed_value_floats is supported",
        op="Imputer",
    ),
    # ops/label_encoder.py
    Refusal(
        "label-encoder-keys-tensor",
        """refusal (double[N, 1] a) => (int64[N, 1] y) {
            [refused] y = ai.onnx.ml.LabelEncoder
                <keys_tensor = int64[2] {1, 2}, values_tensor = int64[2] {10, 20}> (a)
        }""",
        r"no keys \(keys_tensor is not supported\)",
        op="LabelEncoder",
    ),
    Refusal(
        "label-encoder-values-tensor",
        """refusal (string[N, 1] s) => (int64[N, 1] y) {
            [refused] y = ai.onnx.ml.LabelEncoder <keys_strings = ["x"], values_tensor = int64[1] {1}> (s)
        }""",
        r"no values \(values_tensor is not supported\)",
        op="LabelEncoder",
    ),
    # ops/linear/
    Refusal(
        "linear-classifier-coefficients",
        f"""refusal (double[N, 1] a, double[N, 1] b) => (int64[N] label, float[N, 2] y) {{
            {AB}
            [refused] label, y = ai.onnx.ml.LinearClassifier
                <coefficients = [1.0, 2.0, 3.0], classlabels_ints = [0, 1]> (ab)
        }}""",
        "3 coefficients for 2 columns",
        op="LinearClassifier",
    ),
    Refusal(
        "linear-classifier-binary-probit",
        f"""refusal (double[N, 1] a, double[N, 1] b) => (int64[N] label, float[N, 2] y) {{
            {AB}
            [refused] label, y = ai.onnx.ml.LinearClassifier <coefficients = [1.0, 2.0], intercepts = [0.5],
                classlabels_ints = [0, 1], post_transform = "PROBIT"> (ab)
        }}""",
        "binary post_transform PROBIT is not supported",
        op="LinearClassifier",
    ),
    Refusal(
        "linear-regressor-coefficients",
        f"""refusal (double[N, 1] a, double[N, 1] b) => (float[N, 1] y) {{
            {AB}
            [refused] y = ai.onnx.ml.LinearRegressor <coefficients = [1.0, 2.0, 3.0], targets = 1> (ab)
        }}""",
        "3 coefficients for 1 targets x 2 columns",
        op="LinearRegressor",
    ),
    Refusal(
        "matmul-shapes",
        f"""refusal (double[N, 1] a, double[N, 1] b) => (double[N, 1] y) <double[3, 1] w = {{1.0, 2.0, 3.0}}> {{
            {AB}
            [refused] y = MatMul(ab, w)
        }}""",
        r"2 columns times a \(3, 1\) matrix",
        op="MatMul",
    ),
    # ops/normalizer.py, ops/one_hot_encoder.py, ops/reshape.py, ops/softmax.py
    Refusal(
        "normalizer-norm",
        f"""refusal (double[N, 1] a, double[N, 1] b) => (float[N, 2] y) {{
            {AB}
            [refused] y = ai.onnx.ml.Normalizer <norm = "L3"> (ab)
        }}""",
        "norm 'L3' is not supported",
        op="Normalizer",
    ),
    Refusal(
        "one-hot-two-columns",
        """refusal (string[N, 1] s, string[N, 1] t) => (float[N, 1, 1] y) {
            st = Concat <axis = 1> (s, t)
            [refused] y = ai.onnx.ml.OneHotEncoder <cats_strings = ["x"], zeros = 1> (st)
        }""",
        r"one-hot encoding 2 columns at once \(skl2onnx emits one per column\)",
        op="OneHotEncoder",
    ),
    Refusal(
        "reshape-across-rows",
        f"""refusal (double[N, 1] a, double[N, 1] b) => (double[M, 4] y) <int64[2] shape = {{-1, 4}}> {{
            {AB}
            [refused] y = Reshape(ab, shape)
        }}""",
        r"reshaping 2 columns per row to \[-1, 4\] is not row-preserving",
        op="Reshape",
    ),
    Refusal(
        "softmax-over-rows",
        f"""refusal (double[N, 1] a, double[N, 1] b) => (double[N, 2] y) {{
            {AB}
            [refused] y = Softmax <axis = 0> (ab)
        }}""",
        r"softmax over axis 0 \(only the feature axis is per row\)",
        op="Softmax",
    ),
    # ops/trees/
    Refusal(
        "trees-double-precision",
        """refusal (double[N, 1] a) => (double[N, 1] y) {
            [refused] y = ai.onnx.ml.TreeEnsembleRegressor <n_targets = 1,
                nodes_treeids = [0], nodes_nodeids = [0], nodes_featureids = [0], nodes_modes = ["LEAF"],
                nodes_values_as_tensor = double[1] {0.0}, nodes_truenodeids = [0], nodes_falsenodeids = [0],
                target_treeids = [0], target_nodeids = [0], target_ids = [0],
                target_weights_as_tensor = double[1] {1.0}> (a)
        }""",
        r"double-precision trees \(\*_as_tensor attributes\) are not supported",
        op="TreeEnsembleRegressor",
    ),
    Refusal(
        "trees-two-roots",
        """refusal (double[N, 1] a) => (float[N, 1] y) {
            [refused] y = ai.onnx.ml.TreeEnsembleRegressor <n_targets = 1,
                nodes_treeids = [0, 0], nodes_nodeids = [0, 1], nodes_featureids = [0, 0],
                nodes_modes = ["LEAF", "LEAF"], nodes_values = [0.0, 0.0],
                nodes_truenodeids = [0, 0], nodes_falsenodeids = [0, 0],
                target_treeids = [0, 0], target_nodeids = [0, 1], target_ids = [0, 0],
                target_weights = [1.0, 2.0]> (a)
        }""",
        "tree 0 has no single root",
        op="TreeEnsembleRegressor",
    ),
    Refusal(
        "trees-split-on-missing-feature",
        f"""refusal (double[N, 1] a, double[N, 1] b) => (float[N, 1] y) {{
            {AB}
            [refused] y = ai.onnx.ml.TreeEnsembleRegressor <n_targets = 1, {TREE.format(feature=5)},
                target_treeids = [0, 0], target_nodeids = [1, 2], target_ids = [0, 0],
                target_weights = [1.0, 2.0]> (ab)
        }}""",
        "a split reads feature 5 of 2",
        op="TreeEnsembleRegressor",
    ),
    Refusal(
        "trees-aggregate-min",
        f"""refusal (double[N, 1] a, double[N, 1] b) => (float[N, 1] y) {{
            {AB}
            [refused] y = ai.onnx.ml.TreeEnsembleRegressor <n_targets = 1, aggregate_function = "MIN",
                {TREE.format(feature=1)}, target_treeids = [0, 0], target_nodeids = [1, 2],
                target_ids = [0, 0], target_weights = [1.0, 2.0]> (ab)
        }}""",
        "aggregate_function MIN is not supported",
        op="TreeEnsembleRegressor",
    ),
    Refusal(
        "trees-binary-probit",
        f"""refusal (double[N, 1] a, double[N, 1] b) => (int64[N] label, float[N, 2] y) {{
            {AB}
            [refused] label, y = ai.onnx.ml.TreeEnsembleClassifier <classlabels_int64s = [0, 1],
                post_transform = "PROBIT", {TREE.format(feature=1)},
                class_treeids = [0, 0], class_nodeids = [1, 2], class_ids = [1, 1],
                class_weights = [0.25, 0.75]> (ab)
        }}""",
        "binary post_transform PROBIT is not supported",
        op="TreeEnsembleClassifier",
    ),
]


def _raise_site(tb: TracebackType | None) -> tuple[str, int]:
    """(module path under sqlscore/compiler, line) of the ``raise`` that threw."""
    assert tb is not None
    while tb.tb_next is not None:
        tb = tb.tb_next
    path = Path(tb.tb_frame.f_code.co_filename)
    assert path.is_relative_to(PACKAGE), f"raised outside the compiler, in {path}:{tb.tb_lineno}"
    return path.relative_to(PACKAGE).as_posix(), tb.tb_lineno


def _refuse(case: Refusal) -> tuple[str, int]:
    model = case.model()
    with pytest.raises(case.error, match=case.match) as raised:
        case.run(model)
    return _raise_site(raised.tb)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_refused_with_its_message(case: Refusal) -> None:
    _refuse(case)


def _raise_statements() -> set[tuple[str, int]]:
    sites = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Raise):
                sites.add((path.relative_to(PACKAGE).as_posix(), node.lineno))
    return sites


def test_every_raise_in_the_compiler_has_exactly_one_case() -> None:
    reached: dict[tuple[str, int], list[str]] = {}
    for case in CASES:
        reached.setdefault(_refuse(case), []).append(case.name)
    statements = _raise_statements()
    untested = sorted(statements - set(reached))
    assert not untested, f"raise statements no case reaches: {untested}"
    shared = {f"{path}:{line}": names for (path, line), names in reached.items() if len(names) > 1}
    assert not shared, f"cases that reach the same raise (one is enough): {shared}"
    per_module: dict[str, int] = {}
    for path, _ in statements:
        per_module[path] = per_module.get(path, 0) + 1
    documented = dict(
        (m.group(1), int(m.group(2))) for m in re.finditer(r"([\w/]+\.py) (\d+)", __doc__ or "")
    )
    assert documented == per_module, "update the count per module in this module's docstring"
