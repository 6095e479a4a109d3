"""A long-lived reader sees every publish: the serving file is renamed over by another process
while the reader keeps its connection, and the reader's next query reads the new run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb

from sqlscore.warehouse.serving_file import ServingReader

PUBLISHER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import duckdb
    from sqlscore.warehouse.publication import stage_serving_copy, swap_serving_copy
    serving, run_id, rows = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    with duckdb.connect(":memory:") as con:
        con.execute("create schema candidate")
        con.execute(f"create table candidate.scores as select range as id, ? as run_id from range({rows})", [run_id])
        swap_serving_copy(stage_serving_copy(con, serving, {"scores": "candidate.scores"}, run_id), serving)
    """
)


def publish(serving: Path, run_id: str, rows: int) -> None:
    """Publish from another process, as ``sqlscore run`` does."""
    subprocess.run(
        [sys.executable, "-c", PUBLISHER, str(serving), run_id, str(rows)], check=True, timeout=120
    )


def current(con: duckdb.DuckDBPyConnection) -> tuple[str, int]:
    run_id = con.execute("select run_id from serving_info").fetchall()[0][0]
    return run_id, con.execute("select count(*) from scores").fetchall()[0][0]


def test_reader_follows_each_publish(tmp_path: Path) -> None:
    serving = tmp_path / "warehouse_serving.duckdb"
    publish(serving, "run-1", 10)
    with ServingReader(serving) as reader:
        assert current(reader.connection()) == ("run-1", 10)
        assert current(reader.connection()) == ("run-1", 10) and reader.reopened == 0  # no change, no reopen
        kept = reader.connection()  # a caller still holding the old connection mid-query is unharmed
        publish(serving, "run-2", 20)
        assert current(kept) == ("run-1", 10)
        assert current(reader.connection()) == ("run-2", 20)
        publish(serving, "run-3", 30)
        assert current(reader.connection()) == ("run-3", 30)
        assert reader.reopened == 2


def test_without_the_reader_a_kept_connection_pins_the_old_file(tmp_path: Path) -> None:
    """The trap ServingReader exists for (DuckDB 2.0: one database instance per path per process)."""
    serving = tmp_path / "warehouse_serving.duckdb"
    publish(serving, "run-1", 10)
    kept = duckdb.connect(str(serving), read_only=True)
    try:
        publish(serving, "run-2", 20)
        with duckdb.connect(str(serving), read_only=True) as fresh:
            assert current(fresh) == ("run-1", 10)
    finally:
        kept.close()
    with duckdb.connect(str(serving), read_only=True) as fresh:
        assert current(fresh) == ("run-2", 20)
