"""``sqlscore demo-data`` and ``sqlscore train-demo``: the demo warehouse and models."""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlscore.registry import Registry


def add_parsers(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    data = subparsers.add_parser(
        "demo-data",
        help="write the raw demo tables (churn and credit risk) into the warehouse",
        description="(Re)create raw.customers, raw.usage_events, raw.support_tickets, "
        "raw.churn_labels and raw.loan_applications; deterministic for a seed. With --months N: N month "
        "ends of drifting data (prices, a new plan, one region's churn), the whole history in schema "
        "demo_feed and in raw what was known on 2026-10-31; `sqlscore demo-replay` runs them in order.",
    )
    data.add_argument("--customers", type=int, default=50_000, help="number of customers (default 50000)")
    data.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    data.add_argument(
        "--months",
        type=int,
        help="N monthly snapshots ending 2026-10-31 with a documented drift (prices, a new plan, one "
        "region's churn), the history in schema demo_feed; without it, one as-of date",
    )
    data.add_argument(
        "--target",
        choices=("duckdb", "spark"),
        default="duckdb",
        help="spark: also copy the raw tables into Spark (database raw, in $SQLSCORE_SPARK_WAREHOUSE)",
    )
    data.set_defaults(handler=cmd_demo_data)

    replay = subparsers.add_parser(
        "demo-replay",
        help="run the monthly demo's as-of dates in order (after demo-data --months N)",
        description="For each as-of month of demo_feed, in order: load into raw what was known at its "
        "end (its customers, their usage and tickets so far, the churn labels of the months ended), then "
        "`sqlscore run --as-of <month end>`. When the registry has no demo models, trains them first on "
        "the history month (the one before the first as-of date). After each month: when the drift gate "
        "fired for a model without a challenger of its own, a challenger is trained on the latest labelled "
        "month (alias challenger: the next run shadow-scores it); when the gate blocked, the challenger is "
        "promoted to champion and the month run again. Prints each month's champion and challenger AUC "
        "(estimated, realised) and which gate fired. Needs a fresh warehouse.",
    )
    replay.add_argument("--months", type=int, help="replay only the first N months")
    replay.add_argument("--no-train", action="store_true", help="never train: the registry has the models")
    replay.set_defaults(handler=cmd_demo_replay)

    train = subparsers.add_parser(
        "train-demo",
        help="train and export the churn and risk demo models",
        description="Train both demo models from the warehouse and register them. By default "
        "a model the registry already has is left alone; the first version becomes champion.",
    )
    train.add_argument("--retrain", action="store_true", help="register new versions even if models exist")
    train.set_defaults(handler=cmd_train_demo)

    summary = subparsers.add_parser("demo-summary", help="what the demo built and how to query it")
    summary.set_defaults(handler=cmd_demo_summary)


def cmd_demo_data(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    from sqlscore.tools.demo.data import generate

    summary = generate(warehouse, customers=args.customers, seed=args.seed, months=args.months)
    for table, rows in summary.rows.items():
        print(f"{table:<28} {rows:>12,} rows")
    months = f", {args.months} months ending 2026-10-31" if args.months else ""
    print(f"demo data written to {warehouse} in {summary.seconds:.1f} s (seed {args.seed}{months})")
    if args.target == "spark":
        _copy_to_spark(warehouse, list(summary.rows))
    return 0


def _copy_to_spark(warehouse: Path, tables: list[str]) -> None:
    """The same rows as Spark tables (one generator; see :mod:`sqlscore.spark.demo_tables`)."""
    from sqlscore.settings import SPARK_MASTER, spark_warehouse_path
    from sqlscore.spark.demo_tables import copy_tables_to_spark
    from sqlscore.spark.session import SparkTarget, start_session

    target = SparkTarget(str(SPARK_MASTER.read()), spark_warehouse_path(warehouse.resolve()))
    spark = start_session(target)
    counts = copy_tables_to_spark(spark, warehouse, tables, target.warehouse_dir / "_staging")
    for table, rows in counts.items():
        print(f"{table:<28} {rows:>12,} rows in Spark")
    print(f"Spark tables written to {target.warehouse_dir} (master {target.master})")


def cmd_demo_replay(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    from sqlscore.tools.demo.challenger import demo_hooks
    from sqlscore.tools.demo.monthly import replay

    results = replay(warehouse, registry, hooks=demo_hooks(), train=not args.no_train, months=args.months)
    print("\nas-of date   customers   labels known   run")
    for month in results:
        outcome = {0: "published", 1: "blocked"}.get(month.exit_code, f"exit {month.exit_code}")
        print(
            f"{month.as_of}  {month.customers:>9,}  {month.labels_known:>13,}   "
            f"{outcome} ({month.seconds:.0f} s)"
        )
    return 0


def cmd_train_demo(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    from sqlscore.tools.demo.train import train_demo_models
    from sqlscore.warehouse.ml_models import refresh_catalog_file

    cards = train_demo_models(warehouse, registry, only_missing=not args.retrain)
    for card in cards:
        auc = card.training_metrics.get("holdout_roc_auc")
        print(
            f"registered {card.ref} ({card.estimator}); hold-out AUC {auc:.3f}; "
            f"parity max abs diff {card.parity['max_abs_diff']:.2g}"
        )
    if not cards:
        print(f"registry {registry.root} already has the demo models; nothing trained")
    refresh_catalog_file(warehouse, registry)
    return 0


def cmd_demo_summary(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    import duckdb

    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute(
            "select schema_name || '.' || table_name, estimated_size from duckdb_tables() order by 1"
        ).fetchall()
    print(f"\nWarehouse {warehouse}:")
    for table, rows in tables:
        print(f"  {table:<32} ~{rows:>12,} rows")
    print(f"Registry {registry.root}:")
    for name in registry.models():
        aliases = ", ".join(f"{a}={v}" for a, v in sorted(registry.aliases(name).items()))
        print(f"  {name:<10} versions {', '.join(registry.versions(name))}  ({aliases or 'no alias'})")
    from sqlscore.settings import serving_path

    serving = serving_path(warehouse)
    print("\nTry:")
    print("  .venv/bin/sqlscore models list")
    print("  .venv/bin/sqlscore models show churn")
    print(
        '  .venv/bin/sqlscore sql "select region, round(avg(churn_probability), 3) as churn '
        'from published.customer_churn_scores group by all order by 2 desc"'
    )
    print("  .venv/bin/sqlscore shell")
    print(
        f"  .venv/bin/python -c \"import duckdb; print(duckdb.connect('{serving}', read_only=True)"
        ".sql('select risk_band, count(*) from loan_application_risk_scores group by all'))\""
    )
    print(
        f"  .venv/bin/python -c \"import duckdb; print(duckdb.connect('{serving}', read_only=True)"
        ".sql('select predict_risk_sql(52000, 21.5, 4, \\'car\\', 12000, 36, 0, \\'rent\\', 0.23) as p'))\""
    )
    print("  .venv/bin/sqlscore compile churn --dialect postgres   # the model as a PostgreSQL function")
    print(
        f"\nReaders (analysts, BI tools, notebooks) open the serving file {serving.name}, read-only: it holds"
        "\nthe published tables, their history (<table>_history, every published as-of date), the"
        "\ndescriptions as comments and the predict_*_sql macros, and a publish replaces it whole."
        f"\nThe warehouse {warehouse.name} is for the scheduled writer: a process holding it open, even"
        "\nread-only, makes the next `sqlscore run` fail (DuckDB lets one process write a file)."
    )
    return 0
