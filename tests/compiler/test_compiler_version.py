"""COMPILER_VERSION changes whenever the generated SQL does.

Three graphs that reach most of the compiler (a preprocessing pipeline into a
logistic LinearClassifier, float32 tree ensembles with missing-value routing,
a small network with every activation) are compiled for every dialect; the
SHA-256 of that SQL is recorded here per compiler version. When a change to
the compiler (or to sqlglot) changes the SQL, this test fails until
``COMPILER_VERSION`` in ``sqlscore/compiler/version.py`` is bumped and the
new fingerprint recorded under it, so the version in the header of generated
SQL keeps telling compilers apart.
"""

from __future__ import annotations

import hashlib

import onnx
import onnx.parser

from sqlscore.compiler import COMPILER_VERSION, DIALECTS
from sqlscore.compiler.compiled import number_answer
from sqlscore.compiler.dialects import expression_sql
from sqlscore.compiler.graph import evaluate
from sqlscore.compiler.types import DOUBLE, FLOAT
from sqlscore.compiler.values import Symbolic
from tests.compiler.harness import parameters_of

#: The SQL's fingerprint per compiler version (add a line when you bump; never edit one).
FINGERPRINTS = {
    3: "db930094d5996ab3986166caad85e30ab4d450146175e08faf61b1b96a4df192",
    4: "08ef5f3f945e0fcaa2324859688820817848cbd4b8a5126b494487b5030e0781",  # Relu keeps NULL
    5: "454ca4c6839c5aaf5d1cdfb2a389d45fa2300b99b5376c18c85c7c18d746d270",  # PostgreSQL clamp keeps NULL
    6: "99aa47563b392d49ce69ec3245ef18a331fc23f30c4dee6041e71afd4c8d7728",  # softmax/argmax bind scores once
    7: "59d0d245eed9daf184dfd92d6ed63e971167796dd46809d756684fae90caabf5",  # a number answered NaN, not NULL
    8: "4bd0b1582432f3fef9c9d5eba35fde0e9c1f92d6befeb59211eac3db0ddf5731",  # argmax: missing as onnxruntime
}

HEADER = '<ir_version: 9, opset_import: ["" : 18, "ai.onnx.ml" : 3]>\n'

PIPELINE = """
pipeline (double[N, 1] a, double[N, 1] b, string[N, 1] s) => (int64[N] label, float[N, 2] probabilities)
<int64[2] shape = {-1, 2}> {
    ab = Concat <axis = 1> (a, b)
    floats = Cast <to = 1> (ab)
    filled = ai.onnx.ml.Imputer <imputed_value_floats = [0.5, -1.0], replaced_value_float = nan> (floats)
    scaled = ai.onnx.ml.Scaler <offset = [0.1, 0.2], scale = [2.0, 3.0]> (filled)
    onehot = ai.onnx.ml.OneHotEncoder <cats_strings = ["red", "blue"], zeros = 1> (s)
    flat = Reshape(onehot, shape)
    x = Concat <axis = 1> (scaled, flat)
    label, probabilities = ai.onnx.ml.LinearClassifier <coefficients = [0.5, -1.25, 2.0, -0.75],
        intercepts = [0.3], classlabels_ints = [0, 1], post_transform = "LOGISTIC"> (x)
}
"""

TREES = """
trees (double[N, 1] a, double[N, 1] b) => (float[N, 1] y, int64[N] label, float[N, 2] probabilities) {
    ab = Concat <axis = 1> (a, b)
    x = Cast <to = 1> (ab)
    y = ai.onnx.ml.TreeEnsembleRegressor <n_targets = 1, base_values = [0.25],
        nodes_treeids = [0, 0, 0, 0, 0, 1, 1, 1], nodes_nodeids = [0, 1, 2, 3, 4, 0, 1, 2],
        nodes_featureids = [1, 0, 0, 0, 0, 0, 0, 0],
        nodes_modes = ["BRANCH_LEQ", "BRANCH_LT", "LEAF", "LEAF", "LEAF", "BRANCH_LEQ", "LEAF", "LEAF"],
        nodes_values = [0.1, 0.6666667, 0.0, 0.0, 0.0, -1.1, 0.0, 0.0],
        nodes_truenodeids = [1, 2, 0, 0, 0, 1, 0, 0], nodes_falsenodeids = [4, 3, 0, 0, 0, 2, 0, 0],
        nodes_missing_value_tracks_true = [0, 0, 0, 0, 0, 1, 0, 0],
        target_treeids = [0, 0, 0, 1, 1], target_nodeids = [2, 3, 4, 1, 2], target_ids = [0, 0, 0, 0, 0],
        target_weights = [1.0, 2.0, 3.0, 10.0, 20.0]> (x)
    label, probabilities = ai.onnx.ml.TreeEnsembleClassifier <classlabels_int64s = [0, 1],
        post_transform = "LOGISTIC", base_values = [0.1],
        nodes_treeids = [0, 0, 0, 1, 1, 1], nodes_nodeids = [0, 1, 2, 0, 1, 2],
        nodes_featureids = [1, 0, 0, 0, 0, 0], nodes_modes = ["BRANCH_LEQ", "LEAF", "LEAF", "BRANCH_GT", "LEAF", "LEAF"],
        nodes_values = [0.5, 0.0, 0.0, 1.5, 0.0, 0.0],
        nodes_truenodeids = [1, 0, 0, 1, 0, 0], nodes_falsenodeids = [2, 0, 0, 2, 0, 0],
        nodes_missing_value_tracks_true = [0, 0, 0, 1, 0, 0],
        class_treeids = [0, 0, 1, 1], class_nodeids = [1, 2, 1, 2], class_ids = [0, 0, 0, 0],
        class_weights = [-0.4, 0.3, 0.8, -0.2]> (x)
}
"""

NETWORK = """
network (double[N, 1] a, double[N, 1] b) => (double[N, 2] y, int64[N] best)
<double[2, 3] w1 = {0.5, -1.0, 0.25, 1.5, 0.75, -0.5}, double[3] b1 = {0.1, -0.2, 0.3},
 double[3, 2] w2 = {1.0, -1.0, 0.5, 0.25, -0.75, 2.0}> {
    ab = Concat <axis = 1> (a, b)
    h = MatMul(ab, w1)
    shifted = Add(h, b1)
    r = Relu(shifted)
    t = Tanh(r)
    s = Sigmoid(t)
    z = MatMul(s, w2)
    y = Softmax <axis = 1> (z)
    best = ArgMax <axis = 1, keepdims = 0> (z)
}
"""


def fingerprint() -> str:
    """SHA-256 of every output column of the three graphs, written in every dialect, and of each
    number column as a function answers it (:func:`number_answer`)."""
    digest = hashlib.sha256()
    for text in (PIPELINE, TREES, NETWORK):
        model = onnx.parser.parse_model(HEADER + text)
        outputs = [o.name for o in model.graph.output]
        tensors = evaluate(model, "fingerprint:1", parameters_of(model), outputs)
        for name in outputs:
            tensor = tensors[name]
            assert isinstance(tensor, Symbolic), name
            for dialect in DIALECTS:
                for col in tensor.cols:
                    digest.update(f"{model.graph.name} {name} {dialect}\n".encode())
                    digest.update(expression_sql(col.expr, dialect).encode())
                    if col.dtype in (DOUBLE, FLOAT):
                        digest.update(expression_sql(number_answer(col), dialect).encode())
    return digest.hexdigest()


def test_compiler_version_names_the_sql_it_writes() -> None:
    current = fingerprint()
    assert FINGERPRINTS.get(COMPILER_VERSION) == current, (
        f"the generated SQL is not what compiler v{COMPILER_VERSION} wrote: bump COMPILER_VERSION "
        f"in sqlscore/compiler/compiled.py and record {current!r} for it in {__name__}.FINGERPRINTS"
    )
    assert len(set(FINGERPRINTS.values())) == len(FINGERPRINTS), "two versions with the same SQL"
