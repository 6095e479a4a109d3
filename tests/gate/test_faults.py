"""Fault tests of `sqlscore run`: for each fault, consumers' data is unchanged, the message is
clear and the exit code is right (0 published, 1 blocked by the gate, 2 error)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb

from sqlscore.gate import validate_tables
from tests.gate.conftest import REPO, TABLES, Published, wait_for_line


def test_clean_rerun_publishes_again(published: Published) -> None:
    result = published.run()
    assert result.returncode == 0, result.stdout[-3000:]
    assert "published" in result.stdout and "Data Docs:" in result.stdout
    # the gate runs in its own process: the scheduled job's log ends without DuckDB's false leak report
    assert "nanobind" not in result.stdout + result.stderr
    # a scheduler's log (stdout is a pipe here): no colour codes, no progress bars, the verdicts
    # before the publish step, one last line saying how the run ended
    log = result.stdout + result.stderr
    assert "\x1b[" not in log and "Calculating Metrics" not in log
    assert log.index("customer_churn_scores: passed (11 expectations)") < log.index("3/3 publish")
    last = result.stdout.strip().splitlines()[-1]
    (run_id,) = published.sql("select run_id from ops.sqlscore_runs order by started_at desc limit 1")[0]
    assert last.startswith(f"run {run_id}: published (exit 0): customer_churn_scores (")
    assert (published.root / "gx_docs" / "index.html").exists()
    status, failed, _, _ = published.last_run()
    assert status == "published" and failed is None
    assert published.sql("select count(*) from published.customer_churn_scores")[0][0] > 3000


def test_tampered_model_artifact(published: Published) -> None:
    before = published.consumer_view()
    artifact = published.registry.artifact_path(published.registry.resolve("churn"))
    artifact.write_bytes(artifact.read_bytes()[:-4] + b"\x00\x00\x00\x00")
    result = published.run()
    assert result.returncode == 2, result.stdout[-3000:]
    assert "churn:1" in result.stdout and "sha256" in result.stdout
    assert published.consumer_view() == before
    assert published.last_run()[0] == "failed"


def test_missing_feature_column(published: Published) -> None:
    before = published.consumer_view()
    published.execute("alter table raw.customers rename column monthly_charges to monthly_charge")
    result = published.run()
    assert result.returncode == 2
    assert "monthly_charges" in result.stdout
    assert published.consumer_view() == before


def test_shifted_feature_distribution_moves_the_scores(published: Published) -> None:
    before = published.consumer_view()
    # a shift that stays (mostly) inside the training ranges, so the input checks only warn and the
    # score-distribution expectations are what stops it (tripled tickets are stopped at the inputs)
    published.execute(
        "insert into raw.support_tickets (ticket_id, customer_id, opened_at, category, severity) "
        "select ticket_id + 10000000, customer_id, timestamp '2026-10-20', category, 'high' "
        "from raw.support_tickets where customer_id % 2 = 0",
        "update raw.usage_events set minutes_used = minutes_used * 0.3 where usage_month = date '2026-10-01'",
    )
    result = published.run()
    assert result.returncode == 1, result.stdout[-3000:]
    assert "customer_churn_scores: FAILED" in result.stdout
    assert "population_stability_index" in result.stdout or "reference_mean" in result.stdout
    assert published.consumer_view() == before
    status, failed, quarantined, _ = published.last_run()
    assert status == "blocked"
    kept = json.loads(quarantined)
    assert any(name.startswith("quarantine.customer_churn_scores__") for name in kept)
    assert published.sql(f"select count(*) from {kept[0]}")[0][0] > 3000


def test_duplicate_keys(published: Published) -> None:
    before = published.consumer_view()
    published.execute("insert into raw.customers select * from raw.customers where customer_id <= 20")
    result = published.run()
    assert result.returncode == 1, result.stdout[-3000:]
    assert "unique" in result.stdout and "customer_id" in result.stdout
    assert published.consumer_view() == before
    # dbt stopped before rebuilding the churn candidate: the quarantine holds none of the previous
    # run's rows, and the summary names the failing test and what was not built
    status, _, quarantined, message = published.last_run()
    suffix = json.loads(quarantined)[0].rsplit("__", 1)[1] if json.loads(quarantined) else ""
    assert status == "blocked"
    assert json.loads(quarantined) == [f"quarantine.loan_application_risk_scores__{suffix}"]  # built this run
    assert "dbt tests failed: source_unique_raw_customers_customer_id" in message
    assert "dbt stopped before building customer_churn_scores" in message


def test_a_broken_model_fails_the_run_naming_it(published: Published) -> None:
    before = published.consumer_view()
    (published.registry.root / "churn" / "aliases.json").write_text("{not json")
    listed = subprocess.run(
        [str(Path(sys.executable).parent / "sqlscore"), "models", "list"],
        env=published.env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert listed.returncode == 0 and "risk" in listed.stdout and "churn" not in listed.stdout
    assert "aliases file" in listed.stderr and "of model churn is not valid JSON" in listed.stderr
    result = published.run()
    assert result.returncode == 2, result.stdout[-3000:]
    assert "predict_churn (churn@champion) not registered" in result.stderr
    assert published.consumer_view() == before
    assert published.last_run()[0] == "failed"


def test_row_count_mismatch_blocks_at_the_gate(published: Published) -> None:
    """A candidate missing rows (a partial scoring) fails the row-count expectation."""
    before = published.consumer_view()
    published.execute("delete from candidate.customer_churn_scores where customer_id % 50 = 0")
    verdicts = validate_tables(published.warehouse, list(TABLES), REPO / "expectations")
    churn = next(v for v in verdicts if v.table == "customer_churn_scores")
    assert not churn.success
    failure = next(f for f in churn.failures if "Row count" in f.description)
    assert "published_rows" in str(failure.observed) and "scored_input_rows" in str(failure.observed)
    assert next(v for v in verdicts if v.table == "loan_application_risk_scores").success
    assert published.consumer_view() == before


def test_an_expectation_that_raises_is_a_failure(published: Published, tmp_path: Path) -> None:
    suites = tmp_path / "suites"
    suites.mkdir()
    for table in TABLES:
        suite = json.loads((REPO / "expectations" / f"{table}.json").read_text())
        suite["expectations"].append(
            {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "no_such_column"}}
        )
        (suites / f"{table}.json").write_text(json.dumps(suite))
    verdicts = validate_tables(published.warehouse, list(TABLES), suites)
    assert all(not v.success for v in verdicts)
    for verdict in verdicts:
        assert any("no_such_column" in str(f) for f in verdict.failures)


def test_kill_during_scoring(published: Published) -> None:
    published.execute("update raw.customers set monthly_charges = monthly_charges + 1")  # forces rescoring
    before = published.consumer_view()
    process = published.start()
    wait_for_line(process, "START sql incremental model scoring.churn_scores")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert published.consumer_view() == before
    result = published.run()
    assert result.returncode == 0, result.stdout[-3000:]
    statuses = [s for (s,) in published.sql("select status from ops.sqlscore_runs order by started_at")]
    assert statuses[-2:] == ["interrupted", "published"]


#: The step boundaries of a run in order, where SQLSCORE_PAUSE_AT can hold it for a kill -9, and the
#: ``step`` its record must show after the kill.
BOUNDARIES = [
    ("dbt_built", "dbt_built"),
    ("gated", "gated"),
    ("serving_staged", "serving_staged"),
    ("publish_transaction", "serving_staged"),  # inside the publish transaction, before its commit
    ("published", "published"),  # committed, the serving file not yet renamed
]


def test_kill_at_every_step_boundary_then_the_next_run_repairs(published: Published) -> None:
    """kill -9 at each step boundary in turn; after each, consumers see the last good data (or, after
    the commit, published.* new and the new serving file staged); a second run started meanwhile is
    refused; the last run repairs everything and leaves no temporary file."""
    published.execute("update raw.customers set monthly_charges = monthly_charges + 1")
    before = published.consumer_view()
    for pause, recorded_step in BOUNDARIES:
        process = published.start(SQLSCORE_PAUSE_AT=f"{pause}:60")
        wait_for_line(process, f"pausing 60 s at {pause}")
        if pause == "dbt_built":  # one run at a time: a second one is refused at once, naming the holder
            second = published.run()
            assert second.returncode == 2 and f"(pid {process.pid})" in second.stderr, second.stderr
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        status, step = published.sql(
            "select status, step from ops.sqlscore_runs order by started_at desc limit 1"
        )[0]
        if pause == "published":
            assert (status, step) == ("published", "published")
            after = published.consumer_view()
            assert after["published"] != before["published"]  # committed
            assert after["serving_sha256"] == before["serving_sha256"]  # not yet renamed...
            assert list(published.root.glob(".warehouse_serving.duckdb.*.tmp"))  # ...but staged, whole
        else:
            assert (status, step) == ("running", recorded_step)  # the next run marks it interrupted
            assert published.consumer_view() == before
    # 6 runs recorded: 5 killed (4 before their commit) and none by the refused second run
    assert published.sql("select count(*) from ops.sqlscore_runs")[0][0] == 1 + len(BOUNDARIES)

    leftover = published.root / ".sqlscore-gate-killed"  # what a kill during the gate leaves
    leftover.mkdir()
    (leftover / "request.json").write_text("{}")
    result = published.run()
    assert result.returncode == 0, result.stdout[-3000:]
    assert "its serving file was put in place by the next run" in result.stdout
    statuses = published.sql("select status, message from ops.sqlscore_runs order by started_at")[-6:]
    assert [s for s, _ in statuses] == ["interrupted"] * 4 + ["published", "published"]
    assert "after step serving_staged" in statuses[3][1]
    assert published.serving_matches_published()
    assert not list(published.root.glob(".warehouse_serving.duckdb.*"))
    assert not list(published.root.glob(".sqlscore-gate-*"))


def test_a_lost_staged_copy_is_rebuilt_from_published(published: Published) -> None:
    published.execute("update raw.customers set monthly_charges = monthly_charges + 1")
    process = published.start(SQLSCORE_PAUSE_AT="published:60")
    wait_for_line(process, "pausing 60 s at published")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    for staged in published.root.glob(".warehouse_serving.duckdb.*.tmp"):
        staged.unlink()
    assert not published.serving_matches_published()
    result = published.run()
    assert result.returncode == 0, result.stdout[-3000:]
    assert "rebuilt from published.*" in result.stdout
    assert published.serving_matches_published()


def test_an_unwritable_serving_location_fails_before_publishing(published: Published) -> None:
    published.execute("update raw.customers set monthly_charges = monthly_charges + 1")
    before = published.consumer_view()
    result = published.run(SQLSCORE_SERVING="/proc/sqlscore_serving.duckdb")
    assert result.returncode == 2, result.stdout[-3000:]
    assert "cannot write the serving copy" in result.stderr and "Traceback" not in result.stderr
    assert published.consumer_view() == before
    status, _, _, message = published.last_run()
    assert status == "failed" and "nothing was published" in message


READER = textwrap.dedent(
    """
    import sys, time, duckdb
    path, seconds = sys.argv[1], float(sys.argv[2])
    reads, runs_seen, deadline = 0, set(), time.time() + seconds
    while time.time() < deadline:
        con = duckdb.connect(path, read_only=True)
        try:
            info = con.execute("select run_id, table_name, row_count from serving_info").fetchall()
            runs_seen.update(r[0] for r in info)
            assert len({r[0] for r in info}) == 1, info
            for _, table, expected in info:
                got = con.execute(f"select count(*), count(distinct run_id) from {table}").fetchall()[0]
                assert got[0] == expected, (table, got, expected)
        finally:
            con.close()
        reads += 1
    print(reads, len(runs_seen))
    """
)


def test_concurrent_reader_never_errors_nor_sees_partial_data(published: Published) -> None:
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published.serving), "60"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for step in range(2):
            published.execute(f"update raw.customers set monthly_charges = monthly_charges + {step + 1}")
            result = published.run()
            assert result.returncode == 0, result.stdout[-3000:]
    finally:
        out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err[-3000:]
    reads, runs_seen = map(int, out.split())
    assert reads > 20 and runs_seen >= 2  # it read throughout, across at least one publish


def test_published_data_is_readable_from_the_duckdb_file_by_another_process(published: Published) -> None:
    with duckdb.connect(str(published.serving), read_only=True) as con:
        rows = con.execute("select count(*) from customer_churn_scores").fetchall()[0][0]
    assert rows == published.sql("select count(*) from published.customer_churn_scores")[0][0]
    time.sleep(0)  # the warehouse itself stays writable by the next run


def test_bad_as_of_and_locked_warehouse_are_errors(published: Published) -> None:
    before = published.consumer_view()
    for as_of in ("2026-13-01", "", " 2026-10-31", "2026-10-31'; select 1; --"):
        bad = published.run("--as-of", as_of)
        assert bad.returncode == 2 and "is not a date" in bad.stderr, (as_of, bad.stderr)
    with duckdb.connect(str(published.warehouse)):  # another writer holds the file
        locked = published.run()
    assert locked.returncode == 2 and "is in use by another process" in locked.stderr
    assert f"pid {os.getpid()}" in locked.stderr and "Traceback" not in locked.stderr
    assert published.consumer_view() == before
    # the locked run's record was closed by the next run, which found its process gone
    assert published.run().returncode == 0
    statuses = [s for (s,) in published.sql("select status from ops.sqlscore_runs order by started_at")]
    assert "running" not in statuses
