"""``sqlscore serve --workers 2``: two processes answer on one port, with the same numbers."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serving.conftest import Server, start_server, stop_server
from tests.serving.test_predict import CASES, demo_rows

#: bounded: at most this many requests per client thread while looking for the second worker
ATTEMPTS = 60


@pytest.fixture(scope="module")
def two_workers(published_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(
        published_source, tmp_path_factory.mktemp("workers") / "serve.log", "--workers", "2"
    )
    # start_server returns when the first worker answers; under load the second can take seconds
    # more to start, while the test's requests (each a few ms) would all be done: wait (bounded)
    # until each has answered once, so the test sees how requests are shared, not start-up
    started: set[str] = set()
    deadline = time.monotonic() + 60
    while len(started) < 2 and time.monotonic() < deadline:
        started.add(running.exchange("GET", "/healthz")[2]["x-sqlscore-pid"])
        time.sleep(0.02)
    yield running
    stop_server(running)


def parent_of(pid: int) -> int:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"^PPid:\s+(\d+)", status, re.MULTILINE).group(1))  # type: ignore[union-attr]


def test_two_processes_answer_on_one_port(two_workers: Server) -> None:
    row = demo_rows(two_workers.site, *CASES[0], count=8)[7]
    answers: list[tuple[str, float]] = []
    failures: list[str] = []

    def client() -> None:  # a new connection per request: the kernel hands each to a worker
        for _ in range(ATTEMPTS):
            status, answer, headers = two_workers.exchange(
                "POST", "/v1/predict/predict_churn", {"rows": [row]}
            )
            if status != 200:
                failures.append(f"{status}: {answer}")
                return
            answers.append((headers["x-sqlscore-pid"], answer["results"][0]["score"]))
            if len({pid for pid, _ in answers}) == 2 and len(answers) >= 20:
                return

    threads = [threading.Thread(target=client) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    pids = {int(pid) for pid, _ in answers}
    assert len(pids) == 2, f"one process answered all {len(answers)} requests: {pids}"
    # uvicorn's workers are children of the one `sqlscore serve` process, on its one port
    assert {parent_of(pid) for pid in pids} == {two_workers.process.pid}
    assert len({score for _, score in answers}) == 1  # both workers: the same number

    # each worker's /metrics speaks for that process only, and says which it is
    seen = {}
    for _ in range(ATTEMPTS):
        status, text, headers = two_workers.exchange("GET", "/metrics")
        assert status == 200
        reported = re.search(r'^sqlscore_process_info\{pid="(\d+)"\} 1$', text, re.MULTILINE)
        assert reported is not None, text
        assert reported.group(1) == headers["x-sqlscore-pid"]
        seen[int(reported.group(1))] = text
        if len(seen) == 2:
            break
    assert set(seen) <= pids and seen
