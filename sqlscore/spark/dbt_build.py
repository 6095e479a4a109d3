"""dbt on Spark inside this process: the same project, ``--target spark``.

dbt-spark's session method finds the session :mod:`.session` started (with the functions
registered), so this must run in the process that registered them. dbt's data tests are left to
the gate's suites, but for the drift tests, which :mod:`.drift_gate` runs after the build.
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlscore.errors import SparkError
from sqlscore.pipeline.dbt import dbt_project_dir, profiles_dir, selection_args
from sqlscore.registry import Registry


@dataclass(frozen=True)
class SparkDbtInvocation:
    """The arguments of one dbt command on Spark."""

    master: str
    warehouse_dir: Path
    registry: Registry
    as_of: str
    run_id: str
    project_dir: Path | None = None
    #: var scoring_engine (which engine's function predict() calls); None: the project's default
    scoring_engine: str | None = None

    def args(self) -> list[str]:
        project_vars: dict[str, Any] = {
            "sqlscore_spark_master": self.master,
            "sqlscore_registry": str(self.registry.root),
            "as_of_date": self.as_of,
            "run_id": self.run_id,
            "backfill": False,
        }
        if self.scoring_engine is not None:
            project_vars["scoring_engine"] = self.scoring_engine
        return [
            "--project-dir",
            str(self.project_dir or dbt_project_dir()),
            "--profiles-dir",
            str(profiles_dir()),
            "--target",
            "spark",
            "--vars",
            json.dumps(project_vars),
            "--target-path",
            str(self.warehouse_dir / "dbt_target"),
            "--log-path",
            str(self.warehouse_dir / "dbt_logs"),
            "--no-send-anonymous-usage-stats",
            "--use-colors" if sys.stdout.isatty() else "--no-use-colors",
        ]


@dataclass
class SparkBuild:
    """What the build did: the models built, the errors, the seconds."""

    built: set[str] = field(default_factory=set)
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    manifest: Any = None


def error_summary(message: str, limit: int = 500) -> str:
    """dbt's message, with the cause a Python worker raised when there is one.

    A failed UDF reaches dbt as Spark's error holding the worker's whole traceback; the line that
    says why (e.g. the model and version whose file was altered) is its last ``...Error: ...``
    line, which a cut at ``limit`` characters would lose.
    """
    text = message.strip()
    if "Traceback" not in text:
        return text[:limit]
    causes = [line.strip() for line in text.splitlines() if "Error: " in line]
    return f"{text.splitlines()[0][:200]} ... {causes[-1][:limit]}" if causes else text[:limit]


def run_dbt_on_spark(invocation: SparkDbtInvocation, select: list[str] | None = None) -> SparkBuild:
    """dbt build (models and snapshots) on Spark; errors name the node and dbt's message."""
    from dbt.cli.main import dbtRunner

    start = time.perf_counter()
    result = dbtRunner().invoke(
        [
            "build",
            *invocation.args(),
            *selection_args(select),
            "--resource-type",
            "model",
            "--resource-type",
            "snapshot",
        ]
    )
    build = SparkBuild(seconds=time.perf_counter() - start)
    results = getattr(result.result, "results", []) or []
    if result.exception is not None and not results:
        raise SparkError(f"dbt build on Spark could not run: {result.exception}")
    for node_result in results:
        status, node = str(node_result.status), node_result.node
        if status in ("error", "fail"):
            build.errors.append(f"{node.name}: {error_summary(node_result.message or '')}")
        elif status == "success" and node.resource_type == "model":
            build.built.add(node.name)
    return build
