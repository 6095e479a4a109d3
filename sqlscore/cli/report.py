"""``sqlscore report``: the monitoring tables drawn as one self-contained HTML page."""

from __future__ import annotations

import argparse
from pathlib import Path

from sqlscore.registry import Registry


def add_parsers(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    report = subparsers.add_parser(
        "report",
        help="write the monitoring report (drift, performance, challenger) as one HTML file",
        description="Read monitoring.feature_drift, prediction_drift, model_performance and the shadow "
        "scores from the warehouse (read-only) and write one HTML page that opens offline: inline SVG "
        "charts, no script, nothing fetched. Missing or empty tables are named in the page.",
    )
    report.add_argument(
        "--out", help="the HTML file to write (default: monitoring_report.html beside the warehouse)"
    )
    report.set_defaults(handler=cmd_report)


def cmd_report(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    from sqlscore.monitoring.report import default_report_path, write_report

    out = Path(args.out) if args.out else default_report_path(warehouse)
    report = write_report(warehouse, out)
    models = ", ".join(section.name for section in report.models) or "none"
    print(f"monitoring report written to {out} (models: {models})")
    for text in report.missing.values():
        print(f"  note: {text}")
    return 0
