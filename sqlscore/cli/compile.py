"""``sqlscore compile MODEL``: a model's SQL-engine function for DuckDB, PostgreSQL or Spark SQL.

For warehouses other than the embedded DuckDB, this prints the statement to
run there (``CREATE FUNCTION ...``); nothing is installed anywhere.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sqlscore.registry import Registry

#: sqlscore.compiler.DIALECTS, spelled here so that ``--help`` does not load the compiler
#: (tests/cli/test_compile.py checks the two agree)
DIALECT_CHOICES = ("duckdb", "postgres", "spark")


def add_parsers(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    parser = subparsers.add_parser(
        "compile",
        help="print a model compiled to SQL (a DuckDB macro, a PostgreSQL or Spark SQL function)",
        description="Compile NAME[@ALIAS|:VERSION] with the SQL engine and print the statement that "
        "creates its function in the chosen dialect.",
    )
    parser.add_argument("model", help="NAME, NAME@ALIAS or NAME:VERSION")
    parser.add_argument(
        "--dialect", choices=DIALECT_CHOICES, default="duckdb", help="SQL dialect to write (default duckdb)"
    )
    parser.add_argument("--function", help="function name (default predict_<name>)")
    parser.add_argument(
        "--output", choices=("score", "label", "probabilities"), help="default: as predict_<name>"
    )
    parser.add_argument("--out", metavar="FILE", help="write to FILE instead of stdout")
    parser.set_defaults(handler=cmd_compile)


def cmd_compile(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    from sqlscore.functions.declarations import default_declarations
    from sqlscore.functions.registration import signature_of
    from sqlscore.functions.sql_engine import compiled_function
    from sqlscore.names import check_identifier

    del warehouse
    card = registry.resolve(args.model)
    default = default_declarations(card.name, card.task)[0]
    output = args.output or default.output
    function = check_identifier(args.function or default.name, "function name")
    _, returns = signature_of(card, output)
    compiled = compiled_function(registry, card, function, output, returns)  # sha256 and graph checked
    text = compiled.create_sql(args.dialect) + ";\n"
    if args.out:
        Path(args.out).write_text(text)
        print(f"wrote {args.out} ({len(text.encode()) / 1024:.1f} KB)", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return 0
