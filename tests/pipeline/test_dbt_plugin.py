"""The dbt-duckdb plugin declared in profiles.yml registers the functions for every thread."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb

from sqlscore.registry import Registry
from sqlscore.tools.demo.train import feature_sql

REPO = Path(__file__).resolve().parents[2]
DBT = str(Path(sys.executable).parent / "dbt")


def test_dbt_run_with_four_threads_uses_the_functions(
    demo_env: tuple[Path, Registry], tmp_path: Path
) -> None:
    warehouse, registry = demo_env
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    (project / "dbt_project.yml").write_text(
        "name: plugin_check\nversion: '1.0'\nprofile: sqlscore\nmodel-paths: ['models']\n"
        "models:\n  plugin_check:\n    +materialized: table\n"
    )
    churn = registry.resolve("churn").feature_names
    risk = registry.resolve("risk").feature_names
    for i in range(8):
        if i % 2:
            body = f"select application_id, predict_risk({', '.join(risk)}) as p from ({feature_sql('risk', '2026-10-31')})"
        else:
            body = f"select customer_id, predict_churn({', '.join(churn)}) as p from ({feature_sql('churn', '2026-10-31')})"
        (project / "models" / f"scores_{i}.sql").write_text(body + f" where {i} >= 0\n")
    env = {
        **os.environ,
        "SQLSCORE_WAREHOUSE": str(warehouse),
        "SQLSCORE_REGISTRY": str(registry.root),
        "SQLSCORE_UDFS": str(REPO / "udfs"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run(
        [
            DBT,
            "run",
            "--project-dir",
            str(project),
            "--profiles-dir",
            str(REPO),
            "--target",
            "duckdb",
            "--threads",
            "4",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Concurrency: 4 threads" in result.stdout
    assert "PASS=8" in result.stdout
    assert "nanobind" not in result.stdout + result.stderr
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for i in range(8):
            count, nulls, low, high = con.execute(
                f"select count(*), count(*) - count(p), min(p), max(p) from main.scores_{i}"
            ).fetchall()[0]
            assert count > 1000 and nulls == 0 and 0 <= low <= high <= 1


def test_the_plugin_config_is_typed_and_refuses_unknown_keys() -> None:
    import pytest

    from sqlscore.errors import ConfigError
    from sqlscore.pipeline.dbt_plugin import SqlscorePluginConfig

    parsed = SqlscorePluginConfig.parse({"registry": "models_onnx", "udfs": "", "engine": "sql"})
    assert (parsed.registry, parsed.udfs, parsed.engine) == ("models_onnx", None, "sql")
    with pytest.raises(
        ConfigError, match=r"unknown config key\(s\) regsitry .*known: engine, generated, registry, udfs"
    ):
        SqlscorePluginConfig.parse({"regsitry": "models_onnx"})


def test_the_profiles_duckdb_settings_reach_the_plugin_without_being_refused(tmp_path: Path) -> None:
    """dbt-duckdb merges the profile's ``settings`` (threads, memory_limit...) into every plugin's
    config; they are DuckDB's, while a misspelt key of our own is still refused."""
    import pytest
    from dbt.adapters.duckdb.credentials import DuckDBCredentials

    from sqlscore.errors import ConfigError
    from sqlscore.pipeline.dbt_plugin import Plugin

    creds = DuckDBCredentials(path=str(tmp_path / "w.duckdb"), settings={"threads": 4})
    plugin = Plugin("sqlscore", {"threads": 4, "registry": str(tmp_path / "models_onnx")}, creds)
    assert plugin.config.registry == str(tmp_path / "models_onnx")
    with pytest.raises(ConfigError, match="unknown config key\\(s\\) regsitry"):
        Plugin("sqlscore", {"threads": 4, "regsitry": "models_onnx"}, creds)
