"""The one Spark session of a ``--target spark`` command, started before dbt.

dbt-spark's ``session`` method calls ``SparkSession.builder.getOrCreate()``: it gets the session
started here, with the functions already registered in it (a temporary function exists only in
the session that created it, so dbt must run in this process, in this session). Tables are
plain Parquet in a warehouse folder, their names in a Derby metastore inside that folder, so a
later process (the next run, a reader) finds them; nothing is downloaded (no
``spark.jars.packages``, no Ivy): Derby and the Hive metastore client ship in pyspark's jars.
"""

from __future__ import annotations

import os
import shutil
import socket
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from sqlscore.errors import SparkError

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

#: What to install when there is no Java: the package this project's image and CI use.
JAVA_PACKAGE = "openjdk-17-jre-headless"
#: Seconds to wait for a cluster master's port before giving up (a Spark driver itself waits
#: much longer, retrying, before it fails with a message that does not name the master).
MASTER_CONNECT_SECONDS = 5.0


@dataclass(frozen=True)
class SparkTarget:
    """Where a Spark command runs: the master URL and the warehouse folder."""

    master: str
    warehouse_dir: Path
    #: extra Spark settings (the cluster test sets executor cores and memory, the event log)
    conf: dict[str, str] = field(default_factory=dict)

    @property
    def metastore(self) -> Path:
        return self.warehouse_dir / "metastore_db"


def java_executable() -> str:
    """The ``java`` Spark will start; a clear error naming the package when there is none."""
    home = os.environ.get("JAVA_HOME")
    candidates = [str(Path(home) / "bin" / "java")] if home else []
    found = shutil.which("java")
    candidates += [found] if found else []
    for candidate in candidates:
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise SparkError(
        "the Spark target needs Java 17 and none was found (no java on PATH"
        + (f", none in JAVA_HOME={home}" if home else ", JAVA_HOME unset")
        + f"); install it, e.g. `apt-get install {JAVA_PACKAGE}`"
    )


def check_master(master: str, timeout: float = MASTER_CONNECT_SECONDS) -> None:
    """Refuse a ``spark://`` master whose port does not answer, naming the URL."""
    if not master.startswith("spark://"):
        if not master.startswith("local"):
            raise SparkError(f"Spark master {master!r}: expected local[N] or spark://HOST:PORT")
        return
    parsed = urlparse(master)
    if not parsed.hostname or not parsed.port:
        raise SparkError(f"Spark master {master}: expected spark://HOST:PORT")
    try:
        with socket.create_connection((parsed.hostname, parsed.port), timeout=timeout):
            pass
    except OSError as exc:
        raise SparkError(
            f"Spark master {master} is unreachable ({exc}); start the cluster or set "
            "SQLSCORE_SPARK_MASTER (local[2] runs in this process)"
        ) from exc


#: JVM option of the driver and the executors: HotSpot never JIT-compiles a method over 8,000
#: bytes of bytecode unless told to, and the code Spark generates for a compiled model (engine
#: sql: hundreds of nested CASE expressions) is such a method, so it ran interpreted. Measured
#: here on 1M rows of the churn model in local[1]: 53,415 rows/s without it, 355,088 with, the
#: same sum; when HotSpot gets to compile it still varies from run to run (README, Scale-out).
COMPILE_HUGE_METHODS = "-XX:-DontCompileHugeMethods"

#: HotSpot's own limit (8,000 bytes of bytecode) as Spark's ``spark.sql.codegen.hugeMethodLimit``
#: (the setting's documentation suggests it for HotSpot): whole-stage code generation that
#: would make a larger method is turned off for that part of the plan, whose expressions Spark
#: then generates in methods small enough to JIT-compile. The option above alone left it to
#: chance: an executor sometimes ran the huge method interpreted all the same (52,044 rows/s
#: against 500,000 and more; README, Scale-out).
HOTSPOT_HUGE_METHOD_BYTES = 8000


def session_conf(target: SparkTarget) -> dict[str, str]:
    """Every Spark setting the session starts with."""
    warehouse = target.warehouse_dir.resolve()
    driver_options = f"-Dderby.system.home={warehouse} {COMPILE_HUGE_METHODS}"
    return {
        "spark.master": target.master,
        "spark.app.name": "sqlscore",
        "spark.sql.warehouse.dir": str(warehouse),
        "spark.hadoop.javax.jdo.option.ConnectionURL": (
            f"jdbc:derby:;databaseName={target.metastore.resolve()};create=true"
        ),
        "spark.driver.extraJavaOptions": driver_options,
        "spark.executor.extraJavaOptions": COMPILE_HUGE_METHODS,
        "spark.sql.codegen.hugeMethodLimit": str(HOTSPOT_HUGE_METHOD_BYTES),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.sql.session.timeZone": "UTC",
        # small demo tables: a few shuffle partitions, not Spark's 200
        "spark.sql.shuffle.partitions": "4",
        "spark.sql.execution.arrow.pyspark.enabled": "true",
        # dbt-spark sets it too; set here so the functions are registered under the same rules
        "spark.sql.ansi.enabled": "false",
        **target.conf,
    }


def start_session(target: SparkTarget) -> SparkSession:
    """The session of this process (started on first call; later calls get the same one)."""
    java_executable()
    check_master(target.master)
    target.warehouse_dir.mkdir(parents=True, exist_ok=True)
    # pyspark reads the executors' interpreter from this variable when the context starts (the
    # spark.pyspark.python setting only reaches spark-submit): this interpreter, which has
    # onnxruntime and sqlscore, unless the caller chose another
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    builder = SparkSession.builder
    for key, value in session_conf(target).items():
        builder = builder.config(key, value)
    try:
        spark = builder.enableHiveSupport().getOrCreate()
    except Exception as exc:  # py4j / JVM start-up errors: name the master and the folder
        raise SparkError(
            f"could not start Spark (master {target.master}, warehouse {target.warehouse_dir}): "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
        ) from exc
    spark.sparkContext.setLogLevel("ERROR")
    # the metastore starts on the first catalog call, after this: its log goes to the warehouse
    # folder even when the driver JVM was started without the options above (pyspark's launcher)
    system = spark.sparkContext._jvm.java.lang.System  # type: ignore[union-attr]
    system.setProperty("derby.stream.error.file", str(target.warehouse_dir.resolve() / "derby.log"))
    return spark
