"""Shared fixtures: a small real demo warehouse and a registry trained from it.

Both are built once per test session (training takes seconds at this size)
and copied into each test that changes them, so tests never share state.
"""

from __future__ import annotations

import fcntl
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
from tests import prewarmed

#: Fixtures that stand up real parts (a demo warehouse, a published site, a dbt project): a test
#: that uses one, or lives in tests/dbt or tests/tools/bench, is marked ``functional``; every
#: other test is marked ``unit`` (no warehouse file, no dbt). ``make test-unit`` runs the unit
#: tests alone, the split dbt-duckdb makes with its tests/unit and tests/functional folders;
#: here the folders mirror the package instead, and the marker makes the split.
FUNCTIONAL_FIXTURES = frozenset(
    {"demo_source", "demo_env", "run_cli", "published_source", "published", "dbt_project", "run_dbt"}
)
FUNCTIONAL_FOLDERS = frozenset({"dbt", "bench"})

# pytest-xdist's workers run under `python -c`, whose __main__ has no file: pyspark's Spark Connect
# modules take such a process for a doctest run and end it (sys.exit(0), pyspark.sql.connect.utils)
# when grpc is absent, and Great Expectations imports them wherever pyspark is installed (the
# Spark target's dependency), so a gate test killed its worker. Nothing here uses Spark Connect
# (the Spark target runs classic pyspark); without the module GX leaves Connect out, as it does
# when pyspark is absent.
sys.modules.setdefault("pyspark.sql.connect", None)  # type: ignore[arg-type]

TEST_CUSTOMERS = 4000
TEST_SEED = 7
SQLSCORE = str(Path(sys.executable).parent / "sqlscore")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        in_folder = FUNCTIONAL_FOLDERS & set(item.path.relative_to(Path(__file__).parent).parts[:-1])
        functional = bool(FUNCTIONAL_FIXTURES & fixtures or in_folder)
        item.add_marker(pytest.mark.functional if functional else pytest.mark.unit)
    # The tests marked `heavy` first, in their usual order (a stable sort keeps a module's tests
    # together, and its module fixtures built once). pytest-xdist's worksteal hands each worker a
    # contiguous share and lets an idle one take the end of another's queue: a minute-long test
    # left at the end kept one worker alone for its whole length. Every Spark test goes in that
    # block too, beside the others, so one worker runs them all: a Spark test left among the rest
    # was run by the other worker, which started a JVM and copied the tables for it alone (33 s
    # for tests/spark/test_run_record.py in a profiled run).
    items.sort(key=lambda item: item.get_closest_marker("heavy") is None and not _is_spark(item))


def _is_spark(item: pytest.Item) -> bool:
    return item.path.relative_to(Path(__file__).parent).parts[0] == "spark"


def built_once(
    tmp_path_factory: pytest.TempPathFactory, worker_id: str, name: str, build: Callable[[Path], None]
) -> Path:
    """A folder built by the first pytest-xdist worker that needs it and read by all of them.

    Session fixtures are per worker; the expensive read-only ones (the trained demo registry, a
    published site) are built once for the whole run instead, under a file lock. Tests never
    write into them: they copy what they change.
    """
    if worker_id == "master":  # not under xdist: the session is the run
        root = tmp_path_factory.mktemp(name)
        build(root)
        return root
    root = tmp_path_factory.getbasetemp().parent / name
    with open(f"{root}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / ".built").exists():
            shutil.rmtree(root, ignore_errors=True)  # what a failed build left
            root.mkdir()
            build(root)
            (root / ".built").touch()
    return root


def _build_demo(root: Path) -> None:
    generate(root / "warehouse.duckdb", customers=TEST_CUSTOMERS, seed=TEST_SEED)
    registry = Registry(root / "models_onnx")
    train_demo_models(root / "warehouse.duckdb", registry)
    # the registry as its first use leaves it: the SQL engine's functions compiled and engine auto's
    # choices measured, kept beside
    # each version (sqlscore.functions.compile_cache), which every later registration installs
    import sqlscore

    scratch = root / "first_use.duckdb"
    sqlscore.connect(scratch, registry=registry).close()  # engine auto: its choice is kept too
    scratch.unlink()


@pytest.fixture(scope="session")
def demo_source(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> tuple[Path, Path]:
    root = built_once(tmp_path_factory, worker_id, "demo", _build_demo)
    return root / "warehouse.duckdb", root / "models_onnx"


@pytest.fixture
def demo_env(demo_source: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Registry]:
    """A private copy of the demo warehouse and registry for one test."""
    warehouse = tmp_path / "warehouse.duckdb"
    shutil.copy(demo_source[0], warehouse)
    shutil.copytree(demo_source[1], tmp_path / "models_onnx")
    return warehouse, Registry(tmp_path / "models_onnx")


@pytest.fixture
def run_cli(demo_env: tuple[Path, Registry]) -> Callable[..., subprocess.CompletedProcess[str]]:
    """Run the installed ``sqlscore`` console script in a real process on the test's copy
    (forked from a warm interpreter: :mod:`tests.prewarmed`)."""
    warehouse, registry = demo_env
    env = {**os.environ, "SQLSCORE_WAREHOUSE": str(warehouse), "SQLSCORE_REGISTRY": str(registry.root)}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return prewarmed.run([SQLSCORE, *args], env=env, timeout=300)

    return run
