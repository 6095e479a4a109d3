"""``sqlscore sql "QUERY"`` and ``sqlscore shell``: SQL with every model callable."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from sqlscore.errors import SqlscoreError
from sqlscore.registry import Registry
from sqlscore.settings import ExitCode

if TYPE_CHECKING:  # imported where used: `sqlscore --help` must not pay for DuckDB and polars
    import duckdb
    import polars as pl


def add_parsers(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    sql = subparsers.add_parser(
        "sql",
        help="run SQL on the warehouse with every model function registered",
        description="Run one or more SQL statements; the result of the last is printed.",
    )
    sql.add_argument("query", help='SQL text, for example "select predict_churn(...) from ..."')
    sql.add_argument(
        "--format",
        choices=("table", "csv", "json"),
        default="table",
        help="table (default), csv (nested values as JSON text) or json",
    )
    sql.add_argument("--read-only", action="store_true", help="open the warehouse read-only")
    sql.set_defaults(handler=cmd_sql)

    shell = subparsers.add_parser(
        "shell",
        help="interactive SQL shell with every model function registered",
        description="Statements end with ';'. '.tables', '.functions', '.help'; '.quit' or end of "
        "input leaves.",
    )
    shell.add_argument("--read-only", action="store_true", help="open the warehouse read-only")
    shell.set_defaults(handler=cmd_shell)


def _open(registry: Registry, warehouse: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    from sqlscore.functions.connection import connect

    return connect(warehouse, registry=registry, read_only=read_only)


def _print(con: duckdb.DuckDBPyConnection, query: str, fmt: str) -> None:
    import polars as pl

    relation = con.sql(query)
    if relation is None:  # a statement without a result (DDL, insert)
        print("ok")
        return
    if fmt == "table":
        relation.show(max_rows=40, max_width=200)
        return
    frame = pl.from_arrow(relation.to_arrow_table())
    assert isinstance(frame, pl.DataFrame)
    if fmt == "csv":
        sys.stdout.write(_flat(frame).write_csv())
    else:
        sys.stdout.write(frame.write_json() + "\n")


def _flat(frame: pl.DataFrame) -> pl.DataFrame:
    """Lists, arrays and structs as JSON text: CSV cells hold one value (``ml_models.aliases``)."""
    import polars as pl

    nested = [name for name, dtype in frame.schema.items() if dtype.is_nested()]
    return frame.with_columns(
        pl.col(name).map_elements(lambda v: json.dumps(_plain(v), default=str), return_dtype=pl.String)
        for name in nested
    )


def _plain(value: object) -> object:
    """A polars cell as plain Python (Series inside lists become lists) for json.dumps."""
    import polars as pl

    if isinstance(value, pl.Series):
        return [_plain(v) for v in value.to_list()]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def cmd_sql(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    import duckdb

    con = _open(registry, warehouse, args.read_only)
    try:
        _print(con, args.query, args.format)
    except duckdb.Error as exc:
        raise SqlscoreError(str(exc)) from exc
    finally:
        con.close()
    return ExitCode.OK


SHELL_HELP = """\
Statements end with ';' (the last one of piped input may omit it). Dot commands:
  .tables      the tables and views, by schema
  .functions   the model functions and the model version each is bound to
  .help        this text
  .quit        leave (end of input leaves too)"""


def cmd_shell(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    from sqlscore.functions.connection import registration_report

    con = _open(registry, warehouse, args.read_only)
    interactive = sys.stdin.isatty()
    report = registration_report(con)
    print(
        f"sqlscore shell on {warehouse}; functions: "
        f"{', '.join(f'{f} -> {m}' for f, m in report.registered.items()) or 'none'}; .help for help"
    )
    buffer: list[str] = []
    failures = 0
    try:
        while True:
            try:
                line = (
                    input("sqlscore> " if not buffer else "     ...> ")
                    if interactive
                    else sys.stdin.readline()
                )
            except EOFError:
                break
            if not interactive and line == "":
                break
            stripped = line.strip()
            if not buffer and stripped in (".quit", ".exit"):
                break
            if not buffer and stripped.startswith("."):
                _dot_command(con, stripped, report.registered)
                continue
            buffer.append(line.rstrip("\n"))
            if stripped.endswith(";"):
                failures += _run_statement(con, "\n".join(buffer))
                buffer = []
        if "".join(buffer).strip():  # piped input whose last statement has no ';'
            failures += _run_statement(con, "\n".join(buffer))
    finally:
        con.close()
    return ExitCode.ERROR if failures and not interactive else ExitCode.OK


def _run_statement(con: duckdb.DuckDBPyConnection, statement: str) -> int:
    """Run one statement and print its result; 1 if it failed (the error is printed), else 0."""
    import duckdb

    try:
        _print(con, statement, "table")
    except duckdb.Error as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


def _dot_command(con: duckdb.DuckDBPyConnection, command: str, functions: dict[str, str]) -> None:
    if command == ".functions":
        for function, model in functions.items():
            print(f"{function} -> {model}")
    elif command == ".tables":
        _print(
            con,
            "select schema_name as schema, string_agg(table_name, '  ' order by table_name) as tables "
            "from (select schema_name, table_name from duckdb_tables() where not internal "
            "union all select schema_name, view_name from duckdb_views() where not internal) "
            "group by all order by all",
            "table",
        )
    elif command == ".help":
        print(SHELL_HELP)
    else:
        print(f"error: unknown command {command} (.help lists them)", file=sys.stderr)
