"""A translator without its own test module fails here (orbital's rule)."""

from __future__ import annotations

import ast
from pathlib import Path

from sqlscore.compiler import TRANSLATORS

HERE = Path(__file__).parent


def test_every_translator_has_a_test_module_with_tests() -> None:
    missing = []
    for op, translator in sorted(TRANSLATORS.items()):
        module = translator.__module__.rsplit(".", 1)[-1]
        path = HERE / f"test_{module}.py"
        if not path.exists():
            missing.append(f"{op} (tests/compiler/ops/test_{module}.py)")
            continue
        tree = ast.parse(path.read_text())
        tests = [n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]
        if not tests:
            missing.append(f"{op} ({path.name} has no test function)")
    assert not missing, f"translators without tests: {', '.join(missing)}"


def test_an_op_without_translator_is_refused_naming_op_and_model() -> None:
    import numpy as np
    import pytest
    from onnx import helper

    from sqlscore.compiler.graph import evaluate
    from sqlscore.errors import CompileError
    from tests.compiler.harness import parameters_of
    from tests.compiler.ops.graphs import D, model_of

    model = model_of([helper.make_node("Cos", ["b"], ["y"])], [("b", D)], [("y", D)])
    with pytest.raises(CompileError, match=r"model my_model:1: op Cos .*no SQL translator"):
        evaluate(model, "my_model:1", parameters_of(model), ["y"])
    assert np.isfinite(1.0)
