"""The CLI under the faults an operator meets: one line naming the real cause, exit 2, no traceback;
and a reader that goes away (``| head``) ends the command quietly."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from sqlscore.registry import Registry
from tests.conftest import SQLSCORE


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, (result.stdout[-2000:], result.stderr[-2000:])
    assert "Traceback" not in result.stderr, result.stderr
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.stderr
    return errors[0]


def test_a_warehouse_held_by_another_process(run_cli, demo_env: tuple[Path, Registry]) -> None:  # type: ignore[no-untyped-def]
    warehouse, _ = demo_env
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys, time
            con = duckdb.connect({str(warehouse)!r})
            print("holding", flush=True)
            time.sleep(60)
        """),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        line = one_line_error(run_cli("sql", "select 1"))
        assert "is in use by another process" in line and f"pid {holder.pid}" in line
    finally:
        holder.kill()
        holder.wait()


def test_missing_folder_and_missing_file(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing_folder = tmp_path / "no_such_dir" / "warehouse.duckdb"
    line = one_line_error(run_cli("--warehouse", str(missing_folder), "sql", "select 1"))
    assert "folder of the warehouse" in line and "does not exist" in line
    missing_file = tmp_path / "never_built.duckdb"
    line = one_line_error(run_cli("--warehouse", str(missing_file), "sql", "--read-only", "select 1"))
    assert "does not exist" in line
    assert not missing_file.exists()


def test_a_reader_that_goes_away_ends_the_command_quietly(demo_env: tuple[Path, Registry]) -> None:
    warehouse, registry = demo_env
    env = {**os.environ, "SQLSCORE_WAREHOUSE": str(warehouse), "SQLSCORE_REGISTRY": str(registry.root)}
    result = subprocess.run(
        f"{SQLSCORE} sql --format csv 'select * from range(2000000)' | head -2",
        shell=True,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.stdout.splitlines() == ["range", "0"]
    assert result.stderr == "", result.stderr


def _parsers(parser: argparse.ArgumentParser, path: str = "sqlscore"):  # type: ignore[no-untyped-def]
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield from _parsers(child, f"{path} {name}")


def test_every_option_and_argument_has_help_text() -> None:
    from sqlscore.cli.main import build_parser

    missing = [
        f"{path} {action.dest}"
        for path, parser in _parsers(build_parser())
        for action in parser._actions
        if not isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)) and not action.help
    ]
    assert missing == []


def test_help_loads_no_heavy_library_and_global_options_go_anywhere(run_cli, demo_env) -> None:  # type: ignore[no-untyped-def]
    """`sqlscore --help` imports neither DuckDB, scikit-learn, onnxruntime, polars nor dbt (its time
    is measured by farm-bench, see the closing note); --warehouse works after the command too."""
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, sqlscore.cli.main as m; m.build_parser().format_help(); "
            "print(sorted(n for n in ('duckdb', 'sklearn', 'onnxruntime', 'polars', 'dbt') if n in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert probe.stdout.strip() == "[]"
    warehouse, registry = demo_env
    after = run_cli(
        "sql", "--read-only", "--warehouse", str(warehouse), "select count(*) as n from raw.customers"
    )
    assert after.returncode == 0 and "4000" in after.stdout, after.stderr
    nowhere = run_cli("sql", "--warehouse", str(warehouse.parent / "missing" / "w.duckdb"), "select 1")
    assert nowhere.returncode == 2 and "missing" in nowhere.stderr


def test_the_console_script_runs_main_with_the_collector_tuned_for_a_short_process() -> None:
    """The installed ``sqlscore`` is :func:`sqlscore.cli.main.console`, which sets the collector's
    threshold in its own process before :func:`main` runs (here replaced by a probe that reports
    what it finds); a caller of ``main`` in its own process keeps its threshold."""
    import gc
    from importlib.metadata import entry_points

    from sqlscore.cli.main import COLLECT_AFTER_ALLOCATIONS, main

    (script,) = [e for e in entry_points(group="console_scripts") if e.name == "sqlscore"]
    assert script.value == "sqlscore.cli.main:console"
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import gc, sqlscore.cli.main as m; before = gc.get_threshold(); "
            "m.main = lambda: print(before[0], gc.get_threshold()[0]) or 0; raise SystemExit(m.console())",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    default, in_main = map(int, probe.stdout.split())  # CPython 3.11's default: 700
    assert default != in_main == COLLECT_AFTER_ALLOCATIONS
    before = gc.get_threshold()
    with pytest.raises(SystemExit):  # argparse ends --help so
        main(["--help"])
    assert gc.get_threshold() == before


def test_demo_summary_sends_readers_to_the_serving_file(run_cli) -> None:  # type: ignore[no-untyped-def]
    result = run_cli("demo-summary")
    assert result.returncode == 0, result.stderr
    assert (
        "Readers (analysts, BI tools, notebooks) open the serving file warehouse_serving.duckdb"
        in result.stdout
    )
    assert "is for the scheduled writer" in result.stdout
    assert "duckdb.connect('warehouse.duckdb'" not in result.stdout  # no reader pointed at the writer's file
