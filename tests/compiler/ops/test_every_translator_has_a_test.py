"""A translator without its own test module fails here (orbital's rule).

``tests/compiler/ops`` mirrors ``sqlscore/compiler/ops``: the translator
``sqlscore.compiler.ops.trees.tree_ensemble_regressor`` is tested in
``tests/compiler/ops/trees/test_tree_ensemble_regressor.py``. Modules whose
name starts with ``_`` are helpers shared by translators; every other module
under ``ops/`` must be a translator listed in ``TRANSLATORS``, so that the
explicit map and the files cannot drift apart. What the translators refuse is
tested, one case per ``raise``, in ``tests/compiler/test_refusals.py``.
"""

from __future__ import annotations

import ast
import importlib
import pkgutil
import re
from pathlib import Path

import sqlscore.compiler.ops as ops_package
from sqlscore.compiler import TRANSLATORS

HERE = Path(__file__).parent


def _test_path(module: str) -> Path:
    """tests/compiler/ops/<group>/test_<name>.py for sqlscore.compiler.ops.<group>.<name>."""
    *groups, name = module.removeprefix(f"{ops_package.__name__}.").split(".")
    return HERE.joinpath(*groups, f"test_{name}.py")


def _test_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text())
    return [n.name for n in tree.body if isinstance(n, ast.FunctionDef) and n.name.startswith("test_")]


def test_every_translator_has_a_test_module_that_builds_its_op() -> None:
    missing = []
    for op, translator in sorted(TRANSLATORS.items()):
        path = _test_path(translator.__module__)
        shown = path.relative_to(HERE.parent.parent.parent)
        if not path.exists():
            missing.append(f"{op} ({shown} does not exist)")
        elif not _test_functions(path):
            missing.append(f"{op} ({shown} has no test function)")
        elif not re.search(rf"\b{op}\b", path.read_text()):
            missing.append(f"{op} ({shown} never builds a {op} node)")
    assert not missing, f"translators without tests: {', '.join(missing)}"


def test_every_public_module_under_ops_is_a_mapped_translator() -> None:
    """A translator module missing from the map (or a helper not marked private) fails here."""
    mapped = {translator.__module__ for translator in TRANSLATORS.values()}
    public = {
        info.name
        for info in pkgutil.walk_packages(ops_package.__path__, f"{ops_package.__name__}.")
        if not info.ispkg and not info.name.rsplit(".", 1)[-1].startswith("_")
    }
    assert public == mapped, f"not in TRANSLATORS: {sorted(public - mapped)}"
    for module in sorted(mapped):
        assert callable(getattr(importlib.import_module(module), "translate", None)), module


def test_every_test_module_here_tests_a_translator() -> None:
    """No orphan test module: each test_<name>.py under ops/ names a translator module."""
    expected = {_test_path(t.__module__) for t in TRANSLATORS.values()}
    found = {p for p in HERE.rglob("test_*.py") if p != Path(__file__)}
    assert found - expected == set(), f"test modules for no translator: {sorted(found - expected)}"
