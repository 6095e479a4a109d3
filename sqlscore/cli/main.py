"""Entry point of the ``sqlscore`` console script.

Exit codes, the same for every command:
  0  success
  1  a check failed (``models verify`` found a bad artifact; ``run`` was blocked by the gate)
  2  error (bad arguments, missing model, unreadable warehouse, ...), with a message on stderr
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from sqlscore.cli import bench, compile, demo, expectations, models, run, scaffold, sql
from sqlscore.cli.output import error
from sqlscore.config import registry_path, warehouse_path
from sqlscore.errors import SqlscoreError
from sqlscore.registry import Registry

EXIT_ERROR = 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sqlscore",
        description="Score scikit-learn models inside the warehouse, from SQL.",
        epilog="Exit codes: 0 success, 1 a check failed (verify, gate), 2 error.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--warehouse", help="DuckDB file (default: $SQLSCORE_WAREHOUSE or warehouse.duckdb)")
    parser.add_argument(
        "--registry", help="model registry folder (default: $SQLSCORE_REGISTRY or models_onnx)"
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    models.add_parser(subparsers)
    demo.add_parsers(subparsers)
    sql.add_parsers(subparsers)
    bench.add_parser(subparsers)
    compile.add_parser(subparsers)
    run.add_parser(subparsers)
    expectations.add_parser(subparsers)
    scaffold.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    registry = Registry(registry_path(args.registry))
    warehouse = Path(warehouse_path(args.warehouse))
    try:
        code: int = args.handler(args, registry, warehouse)
        sys.stdout.flush()
    except SqlscoreError as exc:
        error(str(exc))
        return EXIT_ERROR
    except BrokenPipeError:
        # The reader went away (`sqlscore models show churn | head -3`): end quietly, as cat does.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    except KeyboardInterrupt:
        error("interrupted")
        return EXIT_ERROR
    except Exception as exc:  # anything unexpected is an error (2), never "a check failed" (1)
        traceback.print_exc()
        error(f"unexpected {type(exc).__name__}: {exc}")
        return EXIT_ERROR
    return code


if __name__ == "__main__":
    sys.exit(main())
