"""``sqlscore expectations init TABLE``: write a first suite for a published table."""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path

from sqlscore.registry import Registry


def add_parsers(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    expectations = subparsers.add_parser(
        "expectations", help="the gate's Great Expectations suites (one per published table)"
    )
    commands = expectations.add_subparsers(dest="expectations_command", required=True, metavar="COMMAND")
    init = commands.add_parser(
        "init",
        help="write a suite for a published dbt model from its contract and its model's card",
        description="Writes <expectations>/<TABLE>.json: column list and types from the dbt contract, "
        "key unique and not null, row count equal to the scored input, score not null (and within "
        "[0, 1] for a classifier), provenance equal to what predict_<model> is bound to. Edit it "
        "afterwards like any suite.",
    )
    init.add_argument("table", metavar="TABLE", help="the published dbt model (meta.sqlscore.publish: true)")
    init.add_argument("--expectations", help="folder of the suites (default expectations/)")
    init.add_argument("--force", action="store_true", help="replace an existing suite")
    init.set_defaults(handler=cmd_init)


def cmd_init(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    path, count = write_initial_suite(args.table, registry, warehouse, args.expectations, force=args.force)
    print(f"wrote {path} ({count} expectations); edit it like any suite")
    return 0


def write_initial_suite(
    table: str,
    registry: Registry,
    warehouse: Path,
    expectations: str | None,
    *,
    project: Path | None = None,
    force: bool = False,
) -> tuple[Path, int]:
    """Parse the dbt project, write ``table``'s first suite; returns its path and size."""
    from sqlscore.gate.gx_run import expectations_path
    from sqlscore.gate.suite_init import initial_suite, write_suite
    from sqlscore.pipeline.dbt import DbtInvocation, parse_project
    from sqlscore.settings import DEFAULT_AS_OF

    invocation = DbtInvocation(
        warehouse.resolve(), registry, DEFAULT_AS_OF, str(uuid.uuid4()), project_dir=project
    )
    suite = initial_suite(parse_project(invocation), table, registry)
    return write_suite(suite, expectations_path(expectations), force=force), len(suite["expectations"])
