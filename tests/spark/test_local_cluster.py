"""How :class:`LocalCluster` waits for its master and cleans up when a start fails.

The waiting is shown against a stand-in for the master's web UI (a real HTTP server on loopback)
whose answers the test chooses: a CI run saw the real master answer ``/json/`` once with its HTML
page while it started, and the wait must outlast that. The clean-up is shown with a real master JVM.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sqlscore.errors import SparkError
from sqlscore.spark.cluster import LocalCluster

MASTER_PAGE = b'<!DOCTYPE html><html data-bs-theme="light"><body>Spark Master</body></html>'
ONE_ALIVE = json.dumps({"workers": [{"id": "worker-1", "state": "ALIVE"}]}).encode()


class MasterUI(BaseHTTPRequestHandler):
    """Answers ``/json/`` with the HTML page for the first ``html_answers`` requests, then JSON."""

    html_answers = 0
    requests = 0

    def do_GET(self) -> None:
        type(self).requests += 1
        html = type(self).requests <= type(self).html_answers
        body = MASTER_PAGE if html else ONE_ALIVE
        self.send_response(200)
        self.send_header("Content-Type", "text/html" if html else "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 (the base class's name)
        pass


def serve(html_answers: int) -> Iterator[int]:
    handler = type("Answers", (MasterUI,), {"html_answers": html_answers, "requests": 0})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def ui_answering_html_twice() -> Iterator[int]:
    yield from serve(html_answers=2)


@pytest.fixture
def ui_answering_only_html() -> Iterator[int]:
    yield from serve(html_answers=10**6)


def test_the_wait_outlasts_a_master_answering_its_html_page_first(
    ui_answering_html_twice: int, tmp_path: Path
) -> None:
    cluster = LocalCluster(tmp_path, workers=1, ui_port=ui_answering_html_twice, startup_seconds=10)
    cluster.wait_for_workers(1)
    assert len(cluster.alive_workers()) == 1


def test_a_master_never_answering_json_is_an_error_saying_what_it_answered(
    ui_answering_only_html: int, tmp_path: Path
) -> None:
    cluster = LocalCluster(tmp_path, workers=1, ui_port=ui_answering_only_html, startup_seconds=1.5)
    with pytest.raises(SparkError, match=r"did not register 1 workers.*last answered: JSONDecodeError"):
        cluster.wait_for_workers(1)


def processes_naming(text: str) -> list[int]:
    """Process ids whose command line contains ``text``."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, UnicodeDecodeError):
            continue
        if entry.name.isdigit() and text in command:
            found.append(int(entry.name))
    return found


def test_a_start_failing_after_the_master_launched_leaves_no_process(tmp_path: Path) -> None:
    """Pinning more workers than there are CPUs fails once the master runs: the master is stopped."""
    too_many = len(os.sched_getaffinity(0)) + 1
    cluster = LocalCluster(tmp_path / "cluster", workers=too_many, cores=1, pinned=True)
    with pytest.raises(SparkError, match=f"cannot pin {too_many} workers"):
        cluster.start()
    assert (tmp_path / "cluster" / "master.log").exists()  # the master had been launched
    assert processes_naming(f"--port {cluster.master_port} ") == []
