"""The suite's command-line processes, forked from a warm interpreter instead of started cold.

The suite launches ``sqlscore run``, ``dbt`` and the other console scripts well over a hundred
times, and each cold interpreter spent about 2 CPU-seconds importing before doing any work, dbt
alone 1.4 s (``python -X importtime``), on a 2-core machine where the suite is CPU-bound. This
module keeps one warm interpreter per test process, the *zygote*: a separate process that has
imported dbt and sqlscore's pipeline and done nothing else (no connection, no file, no thread),
and forks each launch from it, as Spark's Python worker daemon and multiprocessing's forkserver
do. A ``sqlscore run`` forked so used about 1 CPU-second less than a cold one (``os.wait4``,
three pairs on the test site).

Each launch is still a real, separate process that runs the console script (or ``python SCRIPT``,
``python -m MODULE``) from its first line, with its own argv, environment, working directory and
standard streams; its exit code, its output, a ``kill -9``, a lock naming its pid and the
children it starts (the gate's child, a JVM) behave as under :mod:`subprocess`. What it shares
with the other launches is the imported modules, as pages of memory copied on write. Anything
else is started by :mod:`subprocess` as before.

A fork runs under a small supervisor (also a fork of the zygote) that waits for it and reports
its exit status, so a test can wait for a process that is not its own child.
"""

from __future__ import annotations

import atexit
import gc
import json
import os
import runpy
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

#: what ``sqlscore run`` and ``dbt build`` import before their first query (dbt alone is about
#: 1.4 CPU-s cold), and what the run's gate imports (Great Expectations, about 3 CPU-s: the
#: run's gate is a fork of the run, :mod:`sqlscore.gate.fork`, so it finds it imported), leaving
#: out what starts threads at import (onnxruntime, polars): forking a process with threads is
#: what this module must not do. A launch that would not import some of these finds them
#: imported, and never runs them. Not duckdb_engine: with it, Great Expectations and duckdb in
#: one process, DuckDB's bindings report false leaks when the process ends (the gate imports
#: it in its own process, which ends with ``os._exit``; see :mod:`sqlscore.gate.validate`).
PRELOAD = (
    "sqlscore.cli.main",
    "sqlscore.pipeline.steps",
    "sqlscore.monitoring.report",
    "dbt.cli.main",
    "dbt.task.build",
    "dbt.adapters.duckdb",
    "great_expectations",
    "sqlscore.gate.gx_duckdb",
    "sqlscore.gate.child",
)
#: the settings under which numpy's OpenBLAS and pyarrow's jemalloc (both imported by Great
#: Expectations) start no thread at import; every launch inherits them (one BLAS thread)
NO_IMPORT_THREADS = {"OPENBLAS_NUM_THREADS": "1", "JE_ARROW_MALLOC_CONF": "background_thread:false"}
BIN = Path(sys.executable).parent
#: the request and the two replies (pid, then exit status) are single lines of JSON
MAX_REQUEST = 1 << 20


# ----------------------------------------------------------------------------------------------
# the zygote's side: `python -m tests.prewarmed SOCKET`
# ----------------------------------------------------------------------------------------------


def _single_threaded() -> bool:
    """Whether this process has one OS thread: the condition for a fork to be safe."""
    return len(os.listdir("/proc/self/task")) == 1


def _serve(path: str) -> None:
    """Accept launch requests forever; each one is handled by a forked supervisor."""
    import ctypes

    # PR_SET_PDEATHSIG: ends with the thread that started it (the test process's main thread in
    # practice); a zygote found dead is started again by the next launch
    ctypes.CDLL(None).prctl(1, signal.SIGKILL)
    os.environ.update(NO_IMPORT_THREADS)
    for module in PRELOAD:
        __import__(module)
    if not _single_threaded():
        raise SystemExit(f"the zygote has {len(os.listdir('/proc/self/task'))} threads after its imports")
    # The imported modules' objects live as long as every launch: out of the collector's sight,
    # so a launch's collections do not walk them (a third of a forked run's main thread went to
    # gc_collect_main, `perf record`) nor copy their pages by writing to their headers.
    gc.collect()
    gc.freeze()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # supervisors are reaped by the kernel
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(16)
    print("ready", flush=True)
    while True:
        connection, _ = listener.accept()
        request, fds, _, _ = socket.recv_fds(connection, MAX_REQUEST, 3)
        if os.fork() == 0:
            listener.close()
            _supervise(connection, json.loads(request), fds)  # never returns
        connection.close()
        for fd in fds:
            os.close(fd)


def _supervise(connection: socket.socket, request: dict[str, Any], fds: list[int]) -> None:
    """Fork the launch, report its pid, wait for it, report how it ended, and leave."""
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    pid = os.fork()
    if pid == 0:
        connection.close()
        _become(request, fds)  # never returns
    for fd in fds:
        os.close(fd)
    connection.sendall(json.dumps({"pid": pid}).encode() + b"\n")
    _, status = os.waitpid(pid, 0)
    connection.sendall(json.dumps({"returncode": os.waitstatus_to_exitcode(status)}).encode() + b"\n")
    os._exit(0)


def _become(request: dict[str, Any], fds: list[int]) -> None:
    """Turn this fork into the requested process: streams, directory, environment, argv, code.

    The script's own ``sys.exit`` (or the end of its code) ends the process the way a cold start
    would end it: the exception unwinds out of the zygote's frames and the interpreter finalizes.
    """
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    # the frozen objects back in the collector's sight for the interpreter's last collection,
    # which comes after every exit handler: left frozen, objects in cycles outlive it, and
    # DuckDB's bindings report them as leaked
    atexit.register(gc.unfreeze)
    argv: list[str] = request["argv"]
    if argv[0] == "-m":
        sys.argv = [argv[1], *argv[2:]]
        sys.path[0] = request["cwd"]
        runpy.run_module(argv[1], run_name="__main__", alter_sys=True)
    else:
        sys.argv = list(argv)
        sys.path[0] = str(Path(argv[0]).parent)
        runpy.run_path(argv[0], run_name="__main__")
    sys.exit(0)


# ----------------------------------------------------------------------------------------------
# the test's side
# ----------------------------------------------------------------------------------------------


class _Zygote:
    """The warm interpreter of this test process, started on first use and killed at exit."""

    def __init__(self) -> None:
        self.folder = tempfile.mkdtemp(prefix="sqlscore-zygote-")
        self.path = os.path.join(self.folder, "socket")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tests.prewarmed", self.path],
            cwd=Path(__file__).resolve().parents[1],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        ready = self.process.stdout.readline().strip()
        if ready != "ready":
            raise RuntimeError(f"the zygote did not start (exit {self.process.wait()})")
        atexit.register(self.stop)

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()
        for name in os.listdir(self.folder):
            os.unlink(os.path.join(self.folder, name))
        os.rmdir(self.folder)


_zygote: _Zygote | None = None
_zygote_lock = threading.Lock()


def _the_zygote() -> _Zygote:
    global _zygote
    with _zygote_lock:
        if _zygote is None or _zygote.process.poll() is not None:
            _zygote = _Zygote()
        return _zygote


class Launched:
    """A forked launch, with the part of :class:`subprocess.Popen` the tests use."""

    def __init__(self, connection: socket.socket, stdout: IO[str] | None) -> None:
        self._connection = connection
        self._received = b""
        self.pid = 0  # until the supervisor says
        self.pid = self._reply(timeout=60)["pid"]
        self.stdout = stdout
        self.returncode: int | None = None

    def _reply(self, timeout: float | None) -> dict[str, int]:
        """The supervisor's next line; TimeoutExpired if it has not come within ``timeout``."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while b"\n" not in self._received:
            self._connection.settimeout(None if deadline is None else max(deadline - time.monotonic(), 1e-4))
            try:
                chunk = self._connection.recv(4096)
            except TimeoutError:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0) from None
            if not chunk:
                raise RuntimeError("the supervisor of a forked launch ended without reporting")
            self._received += chunk
        line, _, self._received = self._received.partition(b"\n")
        reply: dict[str, int] = json.loads(line)
        return reply

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            self.returncode = self._reply(timeout)["returncode"]
            self._connection.close()
        return self.returncode

    def poll(self) -> int | None:
        try:
            return self.wait(timeout=0.001)
        except subprocess.TimeoutExpired:
            return None

    def send_signal(self, signum: int) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, signum)
            except ProcessLookupError:
                pass

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


#: a started process, forked or not
Process = Launched | subprocess.Popen[str]


def _forkable(argv: Sequence[str]) -> list[str] | None:
    """ARGV as the zygote runs it (a script path first, or ``-m MODULE``), or None if it cannot."""
    first = str(argv[0])
    if first == sys.executable and len(argv) > 1:
        if argv[1] == "-m":
            return [*map(str, argv[1:])]
        if not str(argv[1]).startswith("-"):
            return [*map(str, argv[1:])]
        return None
    if Path(first).parent == BIN and Path(first).is_file():
        with open(first, "rb") as script:
            if script.readline().startswith(b"#!" + os.fsencode(BIN)):
                return [*map(str, argv)]
    return None


def launch(
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | str | None = None,
    stdout: int | IO[Any] | None = None,
    stderr: int | IO[Any] | None = None,
    stdin: IO[Any] | None = None,
) -> Process:
    """Start ARGV as :class:`subprocess.Popen` would (text mode); forked from the zygote when
    ARGV is one of this interpreter's console scripts or Python itself running a script/module.

    ``stdout`` may be PIPE (read it from ``.stdout``), a file, or None (inherited); ``stderr``
    may also be STDOUT; ``stdin`` a file to read (else the null device).
    """
    forkable = _forkable(argv)
    if forkable is None:
        return subprocess.Popen(
            list(argv),
            env=env,
            cwd=cwd,
            stdin=stdin or subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            text=True,
        )
    reader = None
    if stdout == subprocess.PIPE:
        read_end, write_end = os.pipe()
        reader = os.fdopen(read_end, "r")
        out = write_end
    else:
        out = os.dup(1 if stdout is None else _fileno(stdout))
    err = os.dup(out) if stderr == subprocess.STDOUT else os.dup(2 if stderr is None else _fileno(stderr))
    given = os.open(os.devnull, os.O_RDONLY) if stdin is None else os.dup(stdin.fileno())
    request = {
        "argv": forkable,
        "env": dict(os.environ if env is None else env),
        "cwd": str(cwd or os.getcwd()),
    }
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.connect(_the_zygote().path)
        socket.send_fds(connection, [json.dumps(request).encode()], [given, out, err])
    finally:
        for fd in (given, out, err):
            os.close(fd)
    return Launched(connection, reader)


def _fileno(stream: int | IO[Any]) -> int:
    return stream if isinstance(stream, int) else stream.fileno()


def run(
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    cwd: Path | str | None = None,
    timeout: float | None = None,
    input: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """``subprocess.run(argv, capture_output=True, text=True, check=False)``, forked when it can be.

    The output goes through temporary files, so a chatty process never blocks on a full pipe;
    ``input``, if given, is what the process reads on its standard input.
    """
    with (
        tempfile.TemporaryFile("w+") as given,
        tempfile.TemporaryFile("w+") as out,
        tempfile.TemporaryFile("w+") as err,
    ):
        given.write(input or "")
        given.seek(0)
        process = launch(argv, env=env, cwd=cwd, stdout=out, stderr=err, stdin=given)
        try:
            code = process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
            raise
        out.seek(0)
        err.seek(0)
        return subprocess.CompletedProcess(list(argv), code, out.read(), err.read())


if __name__ == "__main__":
    _serve(sys.argv[1])
