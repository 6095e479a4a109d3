"""The drift gate on Spark: the project's ``drift_within_thresholds`` dbt tests, run after the build.

On DuckDB the three drift tests run inside ``dbt build`` (:mod:`sqlscore.pipeline.dbt`). A Spark
build leaves dbt's data tests to the gate, so the drift tests run here as one ``dbt test`` of
their own, on the monitoring tables the build just wrote, with the same thresholds
(``var('sqlscore_drift_thresholds')``) and the same stored rows. A row at level ``error`` blocks
the run exactly as a failed expectation does: it comes back as the failures of a verdict on the
table ``drift`` (named model, version, as-of date, segment, feature, metric, value and
threshold), so the run's block, its message and its ``ops.sqlscore_runs`` row carry it like any
other; a row at level ``warn`` is a warning of the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlscore.errors import SparkError
from sqlscore.gate.gx_run import Failure, TableVerdict
from sqlscore.pipeline.dbt import DRIFT_GATE_TEST, drift_finding
from sqlscore.spark.dbt_build import SparkDbtInvocation, error_summary

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: the table name of the verdict drift blocks come back as
DRIFT_TABLE = "drift"


@dataclass
class DriftGate:
    """What the drift tests found: the verdict (None when no drift test ran) and the warnings."""

    verdict: TableVerdict | None = None
    warnings: list[str] = field(default_factory=list)


def run_drift_gate_on_spark(
    spark: SparkSession, invocation: SparkDbtInvocation, built: set[str]
) -> DriftGate:
    """The drift tests declared on the models the build ``built``, read back as a verdict.

    As on DuckDB, where ``dbt build --select`` runs the tests of the models it selects: a build
    that left the monitoring models out (``--select`` of a scoring table) runs no drift test. A
    test that cannot run (its SQL fails) raises :class:`SparkError`: a gate that cannot judge
    must not let the run publish.
    """
    from dbt.cli.main import dbtRunner

    if not built:
        return DriftGate()
    # each selector the intersection of the drift tests with a built model's tests
    selectors = [f"test_name:{DRIFT_GATE_TEST},{model}" for model in sorted(built)]
    result = dbtRunner().invoke(["test", *invocation.args(), "--select", *selectors])
    results = getattr(result.result, "results", []) or []
    if result.exception is not None and not results:
        raise SparkError(f"the drift gate on Spark could not run: {result.exception}")
    findings: list[dict[str, Any]] = []
    for node_result in results:
        status, node = str(node_result.status), node_result.node
        if status == "error":
            raise SparkError(
                f"drift test {node.name} failed to run: {error_summary(node_result.message or '')}"
            )
        if status in ("fail", "warn"):
            rows = spark.sql(f"select * from {node.relation_name}").collect()
            findings += [drift_finding(row.asDict()) for row in rows]
    if not results:
        return DriftGate()
    blocking = [f for f in findings if f["level"] == "error"]
    failures = [Failure(f["metric"], f["description"], f["value"]) for f in blocking]
    return DriftGate(
        verdict=TableVerdict(DRIFT_TABLE, not failures, len(results), failures),
        warnings=[f["description"] for f in findings if f["level"] == "warn"],
    )
