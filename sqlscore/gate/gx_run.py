"""Loading the suites in ``expectations/`` and running them against candidate tables.

Metrics are computed by DuckDB through SQL (GX's SQLAlchemy engine); no table
is pulled into pandas. An expectation that raised an exception is a failure
with the exception as its observed value, never a pass.
"""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlscore.errors import ConfigError, GateError
from sqlscore.settings import EXPECTATIONS, project_folder


def expectations_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    return project_folder("expectations", EXPECTATIONS, explicit)


@dataclass(frozen=True)
class Failure:
    """One failed expectation: what it checks and what was observed."""

    expectation: str
    description: str
    observed: Any

    def __str__(self) -> str:
        return f"{self.expectation} ({self.description}): observed {self.observed}"


@dataclass
class TableVerdict:
    table: str
    success: bool
    evaluated: int
    failures: list[Failure] = field(default_factory=list)


def load_suite(folder: Path, table: str) -> dict[str, Any]:
    path = folder / f"{table}.json"
    if not path.is_file():
        raise ConfigError(f"no expectation suite for published table {table}: expected {path}")
    try:
        suite: dict[str, Any] = json.loads(path.read_text())
    except ValueError as exc:
        raise ConfigError(f"expectation suite {path} is not valid JSON: {exc}") from exc
    return suite


def _describe(config: Any) -> str:
    kwargs = dict(config.kwargs)
    description = getattr(config, "description", None) or kwargs.get("description")
    if description:
        return str(description)
    kwargs.pop("batch_id", None)
    return ", ".join(f"{k}={v}" for k, v in kwargs.items())


def _observed(result: Any) -> Any:
    info = result.exception_info or {}
    if isinstance(info, dict) and not info.get("raised_exception", False):
        # per-metric form: {metric_id: {"raised_exception": ..., "exception_message": ...}}
        nested = [v for v in info.values() if isinstance(v, dict) and v.get("raised_exception")]
        if nested:
            info = nested[0]
    if isinstance(info, dict) and info.get("raised_exception"):
        return f"exception: {info.get('exception_message')}"
    details = result.result or {}
    if "details" in details and details["details"].get("unexpected_rows"):
        return details["details"]["unexpected_rows"][:5]
    if "observed_value" in details:
        return details["observed_value"]
    if "unexpected_count" in details:
        return {
            "unexpected_count": details["unexpected_count"],
            "partial_unexpected_list": details.get("partial_unexpected_list", [])[:5],
        }
    return details


def explain_unexpected_rows(
    verdicts: list[TableVerdict],
    suites: dict[str, dict[str, Any]],
    first_rows: Callable[[str, str], list[dict[str, Any]]],
) -> None:
    """Replace the bare count of a failed SQL expectation by the rows its query returned.

    GX reports only how many rows an ``unexpected_rows_expectation`` query returned
    (its rows come back only in the COMPLETE result format, which would also pull
    whole unexpected-value lists of column checks into Python). The queries of the
    suites return the figures themselves (PSI, means, shares), so they are rerun by the
    warehouse that holds the candidates: ``first_rows(query, table)`` returns the first five
    rows of ``query`` with ``{batch}`` standing for that candidate table (DuckDB here, Spark in
    :mod:`sqlscore.gate.gx_spark`).
    """
    for verdict in verdicts:
        queries = {
            (e.get("description") or e["kwargs"].get("description")): e["kwargs"]["unexpected_rows_query"]
            for e in suites[verdict.table]["expectations"]
            if e["type"] == "unexpected_rows_expectation"
        }
        for index, failure in enumerate(verdict.failures):
            query = queries.get(failure.description)
            if failure.expectation != "unexpected_rows_expectation" or query is None:
                continue
            if isinstance(failure.observed, str) and failure.observed.startswith("exception"):
                continue
            rows = first_rows(query, verdict.table)
            verdict.failures[index] = Failure(failure.expectation, failure.description, rows)


def _explain_in_duckdb(
    warehouse: Path, verdicts: list[TableVerdict], suites: dict[str, dict[str, Any]], config: dict[str, str]
) -> None:
    """:func:`explain_unexpected_rows` with the queries run in the warehouse, read-only."""
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True, config=dict(config)) as con:

        def first_rows(query: str, table: str) -> list[dict[str, Any]]:
            relation = con.sql(query.replace("{batch}", f"candidate.{table}")).limit(5)
            return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]

        explain_unexpected_rows(verdicts, suites, first_rows)


def validate_in_this_process(
    warehouse: Path,
    tables: list[str],
    folder: Path,
    docs_dir: Path | None = None,
    progress_bars: bool = False,
    memory_limit: str | None = None,
) -> list[TableVerdict]:
    """Validate ``candidate.<table>`` for each table with ``<folder>/<table>.json``.

    ``progress_bars`` shows GX's "Calculating Metrics" bars (for a terminal; a log gets none).
    ``memory_limit`` is DuckDB's on every connection the gate opens (``sqlscore run`` passes its
    own: the gate's metrics scan the whole candidate tables).

    Runs Great Expectations in the calling process; :func:`sqlscore.gate.validate_tables`
    runs this in a child process (see :mod:`sqlscore.gate.validate` for why).
    """
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    from sqlscore.gate.gx_duckdb import close_connections  # also registers sqlscore_duckdb
    from sqlscore.warehouse.database import memory_config

    suites = {table: load_suite(folder, table) for table in tables}
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=progress_bars)
    if docs_dir is not None:
        _add_docs_site(context, docs_dir)
    config = memory_config(memory_limit)
    datasource = context.data_sources.add_sqlscore_duckdb(
        name="warehouse",
        connection_string=f"duckdb:///{warehouse.resolve()}",
        kwargs={"connect_args": {"config": config}},  # to duckdb.connect, through duckdb_engine
    )
    try:
        outcome = _checkpoint(context, datasource, suites, with_docs=docs_dir is not None).run()
        by_suite = {result.suite_name: result for result in outcome.run_results.values()}
        verdicts = [_verdict(table, by_suite[suites[table]["name"]]) for table in suites]
    except Exception as exc:  # a gate that cannot run blocks the publish
        raise GateError(f"the gate could not validate {', '.join(tables)}: {exc}") from exc
    finally:
        # Release every DuckDB connection GX opened: the warehouse is opened next with
        # another configuration, which DuckDB refuses while any of them lives.
        from great_expectations.data_context.data_context.context_factory import project_manager

        datasource.get_engine().dispose()
        project_manager.set_project(None)  # GX keeps the last context (and its engines) globally
        del context, datasource
        close_connections()
        gc.collect()
    _explain_in_duckdb(warehouse, verdicts, suites, config)
    return verdicts


def _add_docs_site(context: Any, docs_dir: Path) -> None:
    """Data Docs written under ``docs_dir`` (a local folder: the pages are made to open offline)."""
    context.add_data_docs_site(
        site_name="sqlscore",
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(docs_dir.resolve()),
            },
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )


def _checkpoint(context: Any, datasource: Any, suites: dict[str, dict[str, Any]], with_docs: bool) -> Any:
    """One checkpoint validating every ``candidate.<table>`` against its suite, in one GX run."""
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction

    definitions = []
    for table, suite_json in suites.items():
        asset = datasource.add_table_asset(name=table, table_name=table, schema_name="candidate")
        batch = asset.add_batch_definition_whole_table(f"{table}_all")
        suite = context.suites.add(gx.ExpectationSuite(**suite_json))
        definition = gx.ValidationDefinition(name=f"{table}_gate", data=batch, suite=suite)
        definitions.append(context.validation_definitions.add(definition))
    return context.checkpoints.add(
        gx.Checkpoint(
            name="sqlscore_gate",
            validation_definitions=definitions,
            actions=[UpdateDataDocsAction(name="data_docs", site_names=["sqlscore"])] if with_docs else [],
            result_format={"result_format": "SUMMARY"},
        )
    )


def _verdict(table: str, run: Any) -> TableVerdict:
    """A table passes when every expectation succeeded and none raised."""
    failures = [
        Failure(
            str(getattr(r.expectation_config, "type", "?")), _describe(r.expectation_config), _observed(r)
        )
        for r in run.results
        if not r.success or (r.exception_info or {}).get("raised_exception")
    ]
    return TableVerdict(table, not failures and bool(run.success), len(run.results), failures)
