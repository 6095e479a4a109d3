"""A warehouse on which `sqlscore run` has published once, copied for each fault test."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from sqlscore.registry import Registry
from tests import prewarmed
from tests.conftest import built_once
from tests.prewarmed import Process

SQLSCORE = str(Path(sys.executable).parent / "sqlscore")
REPO = Path(__file__).resolve().parents[2]
TABLES = ("customer_churn_scores", "loan_application_risk_scores")


def table_digests(database: Path, schema: str) -> dict[str, tuple[int, int | None]]:
    """Row count and order-free content digest of every table of ``schema`` in a DuckDB file."""
    with duckdb.connect(str(database), read_only=True) as con:
        tables = [
            t
            for (t,) in con.execute(
                "select table_name from duckdb_tables() where schema_name = ? order by 1", [schema]
            ).fetchall()
        ]
        return {
            t: tuple(con.execute(f"select count(*), sum(hash(r)) from {schema}.{t} r").fetchall()[0])
            for t in tables
        }


#: dbt's partial-parse file in a site's dbt target folder
PARSE_CACHE = "dbt_target/partial_parse.msgpack"


@dataclass
class Published:
    root: Path

    @property
    def warehouse(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def serving(self) -> Path:
        return self.root / "warehouse_serving.duckdb"

    @property
    def registry(self) -> Registry:
        return Registry(self.root / "models_onnx")

    def env(self, **extra: str) -> dict[str, str]:
        return {
            **os.environ,
            "SQLSCORE_WAREHOUSE": str(self.warehouse),
            "SQLSCORE_REGISTRY": str(self.registry.root),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            **extra,
        }

    def run(self, *args: str, **extra: str) -> subprocess.CompletedProcess[str]:
        """``sqlscore run ARGS`` in its own process (forked warm: :mod:`tests.prewarmed`)."""
        return prewarmed.run([SQLSCORE, "run", *args], env=self.env(**extra), cwd=self.root, timeout=900)

    def start(self, **extra: str) -> Process:
        """``sqlscore run`` started in its own process, its output (stderr too) in ``.stdout``."""
        return prewarmed.launch(
            [SQLSCORE, "run"],
            env=self.env(**extra),
            cwd=self.root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )

    def sql(self, query: str, *params: object) -> list[tuple]:  # type: ignore[type-arg]
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            return con.execute(query, list(params) if params else None).fetchall()

    def execute(self, *statements: str) -> None:
        with duckdb.connect(str(self.warehouse)) as con:
            for statement in statements:
                con.execute(statement)

    def consumer_view(self) -> dict[str, object]:
        """What consumers can read: the content digest of every table of ``published`` (the
        histories included) and the serving file's bytes."""
        published = table_digests(self.warehouse, "published")
        assert set(TABLES) <= set(published), published
        return {
            "published": published,
            "serving_sha256": hashlib.sha256(self.serving.read_bytes()).hexdigest(),
        }

    def serving_matches_published(self) -> bool:
        """The serving file holds exactly published.* and names the last published run."""
        with duckdb.connect(str(self.warehouse), read_only=True) as con:
            con.execute(f"attach '{self.serving}' as serving (read_only)")
            last = con.execute(
                "select run_id from ops.sqlscore_runs where status = 'published' order by ended_at desc limit 1"
            ).fetchall()[0][0]
            info = con.execute("select distinct run_id from serving.serving_info").fetchall()
            same = all(
                con.execute(
                    f"select count(*) from ((from published.{t} except all from serving.{t}) "
                    f"union all (from serving.{t} except all from published.{t}))"
                ).fetchall()[0][0]
                == 0
                for t in TABLES
            )
        return info == [(last,)] and same

    def last_run(self) -> tuple:  # type: ignore[type-arg]
        return self.sql(
            "select status, failed_expectations, quarantined, message from ops.sqlscore_runs "
            "order by started_at desc limit 1"
        )[0]


@pytest.fixture(scope="session")
def published_source(
    demo_source: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory, worker_id: str
) -> Path:
    """A site on which one `sqlscore run` published: built once for the whole test run (every
    xdist worker reads the same one) and never written by a test; `published` copies it."""

    def build(root: Path) -> None:
        shutil.copy(demo_source[0], root / "warehouse.duckdb")
        shutil.copytree(demo_source[1], root / "models_onnx")
        result = Published(root).run()
        assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-3000:]

    return built_once(tmp_path_factory, worker_id, "published", build)


@pytest.fixture
def published(published_source: Path, tmp_path: Path) -> Published:
    root = tmp_path / "site"
    shutil.copytree(
        published_source, root, ignore=shutil.ignore_patterns("dbt_target", "dbt_logs", "gx_docs")
    )
    # dbt's parse cache only, as a site's second run finds it: dbt checks it against every file
    # of the project and the vars, and parses again whatever changed
    (root / "dbt_target").mkdir()
    shutil.copy(published_source / PARSE_CACHE, root / PARSE_CACHE)
    return Published(root)


def wait_for_line(
    process: Process, marker: str, timeout_lines: int = 100000, timeout: float = 600
) -> list[str]:
    """Read the process's output until a line contains ``marker``; return what was read.

    Bounded: a process still silent after ``timeout`` seconds is killed, which ends the wait.
    """
    seen = []
    assert process.stdout is not None
    watchdog = threading.Timer(timeout, process.kill)
    watchdog.start()
    try:
        for _ in range(timeout_lines):
            line = process.stdout.readline()
            if not line:
                break
            seen.append(line)
            if marker in line:
                return seen
    finally:
        watchdog.cancel()
    raise AssertionError(f"never saw {marker!r} within {timeout} s; output:\n{''.join(seen)[-4000:]}")


KillAt = Callable[[Published, str], None]
