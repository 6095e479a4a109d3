"""Real dbt runs against a private copy of the demo warehouse."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from sqlscore.registry import Registry
from tests.conftest import built_once

REPO = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).parent / "dbt")


def dbt_env(warehouse: Path, registry: Registry) -> dict[str, str]:
    return {
        **os.environ,
        "SQLSCORE_WAREHOUSE": str(warehouse),
        "SQLSCORE_REGISTRY": str(registry.root),
        "SQLSCORE_UDFS": str(REPO / "udfs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


@pytest.fixture
def dbt_project(tmp_path: Path) -> Path:
    """A copy of dbt_project/ so that runs never write target/ into the repo or race each other."""
    target = tmp_path / "dbt_project"
    shutil.copytree(REPO / "dbt_project", target, ignore=shutil.ignore_patterns("target", "logs"))
    return target


@pytest.fixture
def run_dbt(
    demo_env: tuple[Path, Registry], dbt_project: Path, tmp_path: Path
) -> Callable[..., subprocess.CompletedProcess[str]]:
    warehouse, registry = demo_env

    def run(
        *args: str, expect_ok: bool = True, profiles_dir: Path = REPO, target: str = "duckdb"
    ) -> subprocess.CompletedProcess[str]:
        """dbt ARGS on the test's warehouse, by default on the production target (as sqlscore run)."""
        result = subprocess.run(
            [
                DBT,
                *args,
                "--project-dir",
                str(dbt_project),
                "--profiles-dir",
                str(profiles_dir),
                "--target",
                target,
            ],
            env=dbt_env(warehouse, registry),
            capture_output=True,
            text=True,
            timeout=900,
            cwd=tmp_path,
        )
        if expect_ok:
            assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
        return result

    return run


@pytest.fixture(scope="session")
def scored_source(
    demo_source: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Path:
    """The demo warehouse after one ``dbt build --select +scoring`` on the production target (what
    most tests here start from), built once per test run; ``scored_env`` copies it."""

    def build(root: Path) -> None:
        shutil.copy(demo_source[0], root / "warehouse.duckdb")
        shutil.copytree(demo_source[1], root / "models_onnx")  # never touch the shared registry
        project = root / "dbt_project"
        shutil.copytree(REPO / "dbt_project", project, ignore=shutil.ignore_patterns("target", "logs"))
        result = subprocess.run(
            [DBT, "build", "--select", "+scoring", "--project-dir", str(project), "--profiles-dir", str(REPO)]
            + ["--target", "duckdb"],
            env=dbt_env(root / "warehouse.duckdb", Registry(root / "models_onnx")),
            capture_output=True,
            text=True,
            timeout=900,
            cwd=root,
        )
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]

    return built_once(tmp_path_factory, worker_id, "dbt_scored", build) / "warehouse.duckdb"


@pytest.fixture
def scored_env(demo_env: tuple[Path, Registry], scored_source: Path) -> tuple[Path, Registry]:
    """``demo_env`` (the warehouse ``run_dbt`` builds on) after ``dbt build --select +scoring``."""
    warehouse, registry = demo_env
    shutil.copy(scored_source, warehouse)
    return warehouse, registry
