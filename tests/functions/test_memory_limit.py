"""README: ``SQLSCORE_MEMORY_LIMIT`` (e.g. ``128MB``) sets DuckDB's ``memory_limit`` on sqlscore
connections: ``sqlscore.connect`` and the ``sqlscore sql`` / ``shell`` commands built on it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

import sqlscore
from sqlscore.registry import Registry
from tests.conftest import SQLSCORE

QUERY = "select current_setting('memory_limit') as memory_limit"
MIB_122 = "122.0 MiB"  # how DuckDB shows 128MB (128,000,000 bytes)


def _limit(warehouse: Path, registry: Registry, **config: str) -> str:
    con = sqlscore.connect(warehouse, registry=registry, config=config or None)
    try:
        return str(con.sql(QUERY).fetchall()[0][0])
    finally:
        con.close()


def test_memory_limit_from_the_environment(
    demo_env: tuple[Path, Registry], monkeypatch: pytest.MonkeyPatch
) -> None:
    warehouse, registry = demo_env
    monkeypatch.delenv("SQLSCORE_MEMORY_LIMIT", raising=False)
    default = _limit(warehouse, registry)
    assert default != MIB_122  # DuckDB's own default (80% of RAM)
    monkeypatch.setenv("SQLSCORE_MEMORY_LIMIT", "128MB")
    assert _limit(warehouse, registry) == MIB_122
    assert _limit(warehouse, registry, memory_limit="256MB") == "244.1 MiB"  # an explicit config wins
    # the console script, a real process reading the variable at start
    env = {
        **os.environ,
        "SQLSCORE_WAREHOUSE": str(warehouse),
        "SQLSCORE_REGISTRY": str(registry.root),
        "SQLSCORE_MEMORY_LIMIT": "128MB",
    }
    result = subprocess.run(
        [SQLSCORE, "sql", "--format", "csv", QUERY], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["memory_limit", MIB_122]
