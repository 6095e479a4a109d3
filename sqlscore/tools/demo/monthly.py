"""A demo that lives in time: ``sqlscore demo-data --months N`` and its replay, month by month.

The data (``monthly.sql``) holds N as-of month ends, the last 2026-10-31, after one history
month (the month before, whose outcome the demo models are trained on), and a drift a monitor
should see coming; each change is gradual, so "when does it become a problem" has an answer that
moves with the thresholds:

- **Prices rise.** Every bill grows by the same step each month, 24% in all by the last month:
  ``monthly_charges`` shifts month over month (feature drift on charges, PSI rising).
- **A plan the model never saw.** ``unlimited_5g`` is sold in the last third of the months (the
  last two of six, the last one of two): 7.5% at most of standard and premium customers move to it, under 4%
  of everyone, below the share (5%) at which the run's input check blocks an unseen category,
  so it is drift to monitor, not an input error.
- **One region's churn rises.** A competitor opens in the south: customers leave it without
  warning (their usage does not fall first, they open no ticket), a monthly hazard growing from
  almost nothing to about 13%; elsewhere a smaller such hazard grows with the bill. The churn
  model, trained on the history month, ranks these leavers badly: its AUC decays (the demo's
  gradient boosting refitted in numpy on 50,000 customers, 6 months, seed 42: 0.905 on its
  hold-out, then 0.903, 0.897, 0.893, 0.835, 0.747 by month, the last month unlabelled), while the
  same model retrained on the third month scores 0.863 on the fifth.
- Customers who leave because they are unhappy use less and open more tickets in the months
  before (the signal the model learns); churned customers leave the next month's customers, new
  ones sign up.
- Loans: applications span the months, ``defaulted`` is known for those made before July 2026,
  and debt-to-income creeps up by 3 points over the window.

Labels: the churn label of month m says who churned during month m + 1, so the last month has
none yet. Schema ``demo_feed`` holds the whole history the operational system delivers:
``customer_months`` (each month end's attributes of every customer then, and
``churned_next_month``), ``usage_events``, ``support_tickets``, ``churn_labels``; ``raw`` holds
what was known at one month end (after ``demo-data``, the last).

The customer attributes change over time and the dbt project reads them through a snapshot
(``snp_customers``) taken at each run, so the replay
(:func:`replay`) loads each month into ``raw`` (:func:`load_month`) before running that as-of
date, as an operational system's loader would: the customers of that month, their usage and
tickets so far, and a month's churn labels only once that month has ended (a run sees the labels
known at its as-of date, no more).
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb

from sqlscore.errors import DemoDataError
from sqlscore.registry import Registry
from sqlscore.settings import ExitCode

#: The ``sqlscore`` console script beside this interpreter (the venv's).
SQLSCORE = str(Path(sys.executable).parent / "sqlscore")


@dataclass(frozen=True)
class MonthResult:
    """One as-of date of the replay: what ``sqlscore run`` returned (0 published, 1 blocked)."""

    as_of: date
    exit_code: int
    seconds: float
    customers: int
    labels_known: int


@dataclass(frozen=True)
class ReplayContext:
    """What a hook is given: where the replay runs, and the months done so far (in order)."""

    warehouse: Path
    registry: Registry
    months: tuple[MonthResult, ...]


Hook = Callable[[ReplayContext], None]


@dataclass(frozen=True)
class ReplayHooks:
    """Steps the replay calls at fixed points, so the rest of the monitoring story plugs in here.

    Nothing is registered by default; ``sqlscore demo-replay`` registers the challenger steps of
    :mod:`sqlscore.tools.demo.challenger` (``demo_hooks()``). ``after_month`` runs after each
    month's ``sqlscore run`` (there: retrain a challenger when the drift gate fires, promote it
    and rerun the month when the gate blocks); ``after_replay`` once at the end (there: the
    month-by-month figures).
    """

    after_month: Sequence[Hook] = field(default_factory=tuple)
    after_replay: Sequence[Hook] = field(default_factory=tuple)


def feed_months(con: duckdb.DuckDBPyConnection) -> list[date]:
    """The month ends of the feed, in order: the history month, then the as-of dates to run.

    An error when ``demo-data --months`` was not run.
    """
    exists = con.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = 'demo_feed' and table_name = 'customer_months'"
    ).fetchall()[0][0]
    if not exists:
        raise DemoDataError(
            "demo_feed.customer_months is missing: write the monthly demo data first "
            "(sqlscore demo-data --months N)"
        )
    return [
        row[0]
        for row in con.execute(
            "select distinct as_of_date from demo_feed.customer_months order by 1"
        ).fetchall()
    ]


#: What the loader has delivered by an as-of date ($1), from the feed: the customers of that
#: month with their attributes then, their usage and tickets up to then (a departed customer's
#: history leaves with the customer: raw.usage_events and raw.support_tickets refer to
#: raw.customers, a tested relationship); the churn labels of every month ended by the labels'
#: date (its $1).
LOAD_STATEMENTS = (
    "delete from raw.customers",
    "insert into raw.customers (customer_id, signup_date, plan, region, payment_method, monthly_charges) "
    "select customer_id, signup_date, plan, region, payment_method, monthly_charges "
    "from demo_feed.customer_months where as_of_date = $1 order by customer_id",
    "delete from raw.usage_events",
    "insert into raw.usage_events (customer_id, usage_month, minutes_used, data_gb, sessions) "
    "select customer_id, usage_month, minutes_used, data_gb, sessions from demo_feed.usage_events "
    "where usage_month <= $1 and customer_id in (select customer_id from raw.customers) "
    "order by usage_month, customer_id",
    "delete from raw.support_tickets",
    "insert into raw.support_tickets (ticket_id, customer_id, opened_at, category, severity) "
    "select ticket_id, customer_id, opened_at, category, severity from demo_feed.support_tickets "
    "where opened_at < $1 + interval 1 day and customer_id in (select customer_id from raw.customers) "
    "order by ticket_id",
    "delete from raw.churn_labels",
    "insert into raw.churn_labels (customer_id, label_month, churned) "
    "select customer_id, label_month, churned from demo_feed.churn_labels "
    "where label_month <= date_trunc('month', $1::date) order by label_month, customer_id",
)


def load_rows(
    con: duckdb.DuckDBPyConnection, as_of: date, labels_through: date | None = None
) -> tuple[int, int]:
    """:func:`load_month` inside the caller's transaction (``generate`` loads the last month in its own)."""
    for statement in LOAD_STATEMENTS:
        if "raw.churn_labels (" in statement:
            con.execute(statement, [labels_through or as_of])
        elif "$1" in statement:
            con.execute(statement, [as_of])
        else:
            con.execute(statement)
    customers = con.execute("select count(*) from raw.customers").fetchall()[0][0]
    labels = con.execute("select count(*) from raw.churn_labels").fetchall()[0][0]
    return int(customers), int(labels)


def load_month(
    con: duckdb.DuckDBPyConnection, as_of: date, *, labels_through: date | None = None
) -> tuple[int, int]:
    """Put the month ``as_of`` into the raw tables, as the loader would have at that month end.

    The raw tables' rows are replaced (the tables and their ``_loaded_at`` default kept: every row
    loaded now is stamped now, as the freshness checks expect). ``labels_through`` (default
    ``as_of``): the churn labels of the months ended by then; the labels of month m (churned
    during m + 1) arrive at the end of m + 1. Returns (customers, labels known), in one
    transaction.
    """
    con.execute("begin transaction")
    try:
        counts = load_rows(con, as_of, labels_through)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return counts


def check_fresh(con: duckdb.DuckDBPyConnection, first: date) -> None:
    """Refuse a warehouse whose snapshot already moved past the first month.

    Snapshots only move forward (dbt_project/macros/snapshot_time.sql): a second replay on the
    same warehouse would fail at its first run, so say so before loading anything.
    """
    exists = con.execute(
        "select count(*) from duckdb_tables() "
        "where schema_name = 'snapshots' and table_name = 'snp_customers'"
    ).fetchall()[0][0]
    if not exists:
        return
    newest = con.execute("select max(dbt_valid_from)::date from snapshots.snp_customers").fetchall()[0][0]
    if newest is not None and newest > first:
        raise DemoDataError(
            f"snapshots.snp_customers already holds versions dated {newest}, after the first month "
            f"{first}: replay on a fresh warehouse (sqlscore demo-data --months N into a new file)"
        )


def run_as_of(warehouse: Path, registry: Registry, as_of: date) -> int:
    """``sqlscore run --as-of`` in its own process, as a scheduler calls it; output passes through."""
    command = [SQLSCORE, "--warehouse", str(warehouse), "--registry", str(registry.root), "run"]
    return subprocess.run([*command, "--as-of", as_of.isoformat()], check=False).returncode


def replay(
    warehouse: Path,
    registry: Registry,
    *,
    hooks: ReplayHooks = ReplayHooks(),
    train: bool = True,
    months: int | None = None,
) -> list[MonthResult]:
    """Run every month of the feed in order; a blocked month (exit 1) is part of the story.

    ``train``: when the registry has no demo models, train them on the feed's history month (the
    month before the first as-of date: its features and the churn of the month after), so every
    month the replay runs is new to them. ``months`` limits the replay to the first ``months`` months. An
    error (exit 2) stops the replay naming the month.
    """
    from sqlscore.tools.demo.train import train_demo_models

    with duckdb.connect(str(warehouse)) as con:
        history, *dates = feed_months(con)
        check_fresh(con, dates[0])
    if months is not None:
        dates = dates[:months]
    results: list[MonthResult] = []
    for as_of in dates:
        if train and not results:
            # the history month: its features and its churn (known at the end of the first as-of
            # month, when the models are trained) are what the models learn from
            with duckdb.connect(str(warehouse)) as con:
                load_month(con, history, labels_through=as_of)
            trained = train_demo_models(warehouse, registry, only_missing=True, as_of=history.isoformat())
            for card in trained:
                auc = card.training_metrics["holdout_roc_auc"]
                print(f"trained {card.ref} on the month ending {history}: hold-out AUC {auc:.3f}")
            from sqlscore.warehouse.ml_models import refresh_catalog_file

            refresh_catalog_file(warehouse, registry)
        with duckdb.connect(str(warehouse)) as con:
            customers, labels = load_month(con, as_of)
        print(f"\n=== {as_of}: {customers:,} customers, {labels:,} churn labels known ===", flush=True)
        start = time.perf_counter()
        code = run_as_of(warehouse, registry, as_of)
        result = MonthResult(as_of, code, time.perf_counter() - start, customers, labels)
        results.append(result)
        if code not in (ExitCode.OK, ExitCode.BLOCKED):
            raise DemoDataError(f"sqlscore run --as-of {as_of} failed (exit {code}); the replay stops there")
        for hook in hooks.after_month:
            hook(ReplayContext(warehouse, registry, tuple(results)))
    for hook in hooks.after_replay:
        hook(ReplayContext(warehouse, registry, tuple(results)))
    return results
