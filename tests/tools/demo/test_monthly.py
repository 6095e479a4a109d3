"""``sqlscore demo-data --months N``: the drift scenario is really in the data, the default demo is
unchanged, and the replay loads each month as a loader would (one real ``sqlscore run``)."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import duckdb
import pytest

from sqlscore.errors import DemoDataError
from sqlscore.registry import Registry
from sqlscore.tools.demo.data import FEED_TABLES, RAW_TABLES, generate
from sqlscore.tools.demo.monthly import (
    ReplayContext,
    ReplayHooks,
    check_fresh,
    feed_months,
    load_month,
    replay,
)
from tests.conftest import SQLSCORE

#: Digest of the one-date demo (20,000 customers, seed 42) as written before --months existed
#: (commit 9325f5b's generator): rows and sum of row hashes per table, every column but _loaded_at.
DEFAULT_DIGEST = {
    "customers": (20000, 183804357778712388784315),
    "usage_events": (128869, 1189797758514541185127517),
    "support_tickets": (7815, 73033750143777944498879),
    "churn_labels": (18884, 174160196123771339264858),
    "loan_applications": (10000, 92859097404111336968182),
}
MONTHS = 6
CUSTOMERS = 20_000


def _digest(path: Path, tables: list[str]) -> dict[str, tuple[int, int]]:
    with duckdb.connect(str(path), read_only=True) as con:
        digest = {}
        for table in tables:
            rows, hashes = con.execute(
                f"select count(*), coalesce(sum(hash(r)), 0) from (select * exclude (_loaded_at) from {table}) r"
                if table.startswith("raw.")
                else f"select count(*), coalesce(sum(hash(r)), 0) from (select * from {table}) r"
            ).fetchall()[0]
            digest[table] = (int(rows), int(hashes))
    return digest


ALL_TABLES = [f"raw.{t}" for t in RAW_TABLES] + [f"demo_feed.{t}" for t in FEED_TABLES]


@pytest.fixture(scope="module")
def monthly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("monthly") / "w.duckdb"
    generate(path, customers=CUSTOMERS, seed=42, months=MONTHS)
    return path


def test_default_output_is_unchanged(tmp_path: Path) -> None:
    generate(tmp_path / "w.duckdb", customers=20_000, seed=42)
    digest = _digest(tmp_path / "w.duckdb", [f"raw.{t}" for t in RAW_TABLES])
    assert digest == {f"raw.{t}": v for t, v in DEFAULT_DIGEST.items()}
    with duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True) as con:
        assert con.execute(
            "select count(*) from duckdb_schemas() where schema_name = 'demo_feed'"
        ).fetchall() == [(0,)]


def test_one_date_demo_over_a_monthly_one_drops_the_feed(tmp_path: Path) -> None:
    path = tmp_path / "w.duckdb"
    generate(path, customers=500, seed=1, months=2)
    generate(path, customers=500, seed=1)
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute(
            "select count(*) from duckdb_schemas() where schema_name = 'demo_feed'"
        ).fetchall() == [(0,)]


def test_same_seed_same_months_different_seed_different(tmp_path: Path, monthly: Path) -> None:
    generate(tmp_path / "b.duckdb", customers=CUSTOMERS, seed=42, months=MONTHS)
    generate(tmp_path / "c.duckdb", customers=CUSTOMERS, seed=43, months=MONTHS)
    a, b, c = (_digest(p, ALL_TABLES) for p in (monthly, tmp_path / "b.duckdb", tmp_path / "c.duckdb"))
    assert a == b
    assert {t for t in ALL_TABLES if a[t] != c[t]} == set(ALL_TABLES)


def test_the_drift_is_in_the_data(monthly: Path) -> None:
    with duckdb.connect(str(monthly), read_only=True) as con:
        months = feed_months(con)
        by_month = con.execute(
            """
            select as_of_date,
                   -- the bill of customers who stay on one plan: the price rise, not a plan mix
                   avg(monthly_charges) filter (where plan = 'basic' and monthly_charges < 500),
                   avg((plan = 'unlimited_5g')::int),
                   avg(churned_next_month::int) filter (where region = 'south'),
                   avg(churned_next_month::int) filter (where region <> 'south')
            from demo_feed.customer_months group by 1 order by 1
            """
        ).fetchall()
    history, *as_of = months
    assert len(as_of) == MONTHS and as_of[-1] == dt.date(2026, 10, 31) and history == dt.date(2026, 4, 30)
    charges = [row[1] for row in by_month]
    # prices rise month over month from the first as-of month on (history = first month: no drift yet)
    assert all(later > earlier for earlier, later in zip(charges[1:], charges[2:], strict=False))
    assert charges[-1] / charges[1] == pytest.approx(1.24, abs=0.01)
    new_plan = [row[2] for row in by_month]
    assert new_plan[:-2] == [0.0] * (MONTHS - 1)  # the model (trained on history) never saw it
    assert 0.005 < new_plan[-2] < new_plan[-1] < 0.05  # below the input check's blocking share
    south, elsewhere = [row[3] for row in by_month[:-1]], [row[4] for row in by_month[:-1]]
    assert by_month[-1][3] is None  # the last month's churn is not known yet
    assert south[-1] > 2.5 * south[1] and south[-1] > 0.1
    assert elsewhere[-1] < 1.6 * elsewhere[1]  # the rise is the south's


def test_labels_usage_tickets_and_loans_cover_the_months(monthly: Path) -> None:
    with duckdb.connect(str(monthly), read_only=True) as con:
        label_months = [
            r[0]
            for r in con.execute("select distinct label_month from raw.churn_labels order by 1").fetchall()
        ]
        usage_months = con.execute(
            "select min(usage_month), max(usage_month) from raw.usage_events"
        ).fetchall()[0]
        tickets = con.execute(
            "select count(distinct date_trunc('month', opened_at)) from demo_feed.support_tickets"
        ).fetchall()[0][0]
        loans = con.execute(
            "select min(applied_at)::date, max(applied_at)::date, "
            "bool_and(defaulted is null) filter (where applied_at >= '2026-07-01'), "
            "bool_and(defaulted is not null) filter (where applied_at < '2026-07-01') from raw.loan_applications"
        ).fetchall()[0]
        raw_is_last_month = con.execute(
            "select (select count(*) from raw.customers), (select count(*) from demo_feed.customer_months "
            "where as_of_date = '2026-10-31'), (select count(*) from (select customer_id, plan, monthly_charges "
            "from raw.customers except select customer_id, plan, monthly_charges from demo_feed.customer_months "
            "where as_of_date = '2026-10-31'))"
        ).fetchall()[0]
    # labels of month m (churned during m + 1): the history month and every as-of month but the last
    assert label_months == [dt.date(2026, m, 1) for m in range(5, 11)]
    assert usage_months == (dt.date(2026, 1, 1), dt.date(2026, 10, 1))  # three months before history
    assert tickets == MONTHS + 4
    assert loans[0] <= dt.date(2025, 1, 31) and loans[1] == dt.date(2026, 10, 31) and loans[2] and loans[3]
    assert raw_is_last_month[0] == raw_is_last_month[1] > 0 and raw_is_last_month[2] == 0


def test_load_month_gives_what_the_loader_knew(tmp_path: Path, monthly: Path) -> None:
    path = tmp_path / "w.duckdb"
    path.write_bytes(monthly.read_bytes())
    first = dt.date(2026, 5, 31)
    with duckdb.connect(str(path)) as con:
        customers, labels = load_month(con, first)
        assert (
            customers
            == con.execute(
                "select count(*) from demo_feed.customer_months where as_of_date = ?", [first]
            ).fetchall()[0][0]
        )
        assert con.execute("select max(label_month) from raw.churn_labels").fetchall()[0][0] == dt.date(
            2026, 5, 1
        )
        assert labels == con.execute("select count(*) from raw.churn_labels").fetchall()[0][0] > 0
        assert con.execute("select max(usage_month) from raw.usage_events").fetchall()[0][0] == dt.date(
            2026, 5, 1
        )
        assert con.execute("select max(opened_at) < '2026-06-01' from raw.support_tickets").fetchall()[0][0]
        orphans = con.execute(
            "select count(*) from (select customer_id from raw.usage_events union all "
            "select customer_id from raw.support_tickets) e anti join raw.customers using (customer_id)"
        ).fetchall()[0][0]
        assert orphans == 0  # the staging models' relationships tests hold at every month
        assert (
            con.execute("select count(*) from raw.customers where _loaded_at is null").fetchall()[0][0] == 0
        )


@pytest.mark.parametrize("months", [1, 25])
def test_bad_months(tmp_path: Path, months: int) -> None:
    with pytest.raises(DemoDataError, match="--months must be between 2 and 24"):
        generate(tmp_path / "x.duckdb", customers=100, seed=1, months=months)


def test_replay_refuses_a_warehouse_whose_snapshot_moved_on(tmp_path: Path) -> None:
    with duckdb.connect(str(tmp_path / "w.duckdb")) as con:
        con.execute("create schema snapshots")
        con.execute("create table snapshots.snp_customers as select timestamp '2026-10-31' as dbt_valid_from")
        with pytest.raises(
            DemoDataError, match="after the first month 2026-05-31: replay on a fresh warehouse"
        ):
            check_fresh(con, dt.date(2026, 5, 31))
    with pytest.raises(DemoDataError, match="demo_feed.customer_months is missing"):
        replay(tmp_path / "w.duckdb", Registry(tmp_path / "models_onnx"))


def test_replay_trains_on_history_and_runs_the_first_month(tmp_path: Path) -> None:
    """The one real ``sqlscore run`` of these tests: the first as-of month, with the hooks the
    challenger and report steps plug into called with what was done."""
    warehouse, registry = tmp_path / "w.duckdb", Registry(tmp_path / "models_onnx")
    common = [SQLSCORE, "--warehouse", str(warehouse), "--registry", str(registry.root)]
    subprocess.run(
        [*common, "demo-data", "--customers", "3000", "--months", "3"], check=True, capture_output=True
    )
    seen: list[tuple[str, ReplayContext]] = []
    hooks = ReplayHooks(
        after_month=[lambda context: seen.append(("month", context))],
        after_replay=[lambda context: seen.append(("replay", context))],
    )
    results = replay(warehouse, registry, hooks=hooks, months=1)
    assert [(r.as_of, r.exit_code) for r in results] == [(dt.date(2026, 8, 31), 0)]
    assert [kind for kind, _ in seen] == ["month", "replay"]
    assert seen[0][1].months == tuple(results) and seen[0][1].warehouse == warehouse
    assert registry.aliases("churn") == {"champion": "1"}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        as_of = con.execute("select distinct as_of_date from published.customer_churn_scores").fetchall()
        snapshot = con.execute("select max(dbt_valid_from)::date from snapshots.snp_customers").fetchall()
        trained_on = con.execute(
            "select card ->> '$.training_metrics.holdout_roc_auc' is not null from ml_models "
            "where model_name = 'churn'"
        ).fetchall()
    assert as_of == [(dt.date(2026, 8, 31),)] and snapshot == [(dt.date(2026, 8, 31),)]
    assert trained_on == [(True,)]
