"""README: ``SQLSCORE_MEMORY_LIMIT`` (e.g. ``128MB``) sets DuckDB's ``memory_limit`` on sqlscore
connections: ``sqlscore.connect`` and the ``sqlscore sql`` / ``shell`` commands built on it, and
the dbt build of ``sqlscore run`` (the var the profile reads:
``tests/dbt/test_dbt_project.py::test_the_runs_memory_limit_is_set_on_every_connection_dbt_opens``)."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import replace
from pathlib import Path

import duckdb
import pytest

import sqlscore
from sqlscore.registry import Registry
from tests import prewarmed
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


def test_the_run_hands_the_limit_to_dbt_as_a_var_of_the_build_only(tmp_path: Path) -> None:
    """The build's vars carry it (the profile's settings read it); the parse's do not, so a new
    limit never costs dbt a full parse; none given, none passed (the profile's default stands)."""
    from sqlscore.pipeline.dbt import DbtInvocation

    def project_vars(invocation: DbtInvocation, run_vars: bool) -> dict[str, object]:
        args = invocation.common_args(run_vars=run_vars)
        return dict(json.loads(args[args.index("--vars") + 1]))

    site = DbtInvocation(tmp_path / "w.duckdb", Registry(tmp_path / "models_onnx"), "2026-10-31", "r1")
    limited = replace(site, memory_limit="300MiB")
    assert project_vars(limited, run_vars=True)["sqlscore_memory_limit"] == "300MiB"
    assert "sqlscore_memory_limit" not in project_vars(limited, run_vars=False)
    assert "sqlscore_memory_limit" not in project_vars(site, run_vars=True)


def _refused_run(demo_env: tuple[Path, Registry], **settings: str) -> str:
    """``sqlscore run`` (the console script) on the test's site with ``settings`` in its
    environment, which must refuse it: exit 2 and the warehouse's tables unchanged. Its stderr."""
    warehouse, registry = demo_env
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables_before = con.execute("select count(*) from duckdb_tables()").fetchone()
    env = {
        **os.environ,
        "SQLSCORE_WAREHOUSE": str(warehouse),
        "SQLSCORE_REGISTRY": str(registry.root),
        **settings,
    }
    result = prewarmed.run([SQLSCORE, "run"], env=env, timeout=120)
    assert result.returncode == 2, result.stdout + result.stderr
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from duckdb_tables()").fetchone() == tables_before
    return result.stderr


def test_a_limit_duckdb_refuses_stops_the_run_before_it_starts(demo_env: tuple[Path, Registry]) -> None:
    """Named with the setting it came from, exit 2, before the run is recorded or anything built;
    the check itself takes what DuckDB takes (a size or a share of memory)."""
    from sqlscore.errors import ConfigError
    from sqlscore.warehouse.database import check_memory_limit

    assert check_memory_limit("2GB", "x") == "2GB" and check_memory_limit("50%", "x") == "50%"
    with pytest.raises(ConfigError, match="^memory_limit 'lots' is not a DuckDB memory_limit"):
        check_memory_limit("lots", "memory_limit")
    stderr = _refused_run(demo_env, SQLSCORE_MEMORY_LIMIT="lots")
    assert "SQLSCORE_MEMORY_LIMIT 'lots' is not a DuckDB memory_limit" in stderr


def test_a_profile_that_would_drop_the_limit_stops_the_run_naming_the_file(
    demo_env: tuple[Path, Registry], tmp_path: Path
) -> None:
    """A profiles.yml of one's own whose duckdb output has no ``settings: {memory_limit: ...}``
    reading the var: with SQLSCORE_MEMORY_LIMIT set, exit 2 before the run is recorded, naming
    the file and the line it needs (the build would have run at DuckDB's default). The project's
    profile passes; the same profile with a limit of its own (not the var) is refused too."""
    from sqlscore.errors import ConfigError
    from sqlscore.pipeline.dbt import check_profile_passes_memory_limit, dbt_project_dir, profiles_dir

    check_profile_passes_memory_limit("1GB", dbt_project_dir(), profiles_dir())
    ours = (profiles_dir() / "profiles.yml").read_text()
    setting = "        memory_limit: \"{{ var('sqlscore_memory_limit', env_var('SQLSCORE_MEMORY_LIMIT', '') or '80%') }}\"\n"
    assert setting in ours
    fixed = tmp_path / "fixed"
    fixed.mkdir()
    (fixed / "profiles.yml").write_text(ours.replace(setting, '        memory_limit: "4GB"\n'))
    with pytest.raises(ConfigError, match="memory limit '1GB' asked for .* does not pass it"):
        check_profile_passes_memory_limit("1GB", dbt_project_dir(), fixed)

    own = tmp_path / "own"
    own.mkdir()
    (own / "profiles.yml").write_text(ours.replace("      settings:\n" + setting, ""))
    stderr = _refused_run(demo_env, SQLSCORE_PROFILES_DIR=str(own), SQLSCORE_MEMORY_LIMIT="1GB")
    assert f"{own / 'profiles.yml'} does not pass it to dbt's DuckDB connections" in stderr
    assert "settings: {memory_limit:" in stderr and "sqlscore_memory_limit" in stderr


def test_the_runs_own_connections_take_the_limit_too(demo_env: tuple[Path, Registry], tmp_path: Path) -> None:
    """The run's record, its findings and the publish (which copies every published table into
    the serving file) open the warehouse through ``RunRequest.open_warehouse``: under the run's
    limit as dbt's connections are, DuckDB's default without one. No other opening of the
    warehouse is left in the run's steps (the module opens it only there), and the monitoring
    report reads with the same configuration."""
    import inspect
    import re

    from sqlscore.pipeline import steps

    warehouse, registry = demo_env
    request = steps.RunRequest(
        warehouse, registry, "2026-10-31", tmp_path / "expectations", tmp_path / "docs", memory_limit="300MiB"
    )
    with request.open_warehouse() as con:
        assert con.sql(QUERY).fetchall() == [("300.0 MiB",)]
    with duckdb.connect(":memory:") as con:
        default = con.sql(QUERY).fetchall()
    with replace(request, memory_limit=None).open_warehouse() as con:
        assert con.sql(QUERY).fetchall() == default != [("300.0 MiB",)]
    source = inspect.getsource(steps)
    bare = [m.start() for m in re.finditer(r"(?<![.\w])(?<!def )open_warehouse\(", source)]
    assert (
        len(bare) == 1 and "return open_warehouse(self.warehouse, config=self.duckdb_config())" in source
    ), bare
    assert source.count("request.open_warehouse()") >= 5
    # the monitoring report's read-only connection gets the same configuration
    assert request.duckdb_config() == {"memory_limit": "300MiB"}
    assert "_write_monitoring_report(warehouse, timings, request.duckdb_config())" in source
