"""Shared fixtures: a small real demo warehouse and a registry trained from it.

Both are built once per test session (training takes seconds at this size)
and copied into each test that changes them, so tests never share state.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sqlscore.registry import Registry
from sqlscore.tools.demo.data import generate
from sqlscore.tools.demo.train import train_demo_models

TEST_CUSTOMERS = 4000
TEST_SEED = 7
SQLSCORE = str(Path(sys.executable).parent / "sqlscore")


@pytest.fixture(scope="session")
def demo_source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("demo")
    warehouse = root / "warehouse.duckdb"
    generate(warehouse, customers=TEST_CUSTOMERS, seed=TEST_SEED)
    registry = Registry(root / "models_onnx")
    train_demo_models(warehouse, registry)
    return warehouse, registry.root


@pytest.fixture
def demo_env(demo_source: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Registry]:
    """A private copy of the demo warehouse and registry for one test."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_source[0], warehouse)
    shutil.copytree(demo_source[1], tmp_path / "models_onnx")
    return warehouse, Registry(tmp_path / "models_onnx")


@pytest.fixture
def run_cli(demo_env: tuple[Path, Registry]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed ``sqlscore`` console script in a real process on the test's copy."""
    warehouse, registry = demo_env
    env = {**os.environ, "SQLSCORE_WAREHOUSE": str(warehouse), "SQLSCORE_REGISTRY": str(registry.root)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [SQLSCORE, *args], env=env, capture_output=True, text=True, timeout=300, check=False
        )

    return run
