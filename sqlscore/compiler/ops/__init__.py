"""One translator per ONNX op, and the explicit map from op type to translator.

An explicit map (rather than discovery by naming convention) keeps what the
compiler supports visible in one place. A translator is a module with a
``translate(node)`` function; code that several translators share sits beside
them in a private module (``_elementwise``, ``_reductions``, ``_classes``,
``_postprocess``), and the ops with a larger shared core form a group:
``trees/`` (tree ensembles, their node tables and split conditions) and
``linear/`` (MatMul and the linear models, all weighted sums of columns).
``tests/compiler/ops`` mirrors this layout with one test module per
translator, and a test that fails when a translator has none.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlscore.compiler.node import Node
from sqlscore.compiler.ops import (
    abs,
    add,
    argmax,
    array_feature_extractor,
    cast,
    concat,
    div,
    equal,
    gather,
    identity,
    imputer,
    isnan,
    label_encoder,
    mul,
    normalizer,
    one_hot_encoder,
    reduce_sum,
    reduce_sum_square,
    relu,
    reshape,
    scaler,
    sigmoid,
    softmax,
    sqrt,
    sub,
    tanh,
    where,
)
from sqlscore.compiler.ops.linear import linear_classifier, linear_regressor, matmul
from sqlscore.compiler.ops.trees import tree_ensemble_classifier, tree_ensemble_regressor
from sqlscore.compiler.values import Tensor

Translator = Callable[[Node], list[Tensor]]

TRANSLATORS: dict[str, Translator] = {
    "Abs": abs.translate,
    "Add": add.translate,
    "ArgMax": argmax.translate,
    "ArrayFeatureExtractor": array_feature_extractor.translate,
    "Cast": cast.translate,
    "Concat": concat.translate,
    "Div": div.translate,
    "Equal": equal.translate,
    "Gather": gather.translate,
    "Identity": identity.translate,
    "Imputer": imputer.translate,
    "IsNaN": isnan.translate,
    "LabelEncoder": label_encoder.translate,
    "LinearClassifier": linear_classifier.translate,
    "LinearRegressor": linear_regressor.translate,
    "MatMul": matmul.translate,
    "Mul": mul.translate,
    "Normalizer": normalizer.translate,
    "OneHotEncoder": one_hot_encoder.translate,
    "ReduceSum": reduce_sum.translate,
    "ReduceSumSquare": reduce_sum_square.translate,
    "Relu": relu.translate,
    "Reshape": reshape.translate,
    "Scaler": scaler.translate,
    "Sigmoid": sigmoid.translate,
    "Softmax": softmax.translate,
    "Sqrt": sqrt.translate,
    "Sub": sub.translate,
    "Tanh": tanh.translate,
    "TreeEnsembleClassifier": tree_ensemble_classifier.translate,
    "TreeEnsembleRegressor": tree_ensemble_regressor.translate,
    "Where": where.translate,
}
