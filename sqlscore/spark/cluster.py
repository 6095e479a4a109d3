"""A Spark standalone cluster on 127.0.0.1 from pyspark's own launcher, for tests and benchmarks.

pyspark's wheel carries ``bin/spark-class`` and every jar a master and a worker need
(``SPARK_HOME`` = the pyspark package folder); no Spark download. :class:`LocalCluster` starts
one master and N workers as child processes on loopback ports, waits until the master's
``/json/`` lists every worker ALIVE, and stops them all on exit. Each launch is a process group
of its own, stopped as a group: ``spark-class`` is a shell script that runs Spark's launcher in
a subshell before it ``exec``s the JVM, and a launch stopped in that instant (a start that fails
right after the master was launched, on a loaded machine) left the subshell running, orphaned,
when only the script's process was signalled.

A worker's ``--cores`` only caps its task slots: a 1-core executor running a Python UDF is two
busy processes (the JVM reading Parquet, the Python worker scoring), and on one machine it takes
what the other cores leave free. ``pinned`` gives each worker's processes (the worker, its
executors, their Python workers: children inherit it) CPUs of their own by affinity, as
separate machines would, so "1 worker" measures one worker's cores and not the whole machine.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

from sqlscore.errors import SparkError
from sqlscore.spark.session import java_executable


def spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class LocalCluster:
    """A standalone master and ``workers`` workers (``cores`` each) on 127.0.0.1."""

    folder: Path
    workers: int = 2
    cores: int = 1
    memory: str = "1g"
    #: each worker on CPUs of its own (``cores`` of them), the master and the driver unpinned
    pinned: bool = False
    startup_seconds: float = 90.0
    master_port: int = field(default_factory=free_port)
    ui_port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"spark://127.0.0.1:{self.master_port}"

    def worker_cpus(self, index: int) -> set[int]:
        """The CPUs worker ``index`` (0-based) is pinned to: its own ``cores`` of this process's."""
        available = sorted(os.sched_getaffinity(0))
        if len(available) < self.workers * self.cores:
            raise SparkError(
                f"cannot pin {self.workers} workers of {self.cores} core(s) each to CPUs of their own: "
                f"this process may use {len(available)} CPU(s)"
            )
        return set(available[index * self.cores : (index + 1) * self.cores])

    def _launch(self, name: str, *args: str, cpus: set[int] | None = None) -> subprocess.Popen[bytes]:
        java = java_executable()
        env = {
            **os.environ,
            "SPARK_HOME": str(spark_home()),
            "JAVA_HOME": str(Path(java).resolve().parents[1]),
            "SPARK_LOCAL_IP": "127.0.0.1",
            "SPARK_LOG_DIR": str(self.folder / "logs"),
            "SPARK_WORKER_DIR": str(self.folder / f"work-{name}"),
        }
        log = open(self.folder / f"{name}.log", "wb")  # noqa: SIM115 (closed with the process)
        # set in the child before spark-class runs, so every process it starts inherits it
        pin = None if cpus is None else (lambda: os.sched_setaffinity(0, cpus))
        process = subprocess.Popen(
            [str(spark_home() / "bin" / "spark-class"), *args],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=pin,  # noqa: PLW1509 (the affinity call only: no lock taken, no thread started)
            start_new_session=True,  # its own process group, stopped whole (see the module docstring)
        )
        log.close()
        self.processes.append(process)
        return process

    def start(self) -> LocalCluster:
        self.folder.mkdir(parents=True, exist_ok=True)
        try:
            self._launch_all()
        except BaseException:
            self.stop()  # a failed start leaves no JVM behind (``__exit__`` is not called for it)
            raise
        return self

    def _launch_all(self) -> None:
        self._launch(
            "master",
            "org.apache.spark.deploy.master.Master",
            "--host", "127.0.0.1", "--port", str(self.master_port), "--webui-port", str(self.ui_port),
        )  # fmt: skip
        for index in range(self.workers):
            self._launch(
                f"worker{index + 1}",
                "org.apache.spark.deploy.worker.Worker", self.url,
                "--host", "127.0.0.1", "--cores", str(self.cores), "--memory", self.memory,
                "--webui-port", str(free_port()), "--work-dir", str(self.folder / f"work-worker{index + 1}"),
                cpus=self.worker_cpus(index) if self.pinned else None,
            )  # fmt: skip
        self.wait_for_workers(self.workers)

    def state(self) -> dict[str, object]:
        """The master's JSON (workers, applications), from its web UI's ``/json/``.

        Raises ``ValueError`` (``json.JSONDecodeError``) when the answer is not JSON: while the
        master starts, its UI has once answered ``/json/`` with its HTML page (seen in CI).
        """
        with urllib.request.urlopen(f"http://127.0.0.1:{self.ui_port}/json/", timeout=5) as answer:
            return dict(json.load(answer))

    def alive_workers(self) -> list[dict[str, object]]:
        workers = self.state().get("workers")
        listed = workers if isinstance(workers, list) else []
        return [w for w in listed if isinstance(w, dict) and w.get("state") == "ALIVE"]

    def wait_for_workers(self, count: int) -> None:
        """Until ``count`` workers are ALIVE, else a :class:`SparkError` (``start`` then stops
        every process it launched)."""
        deadline = time.monotonic() + self.startup_seconds
        last_answer = "no answer"
        while time.monotonic() < deadline:
            try:
                alive = self.alive_workers()
                if len(alive) >= count:
                    return
                last_answer = f"{len(alive)} ALIVE"
            except (OSError, ValueError) as error:
                # the master's web UI is not up yet, or not yet answering with its JSON
                last_answer = f"{type(error).__name__}: {error}"
            if any(p.poll() is not None for p in self.processes):
                break
            time.sleep(0.5)
        raise SparkError(
            f"the standalone cluster at {self.url} did not register {count} workers within "
            f"{self.startup_seconds:.0f} s (its /json/ last answered: {last_answer}); "
            f"see the logs in {self.folder}"
        )

    def stop(self) -> None:
        """Every launch's process group: SIGTERM, then SIGKILL for whatever is left of it."""
        for process in reversed(self.processes):
            _signal_group(process, signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                _signal_group(process, signal.SIGKILL)
                process.wait(timeout=10)
            _end_group(process)
        self.processes.clear()

    def __enter__(self) -> LocalCluster:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.stop()


def _signal_group(process: subprocess.Popen[bytes], signal_number: int) -> None:
    """Signal the process group a launch leads (its pid is the group's id); gone is fine."""
    try:
        os.killpg(process.pid, signal_number)
    except ProcessLookupError:
        pass


def _end_group(process: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """Once the launch itself has ended: wait ``grace`` seconds for the rest of its group (a
    launcher subshell, executors the worker started) to end on the SIGTERM, then SIGKILL it."""
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        try:
            os.killpg(process.pid, 0)
        except ProcessLookupError:
            return
        time.sleep(0.05)
    _signal_group(process, signal.SIGKILL)
