"""``sqlscore scaffold MODEL --source SCHEMA.TABLE --key COLUMN``: dbt models and suite for a model."""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlscore.registry import Registry


def add_parsers(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    scaffold = subparsers.add_parser(
        "scaffold",
        help="write the dbt models (staging, features, scores, published mart) and the suite for a model",
        description="For a registered model whose features are columns of one source table: writes "
        "the staging, intermediate, scoring and mart models with their yml into the dbt project, "
        "then the mart's suite (as `sqlscore expectations init` does). Nothing is overwritten.",
    )
    scaffold.add_argument("model", metavar="MODEL", help="registered model name")
    scaffold.add_argument("--source", required=True, help="[SCHEMA.]TABLE holding the key and the features")
    scaffold.add_argument("--key", required=True, help="the entity key column (one row per key)")
    scaffold.add_argument(
        "--project", help="dbt project folder (default: dbt_project/ or $SQLSCORE_DBT_PROJECT)"
    )
    scaffold.add_argument("--expectations", help="folder of the suites (default expectations/)")
    scaffold.set_defaults(handler=cmd_scaffold)


def cmd_scaffold(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    from sqlscore.cli.expectations import write_initial_suite
    from sqlscore.pipeline.dbt import dbt_project_dir
    from sqlscore.tools.scaffold import check_source, plan_scaffold, write_scaffold
    from sqlscore.warehouse.database import open_warehouse

    plan = plan_scaffold(args.model, args.source, args.key)
    card = registry.resolve(plan.model)
    with open_warehouse(warehouse, read_only=True) as con:
        plan = check_source(con, plan, card)
    project = Path(args.project) if args.project else dbt_project_dir()
    for path in write_scaffold(project, card, plan):
        print(f"wrote {path}")
    suite, _ = write_initial_suite(plan.mart, registry, warehouse, args.expectations, project=project)
    print(f"wrote {suite}")
    print(f"next: sqlscore run  (gates and publishes {plan.mart}); edit the models and the suite as you need")
    return 0
