"""Real dbt runs against a private copy of the demo warehouse."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from sqlscore.registry import Registry
from tests import prewarmed
from tests.conftest import built_once

REPO = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).parent / "dbt")
WITH_VARS = Path(__file__).with_name("dbt_with_vars.py")
#: the vars ``sqlscore run`` passes to a build on a manifest parsed without them
#: (``sqlscore.pipeline.dbt.DbtInvocation.common_args``): the project reads them only in SQL, and
#: the memory limit only in profiles.yml (the build's connections)
RUN_PARAMETERS = frozenset({"as_of_date", "run_id", "backfill", "sqlscore_memory_limit"})


def dbt_env(warehouse: Path, registry: Registry, cwd: Path | None = None) -> dict[str, str]:
    """The environment of a by-hand dbt run on ``warehouse``; paths relative to ``cwd`` if given.

    Relative paths keep the profile's connection values the same in every test folder, so dbt
    can reuse a parse made in another folder (see :func:`copy_project`).
    """

    def where(path: Path) -> str:
        return os.path.relpath(path, cwd) if cwd is not None else str(path)

    return {
        **os.environ,
        "SQLSCORE_WAREHOUSE": where(warehouse),
        "SQLSCORE_REGISTRY": where(registry.root),
        "SQLSCORE_UDFS": str(REPO / "udfs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }


#: dbt's parse cache, in a project's target folder
PARSE_CACHE = Path("target") / "partial_parse.msgpack"


def copy_project(folder: Path, parsed: Path | None = None) -> Path:
    """A copy of dbt_project/ so that runs never write target/ into the repo or race each other.

    ``parsed``, a copy dbt has parsed, gives the new one its parse cache: dbt checks the cache
    against every file of the project, the vars, the target and the profile's connection values
    and parses again whatever differs, so a test pays a full parse only when it changes the
    project or passes --vars.
    """
    target = folder / "dbt_project"
    shutil.copytree(REPO / "dbt_project", target, ignore=shutil.ignore_patterns("target", "logs"))
    if parsed is not None:
        (target / PARSE_CACHE).parent.mkdir()
        shutil.copy(parsed / PARSE_CACHE, target / PARSE_CACHE)
    return target


def dbt(
    args: tuple[str, ...],
    warehouse: Path,
    registry: Registry,
    project: Path,
    *,
    expect_ok: bool = True,
    profiles_dir: Path = REPO,
    target: str = "duckdb",
) -> subprocess.CompletedProcess[str]:
    """dbt ARGS on a warehouse, by default on the production target (as sqlscore run).

    The dbt command line itself, except with ``--vars`` holding only the run's own parameters:
    then :mod:`tests.dbt.dbt_with_vars` parses without them first, as ``sqlscore run`` does,
    instead of dbt parsing the whole project again for every new set of vars.
    """
    where = ["--project-dir", str(project), "--profiles-dir", str(profiles_dir), "--target", target]
    if _only_run_parameters(args):
        command = [sys.executable, str(WITH_VARS), str(project), str(profiles_dir), target, *args]
    else:
        command = [DBT, *args, *where]
    result = prewarmed.run(
        command, env=dbt_env(warehouse, registry, cwd=project.parent), cwd=project.parent, timeout=900
    )
    if expect_ok:
        assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    return result


def _only_run_parameters(args: tuple[str, ...]) -> bool:
    """Whether ARGS pass --vars, all of them ones ``sqlscore run`` hands to a build on a manifest
    parsed without them (:data:`RUN_PARAMETERS`). Other vars can change a node's config, which
    dbt renders when it parses (``rebuild_scores`` does), so they get dbt's own full parse."""
    if "--vars" not in args:
        return False
    try:
        given = yaml.safe_load(args[args.index("--vars") + 1])
    except (IndexError, yaml.YAMLError):
        return False
    return isinstance(given, dict) and set(given) <= RUN_PARAMETERS


@pytest.fixture(scope="session")
def parsed_project(tmp_path_factory: pytest.TempPathFactory, worker_id: str) -> Path:
    """A copy of dbt_project/ parsed once per test run (production target, the warehouse and
    registry at the same relative paths as in every test folder), whose cache the others copy."""

    def build(root: Path) -> None:
        dbt(("parse",), root / "warehouse.duckdb", Registry(root / "models_onnx"), copy_project(root))

    return built_once(tmp_path_factory, worker_id, "dbt_parsed", build) / "dbt_project"


@pytest.fixture
def dbt_project(tmp_path: Path, parsed_project: Path) -> Path:
    return copy_project(tmp_path, parsed_project)


@pytest.fixture
def run_dbt(
    demo_env: tuple[Path, Registry], dbt_project: Path
) -> Callable[..., subprocess.CompletedProcess[str]]:
    """dbt ARGS on the test's warehouse (see :func:`dbt` for the options)."""
    warehouse, registry = demo_env

    def run(*args: str, **options: Any) -> subprocess.CompletedProcess[str]:
        return dbt(args, warehouse, registry, dbt_project, **options)

    return run


#: the as-of date before the demo's current one (2026-10-31), as a --vars value
PAST = "{as_of_date: '2026-09-30'}"


def _scored_on(
    dates: tuple[str, ...], demo_source: tuple[Path, Path], parsed_project: Path
) -> Callable[[Path], None]:
    """A build of the demo warehouse by ``dbt build --select +scoring`` on the production target
    with each vars in turn ("": none, the current date), on its own copy of the registry."""

    def build(root: Path) -> None:
        shutil.copy(demo_source[0], root / "warehouse.duckdb")
        shutil.copytree(demo_source[1], root / "models_onnx")  # never touch the shared registry
        project = copy_project(root, parsed_project)
        for as_of in dates:
            args = ("build", "--select", "+scoring", *(("--vars", as_of) if as_of else ()))
            dbt(args, root / "warehouse.duckdb", Registry(root / "models_onnx"), project)

    return build


def _with_warehouse(demo_env: tuple[Path, Registry], source: Path) -> tuple[Path, Registry]:
    """``demo_env`` with its warehouse replaced by a copy of ``source``."""
    warehouse, registry = demo_env
    shutil.copy(source, warehouse)
    return warehouse, registry


@pytest.fixture(scope="session")
def scored_source(
    demo_source: tuple[Path, Path],
    parsed_project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    worker_id: str,
) -> Path:
    """The demo warehouse after one ``dbt build --select +scoring`` on the production target (what
    most tests here start from), built once per test run; ``scored_env`` copies it."""
    build = _scored_on(("",), demo_source, parsed_project)
    return built_once(tmp_path_factory, worker_id, "dbt_scored", build) / "warehouse.duckdb"


@pytest.fixture(scope="session")
def past_scored_source(
    demo_source: tuple[Path, Path],
    parsed_project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    worker_id: str,
) -> Path:
    """The demo warehouse after ``dbt build --select +scoring`` as of 2026-09-30 only."""
    build = _scored_on((PAST,), demo_source, parsed_project)
    return built_once(tmp_path_factory, worker_id, "dbt_past", build) / "warehouse.duckdb"


@pytest.fixture(scope="session")
def two_dates_source(
    demo_source: tuple[Path, Path],
    parsed_project: Path,
    tmp_path_factory: pytest.TempPathFactory,
    worker_id: str,
) -> Path:
    """The demo warehouse scored as of 2026-09-30, then as of the current date (two builds)."""
    build = _scored_on((PAST, ""), demo_source, parsed_project)
    return built_once(tmp_path_factory, worker_id, "dbt_two_dates", build) / "warehouse.duckdb"


@pytest.fixture
def scored_env(demo_env: tuple[Path, Registry], scored_source: Path) -> tuple[Path, Registry]:
    """``demo_env`` (the warehouse ``run_dbt`` builds on) after ``dbt build --select +scoring``."""
    return _with_warehouse(demo_env, scored_source)


@pytest.fixture
def past_scored_env(demo_env: tuple[Path, Registry], past_scored_source: Path) -> tuple[Path, Registry]:
    """``demo_env`` after ``dbt build --select +scoring --vars "{as_of_date: '2026-09-30'}"``."""
    return _with_warehouse(demo_env, past_scored_source)


@pytest.fixture
def two_dates_env(demo_env: tuple[Path, Registry], two_dates_source: Path) -> tuple[Path, Registry]:
    """``demo_env`` after the 2026-09-30 build, then the current date's."""
    return _with_warehouse(demo_env, two_dates_source)
