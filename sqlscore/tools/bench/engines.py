"""``sqlscore bench --engines``: every engine, the relation path and the default function of each
model as ratios to raw onnxruntime, and registration time cold vs cached.

The demo models and the plain logistic regression come from the main run; the three ensembles
(:data:`~sqlscore.tools.bench.workload.ENSEMBLES`) are fitted and timed here, through the same
worker processes and paths. The table says, per model, which engine ``auto`` chose (the choice
cached beside the version) and whether the targets hold: the default function ≥ 1.0x raw
onnxruntime, the relation path ≥ 0.95x, registration from cache ≤ 0.2 s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlscore.cli.output import emit_table
from sqlscore.tools.bench.harness import as_records, run_benchmark
from sqlscore.tools.bench.registration import measure_registration
from sqlscore.tools.bench.workload import MODELS, Workload, ensembles, ensure_ensembles

ENGINE_PATHS = ("onnxruntime", "duckdb_udf", "duckdb_sql", "relation", "auto")
TARGETS = {"auto": 1.0, "relation": 0.95}
CACHED_REGISTRATION_TARGET = 0.2


def engine_report(
    folder: Path, rows: int, repeat: int, records: list[dict[str, Any]], smoke: bool = False
) -> list[dict[str, Any]]:
    """Time the ensembles, print the engines table and registration; return the new records."""
    workload = Workload(folder)
    ensure_ensembles(workload, smoke)
    timed = as_records(
        run_benchmark(folder, rows, models=tuple(ensembles(smoke)), paths=ENGINE_PATHS, repeat=repeat)
    )
    ratios = {
        (r["model"], r["path"]): r["ratio_to_onnxruntime"]
        for r in [*records, *timed]
        if "ratio_to_onnxruntime" in r  # not the compile report's or --dbt's records
    }
    _print_engines(workload, (*MODELS, *ensembles(smoke)), ratios, rows, repeat)
    registration = measure_registration(folder, MODELS, repeat)
    cold, cached = registration["cold"], registration["cached"]
    met = _verdict(cached["register_seconds"] <= CACHED_REGISTRATION_TARGET)
    print(
        f"\nregistration of {cached['functions']} functions ({', '.join(MODELS)}; engines "
        f"{', '.join(f'{k} {v}' for k, v in sorted(cached['engines'].items()))}) in a new process, "
        f"import sqlscore + sqlscore.connect, median of {repeat}: cold {cold['register_seconds']:.3f} s, "
        f"cached {cached['register_seconds']:.3f} s (target <= {CACHED_REGISTRATION_TARGET} s: {met}); "
        f"importing DuckDB, onnxruntime, numpy and pyarrow before it {cached['import_seconds']:.3f} s; "
        f"compiler/sqlglot/onnx/skl2onnx/sklearn imported when cached: "
        f"{', '.join(cached['heavy_modules']) or 'none'}"
    )
    return timed + [
        {"model": "all", "path": f"register_{mode}", "rows": 0, "repeats": repeat, **figures}
        for mode, figures in registration.items()
    ]


def _verdict(met: bool) -> str:
    return "met" if met else "NOT met"


def _print_engines(
    workload: Workload,
    models: tuple[str, ...],
    ratios: dict[tuple[str, str], float | None],
    rows: int,
    repeat: int,
) -> None:
    from sqlscore.functions.engine_choice import load_choice

    print(
        f"\nx raw onnxruntime at {rows:,} rows (median of {repeat}; higher is faster): each engine's "
        "function, the relation path and the default function (engine auto)"
    )
    table = []
    for model in models:
        choice = load_choice(workload.registry, workload.registry.resolve(model), "score", "DOUBLE")
        row: list[object] = [model, *(ratios.get((model, p)) for p in ENGINE_PATHS[1:])]
        row.append(choice.engine if choice else "?")
        row.append(
            ", ".join(
                f"{path} {_verdict((ratios.get((model, path)) or 0) >= target)}"
                for path, target in TARGETS.items()
            )
        )
        table.append(row)
    emit_table(["model", "onnx function", "compiled SQL", "relation", "auto", "auto chose", "targets"], table)


#: Peak RSS at K x rows may be at most this multiple of its peak at rows, for every path.
MEMORY_RATIO_TARGET = 1.3
MEMORY_PATHS = ("duckdb_udf", "duckdb_sql", "relation", "auto")


def engine_memory_report(folder: Path, rows: int, scale: int, smoke: bool = False) -> list[dict[str, Any]]:
    """Peak RSS of every DuckDB path (onnx function, compiled SQL, relation path, auto) at ``rows``
    and ``scale`` x ``rows``, for the demo models, the plain model and the ensembles: each run in a
    worker process of its own, peak RSS its VmHWM; the SQL paths under DuckDB's ``memory_limit``
    (:data:`~sqlscore.tools.bench.scoring_paths.DUCKDB_MEMORY_LIMIT`). Raw onnxruntime holds the
    whole batch in memory by design and is not a streaming path: it is left out."""
    import os

    from sqlscore.tools.bench.harness import memory_scaling
    from sqlscore.tools.bench.scoring_paths import DUCKDB_MEMORY_LIMIT

    ensure_ensembles(Workload(folder), smoke)
    scaling = memory_scaling(folder, rows, scale, models=(*MODELS, *ensembles(smoke)), paths=MEMORY_PATHS)
    print(
        f"\npeak RSS at {rows * scale:,} rows against {rows:,} rows, each path in its own process "
        f"(DuckDB memory_limit {DUCKDB_MEMORY_LIMIT}; target <= {MEMORY_RATIO_TARGET}x; "
        f"load average {os.getloadavg()[0]:.1f})"
    )
    emit_table(
        ["model", "path", "peak RSS MB", f"at {rows:,}", "ratio", "target"],
        [
            [
                s["model"],
                str(s["path"]).removesuffix("_memory"),
                s["peak_rss_mb"],
                s["peak_rss_mb_at_base_rows"],
                s["rss_ratio"],
                _verdict(float(s["rss_ratio"]) <= MEMORY_RATIO_TARGET),  # type: ignore[arg-type]
            ]
            for s in scaling
        ],
    )
    return scaling
