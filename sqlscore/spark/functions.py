"""Every declared model function, registered in the Spark session before dbt runs, and said so.

The same declarations (``udfs/functions.yml``) and the same engine choice as on DuckDB: engine
``sql`` is the compiler's Spark dialect as a temporary SQL function (Spark inlines it, so it runs
in the JVM with no Python); engine ``onnx`` is the Arrow-batched UDF of :mod:`.onnx_udf`; engine
``auto`` is what :func:`~sqlscore.functions.engine_choice.choose_engine` chose for the version
(measured on DuckDB, kept with the version). ``main.ml_functions`` then records what is bound to
what, with the columns dbt's ``predict()`` reads on DuckDB.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from sqlscore.compiler.dialects import create_statement
from sqlscore.errors import SqlscoreError
from sqlscore.functions.declarations import FunctionDeclaration, load_declarations
from sqlscore.functions.registration import signature_of
from sqlscore.registry import CHAMPION, ModelCard, Registry
from sqlscore.spark.onnx_udf import onnx_udf, shipped_name
from sqlscore.warehouse.ml_functions import REFERENCE_BINS_TABLE, reference_bin_rows

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: The catalog table dbt's predict() macros read (``main.ml_functions``, as on DuckDB).
CATALOG_DATABASE = "main"
FUNCTIONS_TABLE = "ml_functions"
#: The registry as a table (``main.ml_models``, the columns of DuckDB's that the gate's suites read).
MODELS_TABLE = "ml_models"
_MODELS_SCHEMA = (
    "model_name string, model_version int, aliases array<string>, is_champion boolean, sha256 string, "
    "card string, refreshed_at timestamp, feature_names array<string>, feature_sql_types array<string>, "
    "training_metrics string"
)

#: ``main.ml_reference_bins`` on Spark: DuckDB's columns (:mod:`sqlscore.warehouse.ml_functions`)
_REFERENCE_BINS_SCHEMA = (
    "model_name string, model_version int, feature string, kind string, bin int, lower_edge double, "
    "upper_edge double, category string, reference_share double"
)

_CATALOG_SCHEMA = (
    "function_name string, model_name string, model_version int, model_sha256 string, engine string, "
    "output string, feature_names array<string>, score_decile_edges array<double>, error string, "
    "registered_at timestamp, engine_requested string, engine_reason string"
)


@dataclass
class SparkBindings:
    """What registration did: function -> (card, engine), and the reasons of those it could not."""

    bound: dict[str, tuple[FunctionDeclaration, ModelCard, str, str | None]] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)


def resolved_engine(
    registry: Registry, card: ModelCard, declaration: FunctionDeclaration, returns: str
) -> tuple[str, str | None]:
    """The engine a declaration runs on Spark, and why when it was ``auto``: DuckDB's choice."""
    if declaration.engine != "auto":
        return declaration.engine, None
    from sqlscore.functions.engine_choice import choose_engine

    choice = choose_engine(registry, card, declaration.name, declaration.output, returns)
    return choice.engine, choice.reason


def register_sql(spark: SparkSession, registry: Registry, card: ModelCard, name: str, output: str) -> None:
    """The compiled model as a temporary Spark SQL function (``CREATE TEMPORARY FUNCTION``)."""
    from sqlscore.functions.sql_engine import compiled_function

    params, returns = signature_of(card, output)
    compiled = compiled_function(registry, card, name, output, returns)
    statement = create_statement(
        compiled.name, compiled.parameters, compiled.return_type, compiled.expression_sql("spark"), "spark"
    )
    # a Python UDF of the same name (an earlier registration with engine onnx) is not replaced
    spark.sql(f"drop temporary function if exists {name}")
    spark.sql(statement.replace("CREATE OR REPLACE FUNCTION", "CREATE OR REPLACE TEMPORARY FUNCTION", 1))


def shipping_folder(spark: SparkSession) -> Path:
    """Where the driver puts the artifacts it ships with the job: inside the warehouse folder."""
    return Path(str(spark.conf.get("spark.sql.warehouse.dir")).removeprefix("file:")) / "_shipped_models"


def register_onnx(spark: SparkSession, registry: Registry, card: ModelCard, name: str, output: str) -> None:
    """The ONNX UDF, its artifact shipped with the job (checked here first, on executors again)."""
    artifact = registry.load_artifact(card)  # sha256 checked on the driver
    ship = shipping_folder(spark)
    ship.mkdir(parents=True, exist_ok=True)
    path = ship / shipped_name(card)
    if not path.exists():
        path.write_bytes(artifact)
    context = spark.sparkContext
    if shipped_name(card) not in {Path(p).name for p in context.listFiles}:
        context.addFile(str(path))
    spark.sql(f"drop temporary function if exists {name}")  # a SQL function of an earlier registration
    spark.udf.register(name, onnx_udf(name, card, output))


def register_functions(
    spark: SparkSession, registry: Registry, udfs: str | None = None, engine: str | None = None
) -> SparkBindings:
    """Register every declared score function; record the rest with their reasons."""
    bindings = SparkBindings()
    for declaration in load_declarations(registry, udfs, engine):
        try:
            card = registry.resolve(declaration.model)
            if declaration.output != "score":
                raise SqlscoreError(f"output {declaration.output!r} is not served on Spark yet (score only)")
            _, returns = signature_of(card, declaration.output)
            chosen, reason = resolved_engine(registry, card, declaration, returns)
            if chosen == "sql":
                register_sql(spark, registry, card, declaration.name, declaration.output)
            else:
                register_onnx(spark, registry, card, declaration.name, declaration.output)
        except Exception as exc:  # one function's failure is recorded; the others still work
            reason_text = f"function {declaration.name} ({declaration.model}) not registered on Spark: {exc}"
            bindings.failed[declaration.name] = reason_text
            print(f"sqlscore: {reason_text}", file=sys.stderr)
        else:
            bindings.bound[declaration.name] = (declaration, card, chosen, reason)
    write_function_catalog(spark, bindings)
    write_model_catalog(spark, registry)
    write_reference_bins(spark, registry, bindings)
    return bindings


def write_model_catalog(spark: SparkSession, registry: Registry) -> None:
    """``main.ml_models`` in Spark: every readable version with its card (JSON text).

    The gate's distribution checks read the reference saved at export from the card, joined to
    ``main.ml_functions``, exactly as on DuckDB (:mod:`sqlscore.warehouse.ml_models`); the
    monitoring models read the features (names and SQL types) and the training metrics, columns
    of DuckDB's table too.
    """
    now = datetime.now(UTC).replace(tzinfo=None)
    scanned = registry.scan()
    rows = [
        (
            card.name,
            int(card.version),
            held,
            CHAMPION in held,
            card.sha256,
            card.to_json(),
            now,
            list(card.feature_names),
            [feature.sql_type for feature in card.features],
            json.dumps(card.training_metrics),
        )
        for name, cards in scanned.cards.items()
        for card in cards
        for held in [sorted(a for a, v in scanned.aliases[name].items() if v == card.version)]
    ]
    spark.sql(f"create database if not exists {CATALOG_DATABASE}")
    frame = spark.createDataFrame(rows, schema=_MODELS_SCHEMA)
    frame.write.mode("overwrite").format("parquet").saveAsTable(f"{CATALOG_DATABASE}.{MODELS_TABLE}")


def write_reference_bins(spark: SparkSession, registry: Registry, bindings: SparkBindings) -> None:
    """``main.ml_reference_bins`` in Spark: the bound versions' reference bins, the very rows
    DuckDB's registration writes, which the monitoring models compare each as-of date with."""
    bound = [(declaration, card) for declaration, card, _, _ in bindings.bound.values()]
    profiles = {card.ref: registry.input_profile(card) for _, card in bound}
    rows = reference_bin_rows(bound, profiles)
    spark.sql(f"create database if not exists {CATALOG_DATABASE}")
    frame = spark.createDataFrame(rows, schema=_REFERENCE_BINS_SCHEMA)
    frame.write.mode("overwrite").format("parquet").saveAsTable(f"{CATALOG_DATABASE}.{REFERENCE_BINS_TABLE}")


def write_function_catalog(spark: SparkSession, bindings: SparkBindings) -> None:
    """``main.ml_functions`` in Spark: one row per function, as :mod:`sqlscore.warehouse.ml_functions`."""
    now = datetime.now(UTC).replace(tzinfo=None)
    rows: list[tuple[object, ...]] = [
        (
            name,
            card.name,
            int(card.version),
            card.sha256,
            chosen,
            declaration.output,
            list(card.feature_names),
            [float(e) for e in card.score_reference.get("decile_edges") or []] or None,
            None,
            now,
            declaration.engine,
            reason,
        )
        for name, (declaration, card, chosen, reason) in bindings.bound.items()
    ]
    rows += [
        (name, None, None, None, None, None, None, None, why, now, None, None)
        for name, why in bindings.failed.items()
    ]
    spark.sql(f"create database if not exists {CATALOG_DATABASE}")
    frame = spark.createDataFrame(rows, schema=_CATALOG_SCHEMA)
    frame.write.mode("overwrite").format("parquet").saveAsTable(f"{CATALOG_DATABASE}.{FUNCTIONS_TABLE}")
