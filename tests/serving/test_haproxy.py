"""Two ``sqlscore serve`` instances behind HAProxy; one is SIGKILLed during a bounded load loop.

The deployment the README documents, for real on loopback: HAProxy (Debian's package, which
``.ci/run`` installs) balances two instances and checks ``/readyz`` every 200 ms, marking an
instance down after two failed checks. The client threads send one request after another on
keep-alive connections and never retry: every failure counts. Requests sent after HAProxy marked
the killed instance down must all succeed; the ones that fail in between are at most those in
flight while the killed instance was dying (sent before it was gone), because HAProxy re-sends to
the other instance a request whose connection was refused (it never reached a server) but not one
a server took and died with.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import os
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.serving.conftest import Server, free_port, start_server, stop_server
from tests.serving.test_predict import CASES, demo_rows

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
CLIENTS = 4
MAX_REQUESTS = 5000  # per client
MAX_SECONDS = 30.0
AFTER_DOWN = 1.0  # seconds of load once the killed instance is marked down

#: the README's deployment, with the ports filled in ({frontend}, {stats}, {a}, {b})
HAPROXY_CONFIG = """\
global
    maxconn 1024

defaults
    mode http
    timeout connect 1s
    timeout client 30s
    timeout server 30s
    # a request whose connection to an instance is refused never reached it: send it to another
    retries 2
    option redispatch 1

frontend sqlscore
    bind 127.0.0.1:{frontend}
    default_backend sqlscore_instances

backend sqlscore_instances
    balance roundrobin
    option httpchk GET /readyz
    http-check expect status 200
    # a check every 200 ms, down after 2 failed; a check may take up to 1 s under load before it fails
    timeout check 1s
    default-server inter 200ms fall 2 rise 2
    server a 127.0.0.1:{a} check
    server b 127.0.0.1:{b} check

listen stats
    bind 127.0.0.1:{stats}
    stats enable
    stats uri /stats
"""


@dataclass
class Sent:
    started: float
    finished: float
    ok: bool
    pid: str | None
    error: str | None = None


@dataclass
class LoadClient:
    url: str
    body: bytes
    stop: threading.Event
    sent: list[Sent] = field(default_factory=list)

    def run(self) -> None:
        host, port = self.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        deadline = time.monotonic() + MAX_SECONDS
        try:
            for _ in range(MAX_REQUESTS):
                if self.stop.is_set() or time.monotonic() > deadline:
                    return
                started = time.monotonic()
                try:  # retry-free: one attempt per request, whatever happens
                    connection.request(
                        "POST", "/v1/predict/predict_churn", self.body, {"Content-Type": "application/json"}
                    )
                    answer = connection.getresponse()
                    payload = answer.read()
                    ok = answer.status == 200
                    error = None if ok else f"{answer.status}: {payload[:200]!r}"
                    self.sent.append(
                        Sent(started, time.monotonic(), ok, answer.getheader("x-sqlscore-pid"), error)
                    )
                except (OSError, http.client.HTTPException) as exc:
                    self.sent.append(
                        Sent(started, time.monotonic(), False, None, f"{type(exc).__name__}: {exc}")
                    )
                    connection.close()
        finally:
            connection.close()


@dataclass
class Balanced:
    url: str
    stats: str
    instances: dict[str, Server]
    haproxy: subprocess.Popen[bytes]


def server_states(stats_url: str) -> dict[str, str]:
    """HAProxy's view of each instance (UP, DOWN, ...), from its stats page as CSV."""
    with urllib.request.urlopen(stats_url + "/stats;csv", timeout=5) as answer:
        text = answer.read().decode().lstrip("# ")
    return {
        row["svname"]: row["status"]
        for row in csv.DictReader(io.StringIO(text))
        if row["pxname"] == "sqlscore_instances" and row["svname"] in ("a", "b")
    }


def wait_until(predicate: Any, seconds: float, what: str) -> float:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return time.monotonic()
        time.sleep(0.02)
    raise AssertionError(f"not within {seconds} s: {what}")


@pytest.fixture(scope="module")
def balanced(published_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Balanced]:
    if not os.path.exists(HAPROXY):
        pytest.skip("HAProxy is not installed (apt-get install haproxy; .ci/run installs it)")
    folder = tmp_path_factory.mktemp("haproxy")
    instances = {name: start_server(published_source, folder / f"serve_{name}.log") for name in ("a", "b")}
    frontend, stats = free_port(), free_port()
    config = folder / "haproxy.cfg"
    ports = {name: server.url.rsplit(":", 1)[1] for name, server in instances.items()}
    config.write_text(HAPROXY_CONFIG.format(frontend=frontend, stats=stats, **ports))
    with open(folder / "haproxy.log", "wb") as log:
        haproxy = subprocess.Popen([HAPROXY, "-db", "-f", str(config)], stdout=log, stderr=subprocess.STDOUT)
    running = Balanced(f"http://127.0.0.1:{frontend}", f"http://127.0.0.1:{stats}", instances, haproxy)
    try:
        wait_until(
            lambda: _states_or_none(running.stats) == {"a": "UP", "b": "UP"}, 20, "HAProxy sees both UP"
        )
        yield running
    finally:
        haproxy.terminate()
        haproxy.wait(timeout=10)
        for server in instances.values():
            if server.process.poll() is None:
                stop_server(server)


def _states_or_none(stats_url: str) -> dict[str, str] | None:
    try:
        return server_states(stats_url)
    except OSError:
        return None


def test_one_instance_killed_no_request_fails_once_it_is_marked_down(balanced: Balanced) -> None:
    row = demo_rows(balanced.instances["a"].site, *CASES[0], count=8)[7]
    stop = threading.Event()
    clients = [LoadClient(balanced.url, json.dumps({"rows": [row]}).encode(), stop) for _ in range(CLIENTS)]
    threads = [threading.Thread(target=c.run) for c in clients]
    victim = balanced.instances["a"]
    for thread in threads:
        thread.start()
    try:
        wait_until(lambda: sum(len(c.sent) for c in clients) >= 200, 20, "200 requests before the kill")
        killed_at = time.monotonic()
        os.kill(victim.process.pid, signal.SIGKILL)
        victim.process.wait(timeout=10)
        died_at = time.monotonic()  # the process is gone (its sockets closed) by now
        down_at = wait_until(
            lambda: server_states(balanced.stats).get("a", "").startswith("DOWN"), 10, "a marked DOWN"
        )
        time.sleep(AFTER_DOWN)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=MAX_SECONDS + 15)
    sent = [s for c in clients for s in c.sent]
    before = [s for s in sent if s.finished < killed_at]
    between = [s for s in sent if s.finished >= killed_at and s.started < down_at]
    after = [s for s in sent if s.started >= down_at]
    failed_between = [s for s in between if not s.ok]
    # in flight on a when it died: sent before it was gone, answered (or failed) after it was killed
    in_flight = [s for s in sent if s.started < died_at and s.finished >= killed_at]
    print(
        f"\nHAProxy: {len(sent)} requests; {len(before)} before the SIGKILL (both instances); "
        f"{len(between)} from the SIGKILL until a was marked DOWN {down_at - killed_at:.3f} s later, "
        f"{len(failed_between)} of them failed (in flight when a died: {len(in_flight)}; errors: "
        f"{sorted({str(s.error)[:60] for s in failed_between})}); {len(after)} after, "
        f"{sum(not s.ok for s in after)} failed"
    )
    assert all(s.ok for s in before), [
        (s.started - killed_at, s.finished - killed_at, s.error) for s in before if not s.ok
    ]
    assert len({s.pid for s in before}) == 2  # both instances answered before the kill
    assert after and all(s.ok for s in after), [s.error for s in after if not s.ok]
    assert {s.pid for s in after} == {str(balanced.instances["b"].process.pid)}
    # the failed ones were all in flight while a was dying: sent before it was gone (between the
    # SIGKILL and its exit a client whose request failed can reconnect, and the dying listener
    # can still take that connection), never one sent after
    assert all(s.started < died_at for s in failed_between)
    assert len(failed_between) <= len(in_flight)
