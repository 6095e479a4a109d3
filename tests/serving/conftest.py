"""A real ``sqlscore serve`` process on a loopback port, over the published test site.

One server per module or package (starting one costs about two seconds: the interpreter,
FastAPI and two onnxruntime sessions), stopped by the fixture; requests go over real HTTP with
urllib. The published site (``published_source``) is read-only for every test: the service only
reads the registry and the serving file, so it needs no copy.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import SQLSCORE
from tests.gate.conftest import published_source  # noqa: F401  (the session fixture, shared)

#: rows per predict request of the package's server: small, so that the 413 test sends few rows
MAX_ROWS = 60
#: request body limit of the package's server: 60 churn rows are about 18 KB
MAX_BODY_BYTES = 65536


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    url: str
    process: subprocess.Popen[bytes]
    site: Path
    log: Path

    def request(
        self, method: str, path: str, body: Any = None, token: str | None = None, raw: bytes | None = None
    ) -> tuple[int, Any]:
        """One HTTP request; returns (status, decoded JSON, or text for non-JSON answers)."""
        status, payload, _ = self.exchange(method, path, body, token, raw)
        return status, payload

    def exchange(
        self, method: str, path: str, body: Any = None, token: str | None = None, raw: bytes | None = None
    ) -> tuple[int, Any, Message]:
        """One HTTP request; returns status, decoded answer and the answer's headers."""
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        headers = {"Content-Type": "application/json"} if data is not None else {}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                status, payload, got = answer.status, answer.read(), answer.headers
        except urllib.error.HTTPError as error:
            status, payload, got = error.code, error.read(), error.headers
        kind = got.get("content-type", "")
        return status, json.loads(payload) if "json" in kind else payload.decode(), got


def start_server(site: Path, log: Path, *args: str, port: int | None = None, **env: str) -> Server:
    """Start ``sqlscore serve`` on a free port and wait (bounded) until /healthz answers."""
    port = port or free_port()
    environment = {
        **os.environ,
        "SQLSCORE_WAREHOUSE": str(site / "warehouse.duckdb"),
        "SQLSCORE_REGISTRY": str(site / "models_onnx"),
        **env,
    }
    with open(log, "wb") as output:
        process = subprocess.Popen(
            [SQLSCORE, "serve", "--port", str(port), *args],
            env=environment,
            cwd=site,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    server = Server(f"http://127.0.0.1:{port}", process, site, log)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"sqlscore serve exited with {process.returncode}:\n{log.read_text()}")
        try:
            if server.request("GET", "/healthz")[0] == 200:
                return server
        except OSError:
            pass
        time.sleep(0.1)
    stop_server(server)
    raise AssertionError(f"sqlscore serve did not answer /healthz within 60 s:\n{log.read_text()}")


def stop_server(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait(timeout=15)


@pytest.fixture(scope="package")
def server(published_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:  # noqa: F811
    """The package's server: no token, no max age, at most MAX_ROWS rows and MAX_BODY_BYTES per request."""
    running = start_server(
        published_source,
        tmp_path_factory.mktemp("serve") / "serve.log",
        SQLSCORE_SERVE_MAX_ROWS=str(MAX_ROWS),
        SQLSCORE_SERVE_MAX_BODY_BYTES=str(MAX_BODY_BYTES),
    )
    yield running
    stop_server(running)
    assert running.process.returncode is not None
