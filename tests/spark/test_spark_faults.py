"""Faults of the Spark target that stop a run before any Spark work: each is exit 2 with a message
naming what to fix, in a real ``sqlscore`` process, and nothing is published."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import pytest

from sqlscore.errors import SparkError
from sqlscore.spark.session import JAVA_PACKAGE, check_master, java_executable
from tests import prewarmed
from tests.conftest import SQLSCORE

#: tens of seconds each: scheduled first, so that both test workers finish together
pytestmark = pytest.mark.heavy


def free_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_spark_cli(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "SQLSCORE_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "SQLSCORE_REGISTRY": str(tmp_path / "models_onnx"),
        **env,
    }
    return prewarmed.run([SQLSCORE, "run", "--target", "spark"], env=environment, timeout=120)


def test_unreachable_master_is_exit_2_naming_the_url(tmp_path: Path) -> None:
    master = f"spark://127.0.0.1:{free_port()}"
    result = run_spark_cli(tmp_path, SQLSCORE_SPARK_MASTER=master)
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"Spark master {master} is unreachable" in result.stderr
    assert "published" not in result.stdout.split("run ")[-1].split(":")[0]
    assert not (tmp_path / "build" / "spark" / "published").exists()


def test_missing_java_is_exit_2_naming_the_package(tmp_path: Path) -> None:
    """No java on PATH and no JAVA_HOME: the message says which package to install."""
    python_only = tmp_path / "bin"
    python_only.mkdir()
    result = run_spark_cli(tmp_path, PATH=str(python_only), JAVA_HOME="")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "needs Java 17" in result.stderr and JAVA_PACKAGE in result.stderr


def test_java_home_without_java_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SparkError, match=f"none in JAVA_HOME={tmp_path}.*{JAVA_PACKAGE}"):
        java_executable()


@pytest.mark.parametrize(
    ("master", "message"),
    [
        ("yarn", "expected local\\[N\\] or spark://HOST:PORT"),
        ("spark://127.0.0.1", "expected spark://HOST:PORT"),
    ],
)
def test_malformed_masters_are_refused(master: str, message: str) -> None:
    with pytest.raises(SparkError, match=message):
        check_master(master)
