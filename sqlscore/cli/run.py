"""``sqlscore run``: dbt build, gate, publish; the command a scheduler calls."""

from __future__ import annotations

import argparse
import signal
from pathlib import Path
from typing import TYPE_CHECKING

from sqlscore.cli.output import error
from sqlscore.registry import Registry

if TYPE_CHECKING:
    from sqlscore.pipeline.steps import RunOutcome


def add_parsers(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    run = subparsers.add_parser(
        "run",
        help="build the scores with dbt, audit them with Great Expectations, publish them",
        description="Exit 0: published. Exit 1: the gate blocked the publish (consumers keep the "
        "last good version; the candidates are kept in the quarantine schema). Exit 2: error. "
        "Safe to run again after any failure.",
    )
    run.add_argument("--as-of", help="as-of date of the features (default 2026-10-31 or $SQLSCORE_AS_OF)")
    run.add_argument(
        "--backfill",
        action="store_true",
        help="rescore an as-of date earlier than the newest one scored (past dates are frozen otherwise)",
    )
    run.add_argument(
        "--select",
        "-s",
        nargs="+",
        metavar="SELECTOR",
        help="limit the run to these dbt models (dbt selector syntax, e.g. +customer_churn_scores) and "
        "the tests whose parents are all selected or built before them (dbt's buildable indirect "
        "selection); only the published tables selected are gated and published",
    )
    run.add_argument(
        "--target",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="the warehouse: duckdb (default) or spark (master $SQLSCORE_SPARK_MASTER, default local[2]; "
        "tables in $SQLSCORE_SPARK_WAREHOUSE)",
    )
    run.add_argument("--expectations", help="folder of the suites (default expectations/)")
    run.add_argument(
        "--docs", help="folder for the Great Expectations Data Docs (default: beside the warehouse)"
    )
    run.set_defaults(handler=cmd_run)


def _interrupt(signum: int, frame: object) -> None:
    """A scheduler's SIGTERM ends the run like Ctrl-C: recorded ``interrupted``, lock released."""
    raise KeyboardInterrupt(f"stopped by signal {signal.Signals(signum).name}")


def cmd_run(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    from sqlscore.pipeline.steps import run_pipeline
    from sqlscore.settings import MEMORY_LIMIT
    from sqlscore.warehouse.database import check_memory_limit

    signal.signal(signal.SIGTERM, _interrupt)
    if args.target == "spark":
        return _report(_run_spark(args, registry, warehouse))
    outcome = run_pipeline(
        warehouse.resolve(),
        registry,
        as_of=args.as_of,
        expectations=Path(args.expectations) if args.expectations else None,
        docs_dir=Path(args.docs) if args.docs else None,
        backfill=args.backfill,
        select=args.select,
        fork_gate=True,  # nothing is open yet in this process
        memory_limit=check_memory_limit(MEMORY_LIMIT.read(), MEMORY_LIMIT.env),
    )
    return _report(outcome)


def _run_spark(args: argparse.Namespace, registry: Registry, warehouse: Path) -> RunOutcome:
    """``--target spark``: the same project, built and published in a Spark session."""
    from sqlscore.pipeline.steps import RunOutcome
    from sqlscore.settings import SPARK_KEEP_VERSIONS, SPARK_MASTER, ExitCode, spark_warehouse_path
    from sqlscore.spark.pipeline import SparkRunRequest, run_on_spark
    from sqlscore.spark.session import SparkTarget

    if args.backfill:
        return RunOutcome(
            "-", ExitCode.ERROR, "failed", "--backfill is not supported with --target spark yet"
        )
    target = SparkTarget(str(SPARK_MASTER.read()), spark_warehouse_path(warehouse.resolve()))
    request = SparkRunRequest(
        target,
        registry,
        as_of=args.as_of,
        select=args.select,
        keep_versions=int(str(SPARK_KEEP_VERSIONS.read())),
        expectations=Path(args.expectations) if args.expectations else None,
    )
    return run_on_spark(request)


def _report(outcome: RunOutcome) -> int:
    from sqlscore.settings import ExitCode

    for table in outcome.quarantined:
        print(f"  quarantined candidate: {table}")
    if outcome.timings:
        print("  seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in outcome.timings.items()))
    # one line a log search finds: the outcome, its exit code and why
    print(f"run {outcome.run_id}: {outcome.status} (exit {outcome.exit_code}): {outcome.message}")
    if outcome.exit_code == ExitCode.ERROR:
        error(outcome.message)  # stderr too, where a scheduler looks for the cause
    return outcome.exit_code
