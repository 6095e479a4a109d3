"""The forked launches of :mod:`tests.prewarmed` behave as processes started by subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests import prewarmed

SCRIPT = """
import os, sys, time
print("argv", sys.argv[1:], "cwd", os.getcwd(), "pid", os.getpid(), flush=True)
print("colour", os.environ.get("PREWARMED_COLOUR"), "ppid", os.getppid(), flush=True)
print("dbt already imported", "dbt.cli.main" in sys.modules, file=sys.stderr, flush=True)
if sys.argv[1] == "sleep":
    time.sleep(60)
print("read", repr(sys.stdin.read()), flush=True)
sys.exit(int(sys.argv[2]))
"""


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "probe.py"
    path.write_text(SCRIPT)
    return path


def test_a_forked_launch_has_its_own_argv_directory_environment_streams_and_exit_code(
    script: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "PREWARMED_COLOUR": "teal"}
    result = prewarmed.run(
        [sys.executable, str(script), "exit", "3"], env=env, cwd=tmp_path, timeout=60, input="a\nb\n"
    )
    assert result.returncode == 3
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"argv ['exit', '3'] cwd {tmp_path} pid ")
    pid = int(lines[0].rsplit(" ", 1)[1])
    assert pid != os.getpid() and f"colour teal ppid {os.getpid()}" not in lines[1]
    assert lines[1].startswith("colour teal")
    assert lines[2] == "read 'a\\nb\\n'"
    # forked from the warm interpreter, not started cold: dbt is in it already
    assert result.stderr.strip() == "dbt already imported True"


def test_a_killed_launch_reports_the_signal_and_its_output_streams_through_a_pipe(script: Path) -> None:
    process = prewarmed.launch(
        [sys.executable, str(script), "sleep", "0"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    assert isinstance(process, prewarmed.Launched)
    assert process.stdout is not None
    assert process.stdout.readline().startswith("argv ['sleep', '0']")
    assert process.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        process.wait(timeout=0.2)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=60) == -signal.SIGKILL
    assert process.returncode == -signal.SIGKILL


def test_a_timeout_kills_the_launch_and_raises(script: Path) -> None:
    with pytest.raises(subprocess.TimeoutExpired):
        prewarmed.run([sys.executable, str(script), "sleep", "0"], timeout=1)


def test_what_cannot_be_forked_is_started_by_subprocess() -> None:
    process = prewarmed.launch([sys.executable, "-c", "print('cold')"], stdout=subprocess.PIPE)
    assert isinstance(process, subprocess.Popen)
    assert process.communicate(timeout=60)[0] == "cold\n"
    result = prewarmed.run(["/bin/sh", "-c", "echo cold >&2; exit 4"], timeout=60)
    assert (result.returncode, result.stderr) == (4, "cold\n")
