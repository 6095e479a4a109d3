"""Fault tests of `sqlscore run`: for each fault, consumers' data is unchanged, the message is
clear and the exit code is right (0 published, 1 blocked by the gate, 2 error)."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from sqlscore.gate import validate_tables
from sqlscore.gate.child import PROCESS_NAME
from tests.gate.conftest import REPO, TABLES, Published, table_digests, wait_for_line
from tests.prewarmed import Process


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
    # nor pyspark's warning about pandas: GX would import pyspark where the Spark target is installed
    assert "FutureWarning" not in log and "pyspark" not in log, log[-3000:]
    # nor Great Expectations' INFO log lines (its gate is a fork of a run that imported dbt, whose
    # snowplow_tracker configures the root logger): a clean run says nothing on stderr
    assert result.stderr == "", result.stderr[-3000:]
    assert log.index("customer_churn_scores: passed (11 expectations)") < log.index("3/3 publish")
    last = result.stdout.strip().splitlines()[-1]
    (run_id,) = published.sql("select run_id from ops.sqlscore_runs order by started_at desc limit 1")[0]
    assert last.startswith(f"run {run_id}: published (exit 0): customer_churn_scores (")
    assert (published.root / "gx_docs" / "index.html").exists()
    status, failed, _, _ = published.last_run()
    assert status == "published" and failed is None
    assert published.sql("select count(*) from published.customer_churn_scores")[0][0] > 3000
    # the same day again: nothing rescored, every row published again, and the record says so
    scored, rows = published.sql(
        "select rows_scored, rows_published from ops.sqlscore_runs where run_id = ?", run_id
    )[0]
    assert json.loads(scored) == {
        "scoring.churn_scores": 0,
        "scoring.risk_scores": 0,
        "scoring.churn_shadow_scores": 0,  # no challenger: built, nothing scored
        "scoring.risk_shadow_scores": 0,
    }
    assert json.loads(rows) == {t: published.sql(f"select count(*) from published.{t}")[0][0] for t in TABLES}


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
    # drift gate is what stops it: the score's PSI (and the shifted inputs') against the version's
    # reference, before the score-distribution expectations (which stand behind it) would run
    # (tripled tickets are stopped at the inputs)
    published.execute(
        "insert into raw.support_tickets (ticket_id, customer_id, opened_at, category, severity) "
        "select ticket_id + 10000000, customer_id, timestamp '2026-10-20', category, 'high' "
        "from raw.support_tickets where customer_id % 2 = 0",
        "update raw.usage_events set minutes_used = minutes_used * 0.3 where usage_month = date '2026-10-01'",
    )
    result = published.run()
    assert result.returncode == 1, result.stdout[-3000:]
    assert re.search(
        r"drift: model churn version 1, as of 2026-10-31, score: psi \d+\.\d{4} above the block",
        result.stdout,
    )
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
    assert re.search(
        r"dbt tests failed: source_unique_\w+_customers_customer_id \(20 failing rows\)", message
    )
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


def test_the_row_count_expectation_fails_a_partial_candidate(published: Published) -> None:
    """The gate's verdict on a candidate missing rows (a partial scoring): the row-count
    expectation fails, observing both counts, and the other table passes. That a failed verdict
    blocks the publish, consumers' data untouched, is what the real runs of
    ``test_shifted_feature_distribution_moves_the_scores`` and ``test_duplicate_keys`` check."""
    (scored,) = published.sql("select count(*) from intermediate.int_customers_featurized")[0]
    published.execute("delete from candidate.customer_churn_scores where customer_id % 50 = 0")
    (left,) = published.sql("select count(*) from candidate.customer_churn_scores")[0]
    assert 0 < left < scored
    verdicts = validate_tables(published.warehouse, list(TABLES), REPO / "expectations")
    churn = next(v for v in verdicts if v.table == "customer_churn_scores")
    assert not churn.success
    failure = next(f for f in churn.failures if "Row count" in f.description)
    observed = str(failure.observed)
    assert f"'published_rows': {left}" in observed and f"'scored_input_rows': {scored}" in observed
    assert next(v for v in verdicts if v.table == "loan_application_risk_scores").success


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
    (killed,) = published.sql("select run_id from ops.sqlscore_runs order by started_at desc limit 1")[0]
    result = published.run()
    assert result.returncode == 0, result.stdout[-3000:]
    statuses = [s for (s,) in published.sql("select status from ops.sqlscore_runs order by started_at")]
    assert statuses == ["published", "interrupted", "published"]
    # the features of every customer with charges changed (NULL + 1 stays NULL): between them, the
    # killed run (if its churn scores committed before the kill) and the next one scored each of
    # those customers once; the record counts exactly the rows its run scored; loans are unchanged
    run_id, scored = published.sql(
        "select run_id, rows_scored from ops.sqlscore_runs order by started_at desc limit 1"
    )[0]
    scored = json.loads(scored)
    by_killed = published.sql("select count(*) from scoring.churn_scores where run_id = ?", killed)[0][0]
    (changed,) = published.sql(
        "select count(*) from intermediate.int_customers_featurized join raw.customers using (customer_id) "
        "where raw.customers.monthly_charges is not null"
    )[0]
    assert changed > 3000 and scored["scoring.churn_scores"] + by_killed == changed
    assert scored["scoring.risk_scores"] == 0
    for table, count in scored.items():
        assert published.sql(f"select count(*) from {table} where run_id = ?", run_id)[0][0] == count


#: Where each kill -9 falls, in order: a step boundary where SQLSCORE_PAUSE_AT holds the run, or
#: ``gate``, while the gate's child process is validating the candidates; and the ``step`` the
#: killed run's record must show.
KILLS = [
    ("dbt_built", "dbt_built"),
    ("gate", "dbt_built"),
    ("gated", "gated"),
    ("serving_staged", "serving_staged"),
    ("publish_transaction", "serving_staged"),  # inside the publish transaction, before its commit
    ("published", "published"),  # committed, the serving file not yet renamed
]


def _children(parent: int) -> list[tuple[int, str, str]]:
    """(pid, state, process name) of each live child process of ``parent``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        named, rest = stat.rsplit(")", 1)
        state, ppid = rest.split()[:2]
        if int(ppid) == parent and state != "Z":
            found.append((int(entry.name), state, named.split("(", 1)[1]))
    return found


#: the name the run's gate process gives itself (its command line is the run's when it is a fork)
GATE = PROCESS_NAME.decode()


def _gate_child_reading(run: Process, warehouse: Path, timeout: float = 180) -> int:
    """The pid of the run's gate process once it has the warehouse open."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for pid, _, name in _children(run.pid):
            if name != GATE:
                continue
            try:
                open_files = {os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()}
            except OSError:
                continue
            if str(warehouse.resolve()) in open_files:
                return pid
        assert run.poll() is None, "the run ended before its gate was caught validating"
        time.sleep(0.05)
    raise AssertionError(f"no gate process of run {run.pid} opened {warehouse} within {timeout} s")


def _opens(task: Path, target: str) -> bool:
    """Whether the thread ``task`` (a /proc/PID/task/TID folder) has ``target`` open."""
    try:
        return any(os.readlink(fd) == target for fd in (task / "fd").iterdir())
    except OSError:  # a zombie thread, or it ended meanwhile
        return False


def _holding(path: Path) -> list[str]:
    """Every live process that has ``path`` open: its pid, state and command line. Each thread's
    descriptors are looked at: a process whose main thread is already a zombie shows none of its
    own while its other threads still hold them."""
    target, found = str(path.resolve()), []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if any(_opens(task, target) for task in (entry / "task").iterdir()):
                state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append(f"{entry.name} {state} {command}")
        except OSError:
            continue
    return found


def _gone(pid: int, timeout: float = 30) -> bool:
    """Whether process ``pid`` has ended within ``timeout``: gone, or every one of its threads a
    zombie. The main thread of a killed multi-threaded process can be a zombie while its other
    threads are still exiting, holding the open files (and DuckDB's lock) they share."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            states = [
                (task / "stat").read_text().rsplit(")", 1)[1].split()[0]
                for task in Path(f"/proc/{pid}/task").iterdir()
            ]
        except OSError:
            return True
        if all(state in ("Z", "X") for state in states):
            return True
        time.sleep(0.05)
    return False


def _assert_published_new_and_serving_staged(published: Published, before: dict[str, object]) -> None:
    """Killed between the publish commit and the serving file's rename: published.* is wholly the
    killed run's (every table, its history, its run record: one transaction), the serving file is
    wholly the previous run's (not a byte changed), and the new serving file is staged whole,
    holding exactly what published.* now holds, for the next run to rename into place."""
    (killed,) = published.sql("select run_id from ops.sqlscore_runs order by started_at desc limit 1")[0]
    now = table_digests(published.warehouse, "published")
    assert now != before["published"]
    for table in TABLES:  # everything new: each published table is the candidate this run built
        (differing,) = published.sql(
            f"select count(*) from ((from published.{table} except all from candidate.{table}) "
            f"union all (from candidate.{table} except all from published.{table}))"
        )[0]
        assert differing == 0, table
    (rows,) = published.sql("select rows_published from ops.sqlscore_runs where run_id = ?", killed)[0]
    assert json.loads(rows) == {t: now[t][0] for t in TABLES}
    assert published.consumer_view()["serving_sha256"] == before["serving_sha256"]  # everything old
    staged = published.root / f".warehouse_serving.duckdb.{killed}.tmp"
    assert list(published.root.glob(".warehouse_serving.duckdb.*")) == [staged]
    in_staged = table_digests(staged, "main")
    info = in_staged.pop("serving_info")
    assert in_staged == now  # the staged file holds what published.* holds, whole
    with duckdb.connect(str(staged), read_only=True) as con:
        listed = con.execute("select run_id, table_name, row_count from serving_info").fetchall()
    assert info[0] == len(now) and {(r, t, n) for r, t, n in listed} == {
        (killed, t, count) for t, (count, _) in now.items()
    }


@pytest.mark.heavy
def test_kill_at_every_step_boundary_then_the_next_run_repairs(published: Published) -> None:
    """kill -9 at each step boundary in turn, and once while the gate validates; after each,
    consumers see everything old (published.* and the serving file untouched), or, after the
    commit, published.* wholly new and the new serving file staged whole; a second run started
    meanwhile is refused; a killed run's gate process dies with it and its scratch folder is
    removed by the next run; the last run repairs everything and leaves no temporary file."""
    published.execute("update raw.customers set monthly_charges = monthly_charges + 1")
    before = published.consumer_view()
    gate_scratch: list[Path] = []
    for kill_at, recorded_step in KILLS:
        if kill_at == "gate":
            process = published.start()
            wait_for_line(process, "2/3 gate")
            gate = _gate_child_reading(process, published.warehouse)
            gate_scratch = list(published.root.glob(".sqlscore-gate-*"))
            assert len(gate_scratch) == 1 and (gate_scratch[0] / "request.json").is_file()
        else:
            process = published.start(SQLSCORE_PAUSE_AT=f"{kill_at}:60")
            wait_for_line(process, f"pausing 60 s at {kill_at}")
        if kill_at == "dbt_built":  # one run at a time: a second one is refused at once, naming the holder
            second = published.run()
            assert second.returncode == 2 and f"(pid {process.pid})" in second.stderr, second.stderr
            # the gate's child started with the run (Great Expectations imports while dbt builds)
            # and waits for its request without the warehouse open
            (waiting,) = [pid for pid, _, name in _children(process.pid) if name == GATE]
            assert not _opens(Path(f"/proc/{waiting}"), str(published.warehouse.resolve()))
            # a fork of the run (sqlscore.gate.fork), not a new interpreter: the run's command line
            assert (
                Path(f"/proc/{waiting}/cmdline").read_bytes()
                == Path(f"/proc/{process.pid}/cmdline").read_bytes()
            )
        if kill_at == "gated":  # this run started after the gate was killed: it removed its leftovers
            assert gate_scratch and not any(folder.exists() for folder in gate_scratch)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        if kill_at == "dbt_built":
            assert _gone(waiting), f"the waiting gate process {waiting} outlived its run"
        if kill_at == "gate":  # the gate dies with its run
            assert _gone(gate), f"the gate process {gate} outlived its run"
            assert all(folder.exists() for folder in gate_scratch)  # its scratch folder stays behind
        assert not _holding(published.warehouse), _holding(published.warehouse)  # nothing holds it
        status, step = published.sql(
            "select status, step from ops.sqlscore_runs order by started_at desc limit 1"
        )[0]
        if kill_at == "published":
            assert (status, step) == ("published", "published")
            _assert_published_new_and_serving_staged(published, before)
        else:
            assert (status, step) == ("running", recorded_step)  # the next run marks it interrupted
            assert published.consumer_view() == before
    # 7 runs recorded: 6 killed (5 before their commit) and none by the refused second run
    assert published.sql("select count(*) from ops.sqlscore_runs")[0][0] == 1 + len(KILLS)

    result = published.run()
    assert result.returncode == 0, result.stdout[-3000:]
    assert "its serving file was put in place by the next run" in result.stdout
    statuses = published.sql("select status, message from ops.sqlscore_runs order by started_at")
    assert [s for s, _ in statuses] == ["published"] + ["interrupted"] * 5 + ["published", "published"]
    assert "its process ended after step dbt_built" in statuses[2][1]  # the run killed in its gate
    assert "after step serving_staged" in statuses[5][1]
    assert published.serving_matches_published()
    assert not list(published.root.glob(".warehouse_serving.duckdb.*"))
    assert not list(published.root.glob(".sqlscore-gate-*"))


@pytest.mark.heavy
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
    import os, sys, time, duckdb
    path, stop, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    reads, runs_seen, deadline = 0, set(), time.time() + seconds
    while time.time() < deadline and not os.path.exists(stop):  # the test says when; bounded anyway
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
        time.sleep(0.02)  # about 50 reads a second, each its own connection, and a core left to the runs
    print(reads, len(runs_seen))
    """
)


@pytest.mark.heavy
def test_concurrent_reader_never_errors_nor_sees_partial_data(published: Published) -> None:
    stop = published.root / "reader.stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(published.serving), str(stop), "300"],
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
        stop.touch()  # the reader reads for as long as the runs take, not a fixed minute
        out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err[-3000:]
    reads, runs_seen = map(int, out.split())
    assert reads > 20 and runs_seen >= 2  # it read throughout, across at least one publish


HOLDER = textwrap.dedent(
    """
    import json, sys, duckdb
    path, tables = sys.argv[1], sys.argv[2:]
    con = duckdb.connect(path, read_only=True)  # held open until the test has written the warehouse
    def report():
        runs = con.execute("select distinct run_id from serving_info").fetchall()
        digests = {t: con.execute(f"select count(*), sum(hash(r)) from {t} r").fetchall()[0] for t in tables}
        print(json.dumps({"runs": runs, "tables": digests}, default=str), flush=True)
    report()
    sys.stdin.readline()
    report()
    con.close()
    """
)


def test_published_data_is_readable_from_the_duckdb_file_by_another_process(published: Published) -> None:
    """Another process opens the serving file read-only and reads exactly published.*; while it
    holds the file open, the warehouse stays writable (what the next run needs)."""
    reader = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(published.serving), *TABLES],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        first = json.loads(wait_for_line(reader, "tables", timeout=120)[-1])
        published.execute("create table ops.written_while_read as select 42 as answer")  # not blocked
        assert reader.stdin is not None
        reader.stdin.write("\n")
        reader.stdin.flush()
        second = json.loads(wait_for_line(reader, "tables", timeout=120)[-1])
    finally:
        try:
            _, err = reader.communicate(timeout=60)  # closes its stdin: it reports and ends
        except subprocess.TimeoutExpired:
            reader.kill()
            _, err = reader.communicate()
    assert reader.returncode == 0, err[-3000:]
    (last,) = published.sql(
        "select run_id from ops.sqlscore_runs where status = 'published' order by ended_at desc limit 1"
    )[0]
    digests = table_digests(published.warehouse, "published")
    expected = {t: [digests[t][0], str(digests[t][1])] for t in TABLES}
    for report in (first, second):
        assert report["runs"] == [[last]]
        assert {t: [n, str(h)] for t, (n, h) in report["tables"].items()} == expected
    assert digests["customer_churn_scores"][0] > 3000
    assert published.sql("select answer from ops.written_while_read") == [(42,)]


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
    # none of the refused runs wrote a record (the locked one could not open the warehouse); the
    # next run starts as usual
    assert published.run().returncode == 0
    statuses = [s for (s,) in published.sql("select status from ops.sqlscore_runs order by started_at")]
    assert statuses == ["published", "published"]
