"""``sqlscore bench --spark``: N rows scored on Spark with each engine, 1 worker vs 2, beside DuckDB.

The rows are the churn model's features from the demo warehouse's
``intermediate.int_customers_featurized``, repeated up to N and written once to Parquet (by DuckDB),
so every engine and every configuration scores the same file. DuckDB scores it in this process
(``sum(predict_churn(...))`` over ``read_parquet``, both cores). Spark scores it on a standalone
cluster of two 1-core workers started here from pyspark's ``spark-class``
(:class:`~sqlscore.spark.cluster.LocalCluster`), each pinned to a CPU of its own (a 1-core
executor's JVM and Python worker otherwise spread over every core, and "1 worker" would take the
whole machine), once with ``spark.cores.max=1`` (one executor: one worker) and once with 2 (both
workers), each application in its own driver process (a Spark session's master and settings are
fixed per process): ``python -m sqlscore.tools.bench.spark REQUEST.json``. Each figure is the
best of ``repeat`` timed passes after one warm-up pass (which starts the executors' Python workers
and ships the model), so start-up is not counted.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlscore.errors import SparkError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from sqlscore.registry import Registry

MODEL = "churn"
FEATURES = "intermediate.int_customers_featurized"
ENGINES = ("onnx", "sql")


@dataclass(frozen=True)
class SparkFigure:
    """One engine in one place (duckdb, spark 1 worker, spark 2 workers): rows and seconds."""

    engine: str
    where: str
    rows: int
    seconds: float

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


def write_features(warehouse: Path, registry: Registry, rows: int, out: Path) -> list[str]:
    """The model's feature columns, ``rows`` of them (the table repeated), as one Parquet file."""
    import duckdb

    columns = list(registry.resolve(MODEL).feature_names)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        row = con.execute(f"select count(*) from {FEATURES}").fetchone()
        base = int(row[0]) if row else 0
        if base == 0:
            raise SparkError(f"bench --spark: {FEATURES} in {warehouse} is empty; run `make demo` first")
        copies = -(-rows // base)
        # Whole copies of the table one after another, so that every row group holds the same mix
        # of rows and compresses to about the same size: Spark splits a file by bytes, and a plain
        # cross join put runs of one row repeated thousands of times into row groups of a few KB
        # (3 KB to 378 KB), so that one of the 10M-row file's 8 splits held 47% of the rows and
        # its task ran 4-6x as long as the others, whatever the number of workers.
        selected = ", ".join(f"f.{c}" for c in columns)
        con.execute(
            f"copy (select {selected} from range({copies}) as c(copy), {FEATURES} as f "
            f"order by c.copy, f.customer_id, f.as_of_date limit {rows}) "
            f"to '{out}' (format parquet, row_group_size 100000)"
        )
    return columns


def score_duckdb(
    registry: Registry, parquet: Path, columns: list[str], engine: str, repeat: int
) -> tuple[float, float]:
    """Best seconds of ``repeat`` passes of DuckDB's ``predict_churn`` (this engine) over the file, and
    the sum of the scores (what the smoke test compares across engines and warehouses)."""
    import sqlscore

    con = sqlscore.connect(":memory:", registry=registry, engine=engine)
    try:
        call = f"sum(predict_{MODEL}({', '.join(columns)}))"
        query = f"select {call} from read_parquet('{parquet}')"
        con.execute(f"select {call} from (select * from read_parquet('{parquet}') limit 1000)").fetchone()
        return _best(lambda: float(con.execute(query).fetchall()[0][0]), repeat)
    finally:
        con.close()


def score_spark(
    spark: SparkSession, registry: Registry, parquet: Path, engine: str, repeat: int
) -> tuple[float, float]:
    """Best seconds of ``repeat`` passes of Spark's ``predict_churn`` (this engine), and the sum."""
    from sqlscore.spark.functions import register_functions

    register_functions(spark, registry, engine=engine)
    columns = list(registry.resolve(MODEL).feature_names)
    spark.read.parquet(str(parquet)).createOrReplaceTempView("bench_features")
    query = f"select sum(predict_{MODEL}({', '.join(columns)})) from bench_features"
    spark.sql(query).collect()  # warm-up: executors' Python workers, the model shipped
    return _best(lambda: float(spark.sql(query).collect()[0][0]), repeat)


def _best(action: Callable[[], float], repeat: int) -> tuple[float, float]:
    """The fastest of ``repeat`` timed calls, and what the action returned."""
    times, value = [], 0.0
    for _ in range(max(repeat, 1)):
        started = time.perf_counter()
        value = action()
        times.append(time.perf_counter() - started)
    return min(times), value


def child(request_file: str) -> int:
    """One Spark application on the cluster (``cores`` executors of 1 core): every engine's figure."""
    from sqlscore.registry import Registry
    from sqlscore.spark.session import SparkTarget, start_session

    request = json.loads(Path(request_file).read_text())
    conf = {
        "spark.executor.cores": "1",
        "spark.executor.memory": request.get("executor_memory", "1g"),
        "spark.cores.max": str(request["cores"]),
        # several tasks per executor, so both workers get an even share of the file (SPLITS)
        "spark.sql.files.maxPartitionBytes": str(request["partition_bytes"]),
    }
    spark = start_session(SparkTarget(request["master"], Path(request["spark_dir"]), conf))
    registry = Registry(Path(request["registry"]))
    seconds = {
        engine: score_spark(spark, registry, Path(request["parquet"]), engine, request["repeat"])[0]
        for engine in request["engines"]
    }
    print(json.dumps(seconds))
    spark.stop()
    return 0


#: Splits of the features file: the same in both configurations and a multiple of the worker
#: count, so 2 workers share the tasks evenly (the 10M-row file is 23 MB: at a fixed 8 MB per
#: split it was 3 tasks, and 1.5x the most 2 workers could show)
SPLITS = 8


def spark_figures(
    folder: Path, master: str, registry: Registry, parquet: Path, rows: int, repeat: int
) -> list[SparkFigure]:
    """Spark on 1 worker, then on 2 workers: one driver process each."""
    figures = []
    split_bytes = max(-(-parquet.stat().st_size // SPLITS), 64 * 1024)  # ceiling: exactly SPLITS splits
    for cores in (1, 2):
        request = folder / f"request_{cores}.json"
        request.write_text(
            json.dumps(
                {
                    "master": master,
                    "cores": cores,
                    "spark_dir": str(folder / f"spark_{cores}"),
                    "registry": str(registry.root),
                    "parquet": str(parquet),
                    "engines": list(ENGINES),
                    "repeat": repeat,
                    "partition_bytes": split_bytes,
                }
            )
        )
        result = subprocess.run(
            [sys.executable, "-m", "sqlscore.tools.bench.spark", str(request)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise SparkError(
                f"bench --spark: the {cores}-worker driver failed: {result.stderr.strip()[-2000:]}"
            )
        seconds = json.loads(result.stdout.strip().splitlines()[-1])
        where = f"spark {cores} worker{'s' if cores > 1 else ''}"
        figures += [SparkFigure(engine, where, rows, s) for engine, s in seconds.items()]
    return figures


def run_spark_bench(
    warehouse: Path, registry: Registry, rows: int, repeat: int, workdir: Path | None = None
) -> list[SparkFigure]:
    """DuckDB, Spark 1 worker and Spark 2 workers, each engine, on the same ``rows`` rows."""
    from sqlscore.spark.cluster import LocalCluster

    with tempfile.TemporaryDirectory(prefix="sqlscore-bench-spark-") as tmp:
        folder = workdir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        parquet = folder / "features.parquet"
        columns = write_features(warehouse, registry, rows, parquet)
        figures = [
            SparkFigure(engine, "duckdb", rows, score_duckdb(registry, parquet, columns, engine, repeat)[0])
            for engine in ENGINES
        ]
        with LocalCluster(folder / "cluster", workers=2, cores=1, memory="1g", pinned=True) as cluster:
            figures += spark_figures(folder, cluster.url, registry, parquet, rows, repeat)
    return figures


def report(figures: list[SparkFigure]) -> list[list[str]]:
    """Per engine: rows/s on DuckDB, Spark 1 worker, Spark 2 workers, and the 2/1 speed-up."""
    by = {(f.engine, f.where): f.rows_per_second for f in figures}
    rows = []
    for engine in ENGINES:
        one, two = by.get((engine, "spark 1 worker"), 0.0), by.get((engine, "spark 2 workers"), 0.0)
        rows.append(
            [
                engine,
                f"{by.get((engine, 'duckdb'), 0.0):,.0f}",
                f"{one:,.0f}",
                f"{two:,.0f}",
                f"{two / one:.2f}x" if one else "-",
            ]
        )
    return rows


def as_records(figures: list[SparkFigure]) -> list[dict[str, object]]:
    return [{"path": "spark", **asdict(f), "rows_per_second": f.rows_per_second} for f in figures]


if __name__ == "__main__":
    sys.exit(child(sys.argv[1]))
