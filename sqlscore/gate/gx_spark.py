"""The gate on Spark: the suites of ``expectations/`` run by Great Expectations' Spark engine.

It runs in the driver, in the run's own Spark session: the candidates are Spark tables whose
names live in that session's metastore (a local warehouse's Derby metastore admits one JVM), so
there is no child process as on DuckDB (:mod:`sqlscore.gate.validate`). Each
``candidate.<table>`` is handed to GX as a dataframe (GX 1.x's ``spark`` datasource, a
``dataframe`` asset, the frame passed as a batch parameter); the metrics run as Spark jobs on the
executors, and nothing is collected but their results. The suites' SQL expectations are DuckDB
SQL, translated once per query by :mod:`sqlscore.gate.spark_sql`.

GX's own Spark datasource asks pyspark for a session itself, trying a Spark Connect session
first (which needs grpc, and would not be the session holding the candidates): the datasource
type ``sqlscore_spark`` below gives GX the run's session instead; GX's classes stay untouched.
"""

from __future__ import annotations

import builtins
import gc
import logging
import sys
from typing import TYPE_CHECKING, Any, ClassVar, Literal


def hide_spark_connect() -> None:
    """Keep Great Expectations from importing Spark Connect, which the gate never uses.

    GX imports ``pyspark.sql.connect`` when it is importable. Without grpc (not installed here),
    pyspark takes a process whose ``__main__`` has no file (``python -c``, a notebook kernel, a
    pytest-xdist worker) for a doctest run and ends it with ``sys.exit(0)``: a run driven that way
    would stop at the gate looking successful. The session here is classic Spark; a ``None`` entry
    makes GX see Connect as absent. (The DuckDB gate hides all of pyspark:
    :func:`sqlscore.gate.child.hide_pyspark`; this gate needs ``pyspark.sql``.)
    """
    sys.modules.setdefault("pyspark.sql.connect", None)  # type: ignore[arg-type]


hide_spark_connect()

from great_expectations.datasource.fluent import SparkDatasource  # noqa: E402
from great_expectations.execution_engine import SparkDFExecutionEngine  # noqa: E402

from sqlscore.errors import GateError  # noqa: E402
from sqlscore.gate.gx_run import TableVerdict, _verdict, explain_unexpected_rows, load_suite  # noqa: E402
from sqlscore.gate.spark_sql import COLUMNS_VIEW, register_columns_view, spark_suite  # noqa: E402

if TYPE_CHECKING:
    from pathlib import Path

    from pyspark.sql import DataFrame, SparkSession

#: The database of the candidates on Spark (as on DuckDB: ``candidate.<table>``).
CANDIDATE_DATABASE = "candidate"


class SessionSparkExecutionEngine(SparkDFExecutionEngine):
    """GX's Spark engine on the session the run started (never a new or a Connect session)."""

    session: ClassVar[Any] = None

    @staticmethod
    def get_or_create_spark_session(spark_config: Any = None) -> Any:
        if SessionSparkExecutionEngine.session is None:
            raise GateError("the Spark gate was started without the run's Spark session")
        return SessionSparkExecutionEngine.session


class SessionSparkDatasource(SparkDatasource):
    """A Spark dataframe datasource on the run's session."""

    type: Literal["sqlscore_spark"] = "sqlscore_spark"  # type: ignore[assignment]

    @property
    def execution_engine_type(self) -> builtins.type[SparkDFExecutionEngine]:
        return SessionSparkExecutionEngine


def validate_on_spark(spark: SparkSession, tables: list[str], folder: Path) -> list[TableVerdict]:
    """Validate ``candidate.<table>`` on Spark for each table with ``<folder>/<table>.json``.

    A suite that cannot be translated or run is a :class:`GateError`: the caller blocks.
    """
    suites = {table: spark_suite(load_suite(folder, table)) for table in tables}
    frames = {table: spark.table(f"{CANDIDATE_DATABASE}.{table}") for table in tables}
    register_columns_view(spark, {f"{CANDIDATE_DATABASE}.{t}": f"{CANDIDATE_DATABASE}.{t}" for t in tables})
    SessionSparkExecutionEngine.session = spark
    try:
        verdicts = [_validate_one(table, suites[table], frames[table]) for table in tables]
    except GateError:
        raise
    except Exception as exc:  # a gate that cannot run blocks the publish
        raise GateError(f"the gate on Spark could not validate {', '.join(tables)}: {exc}") from exc
    finally:
        _release(spark, frames)
    explain_in_spark(spark, verdicts, suites)
    return verdicts


def _validate_one(table: str, suite_json: dict[str, Any], frame: DataFrame) -> TableVerdict:
    """One suite against one dataframe, in its own ephemeral GX context."""
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    # GX sets this logger to INFO and says "Created temporary directory ... for ephemeral docs
    # site" for every ephemeral context; in the run's process the root logger has a handler
    # (dbt's snowplow_tracker calls logging.basicConfig()), so the line would reach the job's log
    logging.getLogger("great_expectations.data_context.types.base").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    datasource = context.data_sources.add_sqlscore_spark(name="spark")
    asset = datasource.add_dataframe_asset(name=table)
    batch = asset.add_batch_definition_whole_dataframe(f"{table}_all")
    suite = context.suites.add(gx.ExpectationSuite(**suite_json))
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=f"{table}_gate", data=batch, suite=suite)
    )
    result = definition.run(batch_parameters={"dataframe": frame}, result_format="SUMMARY")
    return _verdict(table, result)


def _release(spark: SparkSession, frames: dict[str, DataFrame]) -> None:
    """Forget the session, the cached candidates (GX persists a batch) and the columns view."""
    from great_expectations.data_context.data_context.context_factory import project_manager

    SessionSparkExecutionEngine.session = None
    project_manager.set_project(None)  # GX keeps the last context (and its engine) globally
    for frame in frames.values():
        frame.unpersist()
    spark.catalog.dropTempView(COLUMNS_VIEW)
    spark.catalog.dropTempView("tmp_view")  # where GX's Spark query metrics put the batch
    gc.collect()


def explain_in_spark(
    spark: SparkSession, verdicts: list[TableVerdict], suites: dict[str, dict[str, Any]]
) -> None:
    """:func:`~sqlscore.gate.gx_run.explain_unexpected_rows` with the queries run in Spark."""

    def first_rows(query: str, table: str) -> list[dict[str, Any]]:
        frame = spark.sql(query.replace("{batch}", f"{CANDIDATE_DATABASE}.{table}")).limit(5)
        return [row.asDict() for row in frame.collect()]

    explain_unexpected_rows(verdicts, suites, first_rows)
