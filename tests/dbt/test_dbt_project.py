"""The dbt project: build from empty, incremental rules, contracts, docs, parity with training features."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from pathlib import Path

import duckdb
import yaml  # type: ignore[import-untyped]

from sqlscore.tools.demo.train import TRAINING_AS_OF, feature_sql
from tests.dbt.conftest import PAST, REPO


def _query(warehouse: Path, sql: str) -> list[tuple]:  # type: ignore[type-arg]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_build_from_empty_with_four_threads_and_provenance(run_dbt, demo_env) -> None:  # type: ignore[no-untyped-def]
    warehouse, registry = demo_env
    result = run_dbt("build")
    assert "Concurrency: 4 threads" in result.stdout
    assert "ERROR=0" in result.stdout and "PASS=" in result.stdout
    churn = registry.resolve("churn")
    (count, features, versions, shas, nulls) = _query(
        warehouse,
        "select count(*), (select count(*) from intermediate.int_customers_featurized),"
        " list(distinct model_version), list(distinct model_sha256), count(*) - count(churn_probability)"
        " from scoring.churn_scores",
    )[0]
    assert count == features > 3000 and nulls == 0
    assert versions == [int(churn.version)] and shas == [churn.sha256]
    bands = dict(_query(warehouse, "select risk_band, count(*) from scoring.risk_scores group by 1"))
    assert set(bands) <= {"low", "medium", "high", "very_high"} and len(bands) >= 3


def test_a_dev_build_writes_only_dev_schemas(run_dbt, scored_env) -> None:  # type: ignore[no-untyped-def]
    """dbt by hand defaults to the dev target, which builds dev_staging, dev_scoring, ... in the
    same warehouse file and never writes a relation production reads: each production table and
    view keeps a comment dbt would have replaced (persist_docs) or dropped (a rebuilt table), and
    its rows."""
    warehouse, _ = scored_env  # built by `dbt build --select +scoring --target duckdb`, as sqlscore run
    profile = yaml.safe_load((REPO / "profiles.yml").read_text())["sqlscore"]
    assert profile["target"] == "dev" and profile["outputs"]["dev"]["schema"] == "dev"
    schemas = "select schema_name from information_schema.schemata where catalog_name = current_database()"
    before = {schema for (schema,) in _query(warehouse, schemas)}
    production = sorted(before - {"main", "raw"})
    assert {"staging", "intermediate", "snapshots", "scoring", "dbt_test__audit"} <= set(production)
    listed = (
        "select schema_name, table_name, 'table' from duckdb_tables() where schema_name in (select unnest(?))"
        " union all select schema_name, view_name, 'view' from duckdb_views() where schema_name in (select unnest(?))"
        " order by all"
    )
    with duckdb.connect(str(warehouse)) as con:
        relations = con.execute(listed, [production, production]).fetchall()
        for schema, name, kind in relations:
            con.execute(f"comment on {kind} {schema}.{name} is 'built by the production target'")

    def production_state() -> list[tuple]:  # type: ignore[type-arg]
        with duckdb.connect(str(warehouse), read_only=True) as con:
            assert con.execute(listed, [production, production]).fetchall() == relations
            return [
                (
                    name,
                    con.execute(
                        "select comment from duckdb_tables() where schema_name = ? and table_name = ?"
                        " union all select comment from duckdb_views() where schema_name = ? and view_name = ?",
                        [schema, name, schema, name],
                    ).fetchall(),
                    con.execute(f"select count(*), sum(hash(t)) from {schema}.{name} as t").fetchall(),
                )
                for schema, name, _ in relations
            ]

    state = production_state()
    assert len(state) >= 12 and all(
        comment == [("built by the production target",)] for _, comment, _ in state
    )
    result = run_dbt("build", target="dev")
    assert "target='dev'" in result.stdout and "ERROR=0" in result.stdout
    created = {schema for (schema,) in _query(warehouse, schemas)} - before
    assert created == {f"dev_{schema}" for schema in production} | {"dev_candidate", "dev_monitoring"}
    assert production_state() == state
    counts = "select (select count(*) from {0}scoring.churn_scores), (select count(*) from {0}candidate.customer_churn_scores)"
    dev_scores, dev_candidates = _query(warehouse, counts.format("dev_"))[0]
    assert dev_scores == _query(warehouse, "select count(*) from scoring.churn_scores")[0][0] > 3000
    assert dev_candidates == dev_scores


def test_rerun_is_idempotent_and_scores_only_new_or_changed(run_dbt, scored_env) -> None:  # type: ignore[no-untyped-def]
    warehouse, _ = scored_env  # after `dbt build --select +scoring`
    before = dict(_query(warehouse, "select customer_id, run_id from scoring.churn_scores"))
    run_dbt("run", "--select", "scoring")
    after = dict(_query(warehouse, "select customer_id, run_id from scoring.churn_scores"))
    assert after == before  # nothing rescored, nothing duplicated
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update raw.customers set monthly_charges = monthly_charges + 50 where customer_id = 10")
        new_id = con.execute("select max(customer_id) + 1 from raw.customers").fetchall()[0][0]
        con.execute(
            "insert into raw.customers (customer_id, signup_date, plan, region, payment_method, monthly_charges)"
            " select ?, date '2026-01-15', 'basic', 'north', 'card', 25.0",
            [new_id],
        )
    run_dbt("build", "--select", "+scoring")  # build: the snapshot records the changed attributes
    rows = dict(_query(warehouse, "select customer_id, run_id from scoring.churn_scores"))
    assert len(rows) == len(before) + 1
    changed = {cid for cid in rows if rows[cid] != before.get(cid)}
    assert changed == {10, new_id}
    dupes = _query(
        warehouse,
        "select count(*) from (select customer_id, as_of_date from scoring.churn_scores group by all having count(*) > 1)",
    )[0][0]
    assert dupes == 0


def test_a_same_day_rerun_scores_nothing_whatever_the_thread_count(
    run_dbt, scored_env, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    """The features are bit-for-bit the same whatever DuckDB's thread count (averages add their
    months in order), so their hash is too, and a rerun of the same day rescores no row."""
    warehouse, _ = scored_env  # after `dbt build --select +scoring` with the profile's 4 threads
    scored = "select customer_id, run_id, feature_hash from scoring.churn_scores order by 1"
    risk = "select application_id, run_id, feature_hash from scoring.risk_scores order by 1"
    first, first_risk = _query(warehouse, scored), _query(warehouse, risk)
    profile = (REPO / "profiles.yml").read_text()
    assert "      threads: 4\n" in profile
    for threads in (1, 3, 8, 8):
        profiles = tmp_path / f"duckdb_threads_{threads}"
        profiles.mkdir(exist_ok=True)
        (profiles / "profiles.yml").write_text(
            profile.replace(
                "      threads: 4\n", f"      threads: 4\n      settings:\n        threads: {threads}\n"
            )
        )
        run_dbt("run", "--select", "intermediate", "scoring", profiles_dir=profiles)
        assert _query(warehouse, scored) == first, threads  # same run ids: nothing rescored
        assert _query(warehouse, risk) == first_risk, threads


def test_new_champion_rescores_the_as_of_date(run_dbt, scored_env) -> None:  # type: ignore[no-untyped-def]
    warehouse, registry = scored_env  # after `dbt build --select +scoring`
    card = registry.card("risk", 1)
    registry.write_version(replace(card, version="2"), registry.load_artifact(card))
    registry.promote("risk", 2, "champion")
    run_dbt("run", "--select", "scoring")
    versions = _query(warehouse, "select model_version, count(*) from scoring.risk_scores group by 1")
    churn_versions = _query(warehouse, "select distinct model_version from scoring.churn_scores")
    assert versions == [
        (2, _query(warehouse, "select count(*) from intermediate.int_loan_applications_featurized")[0][0])
    ]
    assert churn_versions == [(1,)]


def test_contract_violation_fails_with_a_clear_message(run_dbt, dbt_project: Path) -> None:  # type: ignore[no-untyped-def]
    model = dbt_project / "models" / "scoring" / "churn_scores.sql"
    original = model.read_text()
    changed = original.replace(
        "score_column='churn_probability')",
        "score_column='churn_probability', extra_columns={'churn_note': 'cast(score as varchar)'})",
    )
    assert changed != original
    model.write_text(changed)
    result = run_dbt("build", "--select", "+churn_scores", expect_ok=False)
    assert result.returncode != 0
    assert "contract" in result.stdout.lower()
    assert "churn_note" in result.stdout


def test_docs_generate(run_dbt, dbt_project: Path, scored_env) -> None:  # type: ignore[no-untyped-def]
    result = run_dbt("docs", "generate")
    assert "Catalog written" in result.stdout
    assert (dbt_project / "target" / "catalog.json").exists()


def test_every_model_and_column_is_described(dbt_project: Path, run_dbt) -> None:  # type: ignore[no-untyped-def]
    """Every model, column, source and macro (with its arguments) is described, shared texts
    through doc blocks, and the parse warns about nothing (with validate_macro_args, a macro
    argument renamed without its description is a warning)."""
    import json

    parse = run_dbt("parse", "--log-format", "json")
    events = [json.loads(line)["info"] for line in parse.stdout.splitlines() if line.startswith("{")]
    assert [e["msg"] for e in events if e["level"] in ("warn", "error")] == []
    manifest = json.loads((dbt_project / "target" / "manifest.json").read_text())
    missing = []
    for node in manifest["nodes"].values():
        if node["resource_type"] != "model":
            continue
        if not node["description"].strip():
            missing.append(node["name"])
        sql_columns = node["columns"]
        missing += [f"{node['name']}.{c}" for c, v in sql_columns.items() if not v["description"].strip()]
    for source in manifest["sources"].values():
        if not (source["description"].strip() and source["source_description"].strip()):
            missing.append(source["unique_id"])
    macros = [m for m in manifest["macros"].values() if m["package_name"] == "sqlscore_dbt"]
    for macro in macros:
        if not macro["description"].strip():
            missing.append(macro["name"])
        missing += [f"{macro['name']}({a['name']})" for a in macro["arguments"] if not a["description"]]
    assert missing == []
    assert len([n for n in manifest["nodes"].values() if n["resource_type"] == "model"]) >= 12
    assert len(macros) >= 20
    # a column description written more than once is a doc block (models/_docs.md), written once
    columns = [
        (f"{node['name']}.{name}", column["description"], column["doc_blocks"])
        for node in [*manifest["nodes"].values(), *manifest["sources"].values()]
        if node["resource_type"] in ("model", "snapshot", "source")
        for name, column in node["columns"].items()
    ]
    texts = Counter(text for _, text, _ in columns)
    repeated = [f"{where}: {text}" for where, text, blocks in columns if texts[text] > 1 and not blocks]
    assert repeated == []
    assert texts["Customer key."] >= 8


def test_dbt_features_equal_training_features(run_dbt, demo_env) -> None:  # type: ignore[no-untyped-def]
    """Training (sqlscore/demo/features.sql) and scoring (dbt intermediate) compute the same features."""
    warehouse, _ = demo_env
    for as_of in (TRAINING_AS_OF, "2026-10-31"):
        # cautious: leaves out the tests that also read the scoring tables, not built here
        run_dbt(
            "build",
            "--select",
            "+intermediate",
            "--indirect-selection",
            "cautious",
            "--vars",
            f"{{as_of_date: '{as_of}'}}",
        )
        for name, table, _key in (
            ("churn", "int_customers_featurized", "customer_id"),
            ("risk", "int_loan_applications_featurized", "application_id"),
        ):
            training = f"select * from ({feature_sql(name, as_of)})"
            scoring = f"select * exclude (as_of_date) from intermediate.{table}"
            diff = _query(
                warehouse,
                f"select count(*) from (({training}) except all ({scoring}))"
                f" union all select count(*) from (({scoring}) except all ({training}))",
            )
            assert diff == [(0,), (0,)], (name, as_of)
            assert _query(warehouse, f"select count(*) from intermediate.{table}")[0][0] > 1000


def test_sql_engine_scores_like_the_onnx_engine(run_dbt, scored_env, dbt_project: Path) -> None:  # type: ignore[no-untyped-def]
    """``--vars '{scoring_engine: sql}'`` scores through the compiled macros, with the same numbers."""
    warehouse, _ = scored_env  # after `dbt build --select +scoring`, engine onnx
    scores = "select customer_id, churn_probability from scoring.churn_scores order by 1"
    risk = "select application_id, default_probability from scoring.risk_scores order by 1"
    onnx_churn, onnx_risk = _query(warehouse, scores), _query(warehouse, risk)
    run_dbt("run", "--select", "scoring", "--full-refresh", "--vars", "{scoring_engine: sql}")
    compiled = (dbt_project / "target" / "compiled").rglob("churn_scores.sql")
    assert "predict_churn_sql(" in next(compiled).read_text()
    sql_churn, sql_risk = _query(warehouse, scores), _query(warehouse, risk)
    assert [r[0] for r in sql_churn] == [r[0] for r in onnx_churn] and len(sql_churn) > 3000
    assert max(abs(a[1] - b[1]) for a, b in zip(sql_churn, onnx_churn, strict=True)) <= 1e-6
    assert max(abs(a[1] - b[1]) for a, b in zip(sql_risk, onnx_risk, strict=True)) <= 1e-6
    result = run_dbt("run", "--select", "scoring", "--vars", "{scoring_engine: gpu}", expect_ok=False)
    assert result.returncode != 0 and "engine must be 'onnx' or 'sql'" in result.stdout


def test_scores_are_history(run_dbt, two_dates_env) -> None:  # type: ignore[no-untyped-def]
    """--full-refresh keeps every score; a deleted customer leaves the current date only; the
    relationships test keeps passing for history; a rebuild happens only when asked by name."""
    warehouse, _ = two_dates_env  # scored as of 2026-09-30, then 2026-10-31

    def counts() -> list[tuple]:  # type: ignore[type-arg]
        with duckdb.connect(str(warehouse), read_only=True) as con:
            return con.execute(
                "select as_of_date, count(*) from scoring.churn_scores group by all order by all"
            ).fetchall()

    both = counts()
    assert len(both) == 2
    run_dbt("run", "--select", "scoring", "--full-refresh")
    assert counts() == both  # --full-refresh did not delete history

    with duckdb.connect(str(warehouse)) as con:
        gone = con.execute("select min(customer_id) from raw.customers").fetchall()[0][0]
        for table in ("usage_events", "support_tickets", "churn_labels", "customers"):
            con.execute(f"delete from raw.{table} where customer_id = ?", [gone])
    run_dbt("build", "--select", "+scoring")  # relationships pass: only the current date is checked
    with duckdb.connect(str(warehouse), read_only=True) as con:
        dates = con.execute(
            "select as_of_date from scoring.churn_scores where customer_id = ? order by all", [gone]
        ).fetchall()
    assert [str(d) for (d,) in dates] == ["2026-09-30"]  # its past score stays, the current one left

    run_dbt("run", "--select", "scoring", "--full-refresh", "--vars", "{rebuild_scores: true}")
    assert [d for d, _ in counts()] == [both[1][0]]  # rebuilt when asked by name: only the current date


def test_run_parameters_are_checked_before_they_reach_sql(run_dbt, dbt_project: Path) -> None:  # type: ignore[no-untyped-def]
    injected = run_dbt(
        "run",
        "--select",
        "int_customers_featurized",
        "--vars",
        '{as_of_date: "2026-10-31\' as x, current_user as y --"}',
        expect_ok=False,
    )
    assert injected.returncode != 0 and "as_of_date must be a date written YYYY-MM-DD" in injected.stdout
    bad_run_id = run_dbt(
        "build",
        "--select",
        "+churn_scores",
        "--vars",
        "{run_id: \"x' || current_user || '\"}",
        expect_ok=False,
    )
    assert bad_run_id.returncode != 0 and "run_id must be a uuid" in bad_run_id.stdout
    (dbt_project / "models" / "scoring" / "hostile_predict.sql").write_text(
        'select {{ predict("churn\' or true --") }} as score'
    )
    hostile = run_dbt("run", "--select", "hostile_predict", expect_ok=False)
    assert hostile.returncode != 0 and "invalid model name" in hostile.stdout


def test_a_past_as_of_date_is_rescored_only_by_a_backfill(run_dbt, two_dates_env) -> None:  # type: ignore[no-untyped-def]
    warehouse, registry = two_dates_env  # scored as of 2026-09-30, then 2026-10-31
    past = PAST
    card = registry.card("risk", 1)
    registry.write_version(replace(card, version="2"), registry.load_artifact(card))
    registry.promote("risk", 2, "champion")

    def versions(as_of: str) -> list[tuple]:  # type: ignore[type-arg]
        return _query(
            warehouse,
            f"select model_version, count(*) from scoring.risk_scores where as_of_date = '{as_of}' group by 1",
        )

    before = versions("2026-09-30")
    run_dbt("run", "--select", "+scoring", "--vars", past)  # a re-run of a past date after a promotion
    assert versions("2026-09-30") == before and before[0][0] == 1  # frozen: the published version stays
    run_dbt("run", "--select", "+scoring", "--vars", "{as_of_date: '2026-09-30', backfill: true}")
    assert versions("2026-09-30") == [(2, before[0][1])]  # rescored, every row, when asked by name
    assert versions("2026-10-31")[0][0] == 1  # the current date is not touched by a past date's backfill


def test_a_past_as_of_date_reads_the_attributes_it_had(run_dbt, past_scored_env) -> None:  # type: ignore[no-untyped-def]
    """A customer's attributes come from the snapshot version valid at the as-of date: the current
    date reads a change, a backfill of the past date after a promotion rescores every row with the
    attributes that date had (same scores), and a by-hand build of a past date cannot rewrite history."""
    warehouse, registry = past_scored_env  # scored as of 2026-09-30
    past = PAST
    scores_then = (
        "select customer_id, churn_probability from scoring.churn_scores where as_of_date = '2026-09-30'"
    )
    original = dict(_query(warehouse, scores_then))
    with duckdb.connect(str(warehouse)) as con:
        (plan, charges) = con.execute(
            "select plan, monthly_charges from raw.customers where customer_id = 10"
        ).fetchall()[0]
        new_plan = "basic" if plan != "basic" else "premium"
        con.execute(
            "update raw.customers set plan = ?, monthly_charges = 150 where customer_id = 10", [new_plan]
        )
    run_dbt("build", "--select", "+scoring")  # 2026-10-31 records the new version
    versions = _query(
        warehouse,
        "select plan, monthly_charges, cast(dbt_valid_from as date)::varchar, cast(dbt_valid_to as date)::varchar"
        " from snapshots.snp_customers where customer_id = 10 order by dbt_valid_from",
    )
    assert versions == [(plan, charges, "2026-09-30", "2026-10-31"), (new_plan, 150.0, "2026-10-31", None)]
    features = (
        "select plan, monthly_charges from intermediate.int_customers_featurized where customer_id = 10"
    )
    assert _query(warehouse, features) == [(new_plan, 150.0)]

    refused = run_dbt("build", "--select", "snp_customers", "--vars", past, expect_ok=False)
    assert (
        refused.returncode != 0
        and "holds versions dated 2026-10-31, after the as-of date 2026-09-30" in refused.stdout
    )

    card = registry.card("churn", 1)
    registry.write_version(replace(card, version="2"), registry.load_artifact(card))
    registry.promote("churn", 2, "champion")
    run_dbt("run", "--select", "+scoring", "--vars", "{as_of_date: '2026-09-30', backfill: true}")
    assert _query(warehouse, features) == [(plan, charges)]  # the past date's attributes, not today's
    rescored = _query(
        warehouse, "select distinct model_version from scoring.churn_scores where as_of_date = '2026-09-30'"
    )
    assert rescored == [(2,)]  # every row was scored again...
    assert dict(_query(warehouse, scores_then)) == original  # ...and reproduced the scores it had


def test_source_freshness_is_declared_once_and_checked_in_the_build(run_dbt, demo_env) -> None:  # type: ignore[no-untyped-def]
    """The freshness declared on the telecom source is what `dbt source freshness` reports and what
    the build's loaded_as_fresh_as_declared test enforces: a table not loaded for 10 days is an
    error, named as the loader writes it (raw.usage_events)."""
    warehouse, _ = demo_env
    assert run_dbt("source", "freshness").returncode == 0
    with duckdb.connect(str(warehouse)) as con:
        con.execute("update raw.usage_events set _loaded_at = current_timestamp - interval 10 day")
    stale = run_dbt("source", "freshness", expect_ok=False)
    assert stale.returncode != 0 and "ERROR STALE freshness of telecom.usage_events" in stale.stdout
    build = run_dbt("build", "--select", "source:telecom.usage_events", expect_ok=False)
    assert build.returncode != 0
    failing = _query(
        warehouse,
        "select source_table, level, description from dbt_test__audit."
        "source_loaded_as_fresh_as_declared_telecom_usage_events_",
    )
    assert [(t, lvl) for t, lvl, _ in failing] == [("raw.usage_events", "error")]
    assert "last loaded 240." in failing[0][2] and "error after 7 days" in failing[0][2]


def test_the_runs_memory_limit_is_set_on_every_connection_dbt_opens(run_dbt, demo_env) -> None:  # type: ignore[no-untyped-def]
    """``sqlscore run`` hands SQLSCORE_MEMORY_LIMIT to dbt as var ``sqlscore_memory_limit``, which
    the profile's DuckDB ``settings`` set on each connection; without it, DuckDB's own default
    (80% of this machine's memory), as before the setting reached the run."""
    query = "select current_setting('memory_limit') as memory_limit"
    limited = run_dbt("show", "--inline", query, "--vars", "{sqlscore_memory_limit: 300MiB}")
    assert "300.0 MiB" in limited.stdout, limited.stdout[-2000:]
    with duckdb.connect() as con:  # a connection with DuckDB's defaults
        (default,) = con.execute(query).fetchone()  # type: ignore[misc]
    unset = run_dbt("show", "--inline", query)
    assert default in unset.stdout and "300.0 MiB" not in unset.stdout, unset.stdout[-2000:]
