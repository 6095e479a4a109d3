"""``sqlscore bench``: the scoring paths side by side in one run."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlscore.cli.output import emit_table
from sqlscore.errors import ConfigError
from sqlscore.registry import Registry
from sqlscore.settings import MEMORY_LIMIT, ExitCode

if TYPE_CHECKING:
    from sqlscore.tools.bench.compile_report import CompileFigure


def add_parsers(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    bench = subparsers.add_parser(
        "bench",
        help="measure the scoring paths side by side (onnxruntime, DuckDB function, Python batch)",
        description="Scores the demo models and a plain logistic regression through every path "
        "in separate processes and prints throughput, ratio to raw onnxruntime and peak RSS.",
    )
    bench.add_argument("--rows", type=int, default=2_000_000, help="rows per model (default 2,000,000)")
    bench.add_argument("--json", metavar="PATH", help="also write the records as JSON")
    bench.add_argument(
        "--customers",
        type=int,
        default=50_000,
        help="demo customers the benchmark's models are trained on and read from (default 50,000)",
    )
    bench.add_argument(
        "--repeat",
        type=int,
        default=3,
        metavar="K",
        help="time each path K times in its process and report the median (default 3)",
    )
    bench.add_argument("--workdir", help="keep the benchmark warehouse here (default: a temp folder)")
    bench.add_argument(
        "--memory-scale",
        type=int,
        default=0,
        metavar="K",
        help="also score K x rows through the DuckDB paths (onnx function, SQL macro, relation path, auto) "
        "and compare peak RSS (with --engines: the ensembles too, against the 1.3x target)",
    )
    bench.add_argument(
        "--dbt",
        type=int,
        default=0,
        metavar="CUSTOMERS",
        help="also time the scheduled job (`sqlscore run`: dbt build, gate, publish) on demo data "
        "with this many customers, step by step",
    )
    bench.add_argument(
        "--monitoring",
        action="store_true",
        help="with --dbt: also time, on the same warehouse, `dbt run` of the scoring build (features + "
        "scores) with and without the monitoring models, each in its own process, --repeat times; "
        "prints monitoring / scoring and the peak RSS ratio",
    )
    bench.add_argument(
        "--dbt-only",
        action="store_true",
        help="with --dbt: skip the scoring paths and the compile report (only the models are trained)",
    )
    _add_report_flags(bench)
    _add_serve_arguments(bench)
    bench.set_defaults(handler=cmd_bench)


def _add_serve_arguments(bench: argparse.ArgumentParser) -> None:
    bench.add_argument(
        "--spark",
        action="store_true",
        help="instead: --rows of the churn model's features scored on Spark with each engine, on a "
        "standalone cluster of 1 then 2 one-core workers, beside DuckDB (tools/bench/spark.py; needs Java "
        "and the demo warehouse)",
    )
    bench.add_argument(
        "--serve",
        action="store_true",
        help="instead: the HTTP service (sqlscore serve) under wrk on loopback, beside its no-op endpoint "
        "and in-process onnxruntime, for the registry and serving file given (tools/bench/serving.py)",
    )
    bench.add_argument("--serve-seconds", type=int, default=5, help="with --serve: wrk seconds per figure")
    bench.add_argument("--serve-workers", default="1,2", help="with --serve: worker counts (default 1,2)")
    bench.add_argument(
        "--serve-concurrency", default="1,8,32", help="with --serve: wrk connections (default 1,8,32)"
    )


def _add_report_flags(bench: argparse.ArgumentParser) -> None:
    """The flags that add or leave out whole reports: --engines, --no-compile-report."""
    bench.add_argument(
        "--engines",
        action="store_true",
        help="also score a 100-tree GradientBoosting, a 50-tree depth-8 RandomForest and a 100-iteration "
        "HistGradientBoosting (on the plain model's ten columns) through onnxruntime, each engine, the "
        "relation path and the default (auto) function, and time registration cold vs cached",
    )
    bench.add_argument(
        "--no-compile-report",
        action="store_true",
        help="skip the SQL engine's compile report (which fits and times a 300-tree model)",
    )
    bench.add_argument(
        "--smoke",
        action="store_true",
        help="the ensembles and the compile report's large model with 5 trees each (named gbt5, rf5, "
        "hgb5, churn_gbt5): a quick check that every path and report runs here before a long run; "
        "not the figures the targets are about",
    )


def _compile_report(
    folder: Path, rows: int, repeat: int, smoke: bool
) -> tuple[list[dict[str, object]], list[CompileFigure]]:
    """The 300-tree model through onnxruntime and the SQL engine, and compile time / SQL size."""
    from sqlscore.tools.bench.compile_report import compile_figures, ensure_large_model
    from sqlscore.tools.bench.harness import as_records, run_benchmark
    from sqlscore.tools.bench.workload import MODELS, Workload

    workload = Workload(folder)
    large = ensure_large_model(workload, smoke)
    timed = as_records(
        run_benchmark(folder, rows, models=(large,), paths=("onnxruntime", "duckdb_sql"), repeat=repeat)
    )
    return timed, compile_figures(workload, (*MODELS, large))


def cmd_bench(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    from sqlscore.tools.bench.harness import as_records, run_benchmark

    if args.repeat < 1:
        raise ConfigError(f"--repeat must be at least 1, got {args.repeat}")
    if args.serve:
        return _serve_bench(args, registry, warehouse)
    if args.spark:
        return _spark_bench(args, registry, warehouse)
    if (args.monitoring or args.dbt_only) and not args.dbt:
        raise ConfigError("--monitoring and --dbt-only need --dbt CUSTOMERS")
    # the dbt runs' memory_limit, as `sqlscore run`'s (each run's process reads it again)
    memory_limit = MEMORY_LIMIT.read()
    if args.dbt:
        from sqlscore.warehouse.database import check_memory_limit  # DuckDB: not for --help

        memory_limit = check_memory_limit(memory_limit, MEMORY_LIMIT.env)
    with tempfile.TemporaryDirectory(prefix="sqlscore-bench-") as tmp:
        folder = Path(args.workdir) if args.workdir else Path(tmp)
        records: list[dict[str, Any]] = []
        if args.dbt_only:
            from sqlscore.tools.bench.workload import prepare

            prepare(folder, [], args.customers)
        else:
            records = as_records(
                run_benchmark(folder, args.rows, repeat=args.repeat, customers=args.customers)
            )
        figures: list[CompileFigure] = []
        if not args.no_compile_report and not args.dbt_only:
            timed, figures = _compile_report(folder, args.rows, args.repeat, args.smoke)
            records += timed + [{"path": "compile", **asdict(f)} for f in figures]
        if args.engines and not args.dbt_only:
            from sqlscore.tools.bench.engines import engine_report

            records += engine_report(folder, args.rows, args.repeat, records, args.smoke)
        if records:
            _print_paths(records, args.repeat)
        if figures:
            print("\nSQL engine compile time and size (model card -> CREATE MACRO text):")
            emit_table(
                ["model", "trees", "compile s", "DuckDB SQL KB", "PostgreSQL SQL KB"],
                [[f.model, f.trees, f.compile_seconds, f.duckdb_sql_kb, f.postgres_sql_kb] for f in figures],
            )
        if args.memory_scale > 1 and args.engines and not args.dbt_only:
            from sqlscore.tools.bench.engines import engine_memory_report

            records += engine_memory_report(folder, args.rows, args.memory_scale, args.smoke)
        elif args.memory_scale > 1:
            records += _memory_scaling(folder, args.rows, args.memory_scale)
        if args.dbt:
            records += _scheduled_run(folder, args.dbt)
        if args.monitoring:
            records += _monitoring_cost(folder, args.dbt, args.repeat, memory_limit)
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return ExitCode.OK


def _spark_bench(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    """``--spark``: rows/s per engine on DuckDB and on Spark with 1 and 2 workers, and the speed-up."""
    from sqlscore.tools.bench.spark import as_records, report, run_spark_bench

    workdir = Path(args.workdir) if args.workdir else None
    figures = run_spark_bench(warehouse.resolve(), registry, args.rows, args.repeat, workdir)
    print(f"\n{args.rows:,} rows of predict_churn (best of {args.repeat}; rows/s):")
    emit_table(["engine", "DuckDB", "Spark 1 worker", "Spark 2 workers", "speed-up 2/1"], report(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(as_records(figures), indent=2) + "\n")
    return ExitCode.OK


def _serve_bench(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    from sqlscore.settings import serving_path
    from sqlscore.tools.bench.serving import run_serving_bench

    def counts(text: str, option: str) -> tuple[int, ...]:
        try:
            values = tuple(int(v) for v in text.split(","))
        except ValueError:
            raise ConfigError(f"{option} {text!r}: whole numbers separated by commas") from None
        if not values or min(values) < 1:
            raise ConfigError(f"{option} {text!r}: each at least 1")
        return values

    records = run_serving_bench(
        registry.root,
        warehouse,
        serving_path(warehouse),
        args.serve_seconds,
        counts(args.serve_workers, "--serve-workers"),
        counts(args.serve_concurrency, "--serve-concurrency"),
    )
    if args.json:
        Path(args.json).write_text(json.dumps(records, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return ExitCode.OK


def _print_paths(records: list[dict[str, Any]], repeat: int) -> None:
    from sqlscore.tools.bench.scoring_paths import DUCKDB_MEMORY_LIMIT

    print(
        f"Median of {repeat} timed run(s) per path. "
        f"DuckDB paths: memory_limit={DUCKDB_MEMORY_LIMIT}, threads=default (duckdb_udf: the onnx "
        "engine's Python function; duckdb_sql: the compiled macro), CREATE TABLE AS SELECT from and "
        "into the warehouse file; duckdb_sql_in_memory: the macro from and into in-memory temp "
        "tables, default memory_limit; onnxruntime path: one run on the whole in-memory batch, "
        "default session options. x onnxruntime: raw onnxruntime's median, timed in the path's own "
        "process right after the path (its seconds: 'onnxruntime s'), over the path's median"
    )
    emit_table(
        ["model", "path", "rows", "seconds", "rows/s", "onnxruntime s", "x onnxruntime", "peak RSS MB"],
        [
            [
                r["model"],
                r["path"],
                f"{r['rows']:,}",
                r["seconds"],
                f"{r['rows_per_s']:,}",
                r["onnxruntime_seconds"],
                r["ratio_to_onnxruntime"],
                r["peak_rss_mb"],
            ]
            for r in records
            if r["path"] not in ("compile", "register_cold", "register_cached")
        ],
    )


def _memory_scaling(folder: Path, rows: int, scale: int) -> list[dict[str, Any]]:
    """Peak RSS at ``rows`` x ``scale`` against ``rows``: streaming paths stay flat."""
    from sqlscore.tools.bench.harness import memory_scaling

    scaling = memory_scaling(folder, rows, scale)
    print()
    emit_table(
        ["model", "path", "rows", "peak RSS MB", f"at {rows:,}", "ratio"],
        [
            [
                s["model"],
                s["path"],
                f"{s['rows']:,}",
                s["peak_rss_mb"],
                s["peak_rss_mb_at_base_rows"],
                s["rss_ratio"],
            ]
            for s in scaling
        ],
    )
    return scaling


def _scheduled_run(folder: Path, customers: int) -> list[dict[str, Any]]:
    """A whole ``sqlscore run`` on ``customers`` demo customers, timed step by step."""
    from sqlscore.tools.bench.dbt_build import prepare_dbt_warehouse
    from sqlscore.tools.bench.harness import measure_record

    prepare_dbt_warehouse(folder, customers)
    run = measure_record(folder, "all", "scheduled_run", customers)
    steps = run["timings"]
    print(
        f"\nsqlscore run, {customers:,} customers: {run['seconds']:.1f} s, "
        f"peak RSS {run['peak_rss_mb']:,.0f} MB"
    )
    print(
        "  "
        + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items())
        + f"; gate / scoring = {steps['gate'] / steps['scoring']:.2f}"
    )
    return [
        {
            "model": "all",
            "path": step,
            "rows": customers,
            "seconds": round(steps[step], 3),
            "rows_per_s": round(customers / steps[step]),
            "ratio_to_onnxruntime": None,
            "peak_rss_mb": round(run["peak_rss_mb"], 1),
        }
        for step in ("dbt_build", "scoring", "gate", "publish")
    ]


def _alternating_builds(folder: Path, customers: int, repeat: int) -> dict[bool, list[dict[str, Any]]]:
    """``repeat`` pairs of measured processes, without then with monitoring, keyed by with."""
    from sqlscore.tools.bench.harness import measure_record

    runs: dict[bool, list[dict[str, Any]]] = {False: [], True: []}
    for k in range(repeat):
        for monitoring in (False, True):
            label = "with" if monitoring else "without"
            print(f"  dbt run {label} monitoring, {k + 1}/{repeat} ...", file=sys.stderr, flush=True)
            path = "dbt_models_monitoring" if monitoring else "dbt_models"
            runs[monitoring].append(measure_record(folder, "all", path, customers))
    return runs


def _per_model_seconds(runs: list[dict[str, Any]]) -> dict[str, float]:
    """Each monitoring model's median seconds over ``runs`` (their ``model:<name>`` timings)."""
    from statistics import median

    names = sorted(name for name in runs[0]["timings"] if name.startswith("model:"))
    return {name.removeprefix("model:"): round(median(r["timings"][name] for r in runs), 3) for name in names}


def _monitoring_cost(
    folder: Path, customers: int, repeat: int, memory_limit: str | None
) -> list[dict[str, Any]]:
    """The monitoring models against the scoring build they watch, on the scheduled job's warehouse.

    ``repeat`` pairs of processes, alternated (without, with monitoring): ``dbt run`` of the
    scoring build (staging, features, scores), and the same plus the monitoring models. Seconds
    are medians of each group's busy time (while at least one of its nodes ran, dbt's start-up
    in neither: see ``build_models``); the scoring figure is the runs without monitoring's, the
    monitoring figure the runs with it. Peak RSS: each process's own, medians compared; DuckDB
    under ``memory_limit`` in both (``SQLSCORE_MEMORY_LIMIT``; None: its default, 80%)."""
    from statistics import median

    runs = _alternating_builds(folder, customers, repeat)
    scoring_each = [r["timings"]["scoring"] for r in runs[False]]
    monitoring_each = [r["timings"]["monitoring"] for r in runs[True]]
    scoring, monitoring = median(scoring_each), median(monitoring_each)
    rss_without = median(r["peak_rss_mb"] for r in runs[False])
    rss_with = median(r["peak_rss_mb"] for r in runs[True])
    per_model = _per_model_seconds(runs[True])
    ratio, rss_ratio = round(monitoring / scoring, 3), round(rss_with / rss_without, 3)
    limit = f"{memory_limit} (SQLSCORE_MEMORY_LIMIT)" if memory_limit else "80% (the default)"
    print(
        f"\ndbt run on {customers:,} customers, DuckDB memory_limit {limit}, "
        f"median of {repeat} process(es) each: "
        f"scoring build (features + scores) {scoring:.1f} s, monitoring models {monitoring:.1f} s busy "
        f"(scoring build in the same runs {median(r['timings']['scoring'] for r in runs[True]):.1f} s); "
        f"peak RSS {rss_without:,.0f} MB without, {rss_with:,.0f} MB with"
    )
    print("  " + ", ".join(f"{name} {seconds:.1f} s" for name, seconds in per_model.items()))
    print(f"monitoring / scoring = {ratio:.2f}\u00d7")
    print(f"peak RSS with / without monitoring = {rss_ratio:.2f}\u00d7")
    common = {"model": "all", "rows": customers, "ratio_to_onnxruntime": None, "repeats": repeat}
    common["memory_limit"] = memory_limit
    return [
        {
            **common,
            "path": "scoring_build",
            "seconds": round(scoring, 3),
            "seconds_each": [round(t, 3) for t in scoring_each],
            "rows_per_s": round(customers / scoring),
            "peak_rss_mb": round(rss_without, 1),
            "peak_rss_mb_each": [round(r["peak_rss_mb"], 1) for r in runs[False]],
            "wall_seconds_each": [round(r["seconds"], 3) for r in runs[False]],
        },
        {
            **common,
            "path": "monitoring",
            "seconds": round(monitoring, 3),
            "seconds_each": [round(t, 3) for t in monitoring_each],
            "rows_per_s": round(customers / monitoring),
            "peak_rss_mb": round(rss_with, 1),
            "peak_rss_mb_each": [round(r["peak_rss_mb"], 1) for r in runs[True]],
            "wall_seconds_each": [round(r["seconds"], 3) for r in runs[True]],
            "scoring_seconds_each": [round(r["timings"]["scoring"], 3) for r in runs[True]],
            "models_seconds": per_model,
            "ratio_to_scoring": ratio,
            "peak_rss_ratio": rss_ratio,
        },
    ]
