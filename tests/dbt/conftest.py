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
