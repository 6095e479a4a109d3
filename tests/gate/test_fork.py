"""The gate's child as a fork of the run, and the new interpreter it falls back to.

Every ``sqlscore run`` of the suite forks its gate (tests/gate/test_faults.py checks that the
waiting gate is a fork of the run, and that it dies with it); this file checks the fallback.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

from sqlscore.gate import GateProcess
from sqlscore.gate.child import PROCESS_NAME
from sqlscore.gate.fork import can_fork


def _name(pid: int, timeout: float = 60) -> str:
    """The process name of ``pid`` once it is the gate's (or what it is after ``timeout``)."""
    deadline = time.monotonic() + timeout
    name = ""
    while time.monotonic() < deadline:
        name = Path(f"/proc/{pid}/comm").read_text().strip()
        if name == PROCESS_NAME.decode():
            break
        time.sleep(0.05)
    return name


def test_a_process_with_threads_starts_the_gate_as_a_new_interpreter() -> None:
    """A fork copies only the calling thread (a lock another thread holds stays held in the
    child), so a process with a second thread gets ``python -m sqlscore.gate.child`` instead."""
    release = threading.Event()
    second = threading.Thread(target=release.wait)
    second.start()
    try:
        assert not can_fork()
        gate = GateProcess(fork=True)
        try:
            # named once it runs the gate's code; only then is its command line surely there
            # (read as soon as the process had started, it was empty once in CI)
            assert _name(gate.pid) == PROCESS_NAME.decode()
            command = Path(f"/proc/{gate.pid}/cmdline").read_bytes().split(b"\0")
            assert command[1:4] == [b"-m", b"sqlscore.gate.child", b"--wait"], command
        finally:
            gate.close()
    finally:
        release.set()
        second.join()
