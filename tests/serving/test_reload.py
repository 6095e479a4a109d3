"""Hot reload: a promotion and a publish reach a running server, and no request fails meanwhile.

The site is a copy (the test writes: a new model version, an alias move, a new serving file).
Three client threads keep one keep-alive connection each and send requests back to back, bounded
in count and time, while the test promotes a new churn version in the registry and publishes a new
serving file the way a run does (staged from ``published.*`` beside it, then renamed over it).
"""

from __future__ import annotations

import http.client
import itertools
import json
import os
import shutil
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb
import pytest

from sqlscore.registry import Registry
from sqlscore.warehouse.publication import (
    PUBLISHED_SCHEMA,
    published_table_names,
    stage_serving_copy,
    swap_serving_copy,
)
from tests.serving.conftest import Server, start_server, stop_server
from tests.serving.test_predict import CASES, demo_rows

TABLE = "customer_churn_scores"
#: bounds of the request loop: per client, and for the whole test
MAX_REQUESTS = 20000
MAX_SECONDS = 40.0
#: the issue's bound from a promotion or a publish to its first answer
PICKED_UP_WITHIN = 2.0


@dataclass
class Client:
    """A thread sending one request after another on one connection, recording every answer."""

    server: Server
    method: str
    path: str
    body: Any
    pick: str  # the answer's field to record: "model_version" or "run_id"
    seen: list[tuple[float, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        address = urlsplit(self.server.url)
        connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
        data = json.dumps(self.body).encode() if self.body is not None else None
        headers = {"Content-Type": "application/json"} if data else {}
        deadline = time.monotonic() + MAX_SECONDS
        try:
            for _ in range(MAX_REQUESTS):
                if self.stop.is_set() or time.monotonic() > deadline:
                    return
                try:  # no retry: a failed request counts
                    connection.request(self.method, self.path, body=data, headers=headers)
                    answer = connection.getresponse()
                    payload = json.loads(answer.read())
                except (OSError, http.client.HTTPException, ValueError) as exc:
                    self.failures.append(f"{type(exc).__name__}: {exc}")
                    connection.close()
                    continue
                if answer.status != 200:
                    self.failures.append(f"{answer.status}: {payload}")
                    continue
                value = payload["results"][0][self.pick] if "results" in payload else payload[self.pick]
                self.seen.append((time.monotonic(), value))
        finally:
            connection.close()

    def latest(self) -> Any:
        return self.seen[-1][1] if self.seen else None

    def switches(self) -> list[Any]:
        """The values served, in order, each run of equal answers collapsed to one."""
        return [value for value, _ in itertools.groupby(v for _, v in self.seen)]


@pytest.fixture(scope="module")
def reloading(published_source: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    site = tmp_path_factory.mktemp("reload_site")
    shutil.copytree(published_source / "models_onnx", site / "models_onnx")
    for name in ("warehouse.duckdb", "warehouse_serving.duckdb"):
        shutil.copy(published_source / name, site / name)
    running = start_server(site, site / "serve.log")  # one worker: one poller, one switch to see
    yield running
    stop_server(running)


def wait_for(client: Client, value: Any, since: float) -> float:
    """Seconds from ``since`` until ``client`` first got ``value`` (bounded by the loop's own bounds)."""
    while time.monotonic() < since + 3 * PICKED_UP_WITHIN:
        first = next((t for t, v in client.seen if t >= since and v == value), None)
        if first is not None:
            return first - since
        time.sleep(0.02)
    raise AssertionError(
        f"{client.path}: still {client.latest()!r} after {3 * PICKED_UP_WITHIN} s, not {value!r}"
    )


def add_a_version(site: Path) -> str:
    """A new churn version in the registry, not promoted (the champion's graph, so its scores match)."""
    registry = Registry(site / "models_onnx")
    champion = registry.resolve("churn")
    card = registry.write_version(
        replace(champion, version=registry.next_version("churn")),
        registry.load_artifact(champion),
        registry.input_profile(champion),
    )
    return card.version


def reloads(server: Server) -> int:
    """The server's ``sqlscore_model_reloads_total``: how many model sets it has swapped in."""
    _, metrics = server.request("GET", "/metrics")
    prefix = "sqlscore_model_reloads_total "
    return int(next(line for line in metrics.splitlines() if line.startswith(prefix))[len(prefix) :])


def wait_for_reloads(server: Server, count: int) -> None:
    """Until the server has swapped in ``count`` model sets (bounded like :func:`wait_for`)."""
    since = time.monotonic()
    while reloads(server) < count:
        if time.monotonic() > since + 3 * PICKED_UP_WITHIN:
            raise AssertionError(f"{reloads(server)} reloads after {3 * PICKED_UP_WITHIN} s, not {count}")
        time.sleep(0.05)


def publish_a_new_serving_file(site: Path) -> str:
    """What a run's publish step does to the serving file: stage it whole, rename it over the old."""
    run_id = f"reload-test-{uuid.uuid4()}"
    serving = site / "warehouse_serving.duckdb"
    # read-write beside the running service: it would fail if the service held the warehouse
    with duckdb.connect(str(site / "warehouse.duckdb")) as con:
        # the run's new scores (the same numbers here), stamped with its run id as a run does
        con.execute(f"update {PUBLISHED_SCHEMA}.{TABLE} set run_id = ?", [run_id])
        sources = {t: f"{PUBLISHED_SCHEMA}.{t}" for t in published_table_names(con)}
        staged = stage_serving_copy(con, serving, sources, run_id)
    swap_serving_copy(staged, serving)
    return run_id


def test_a_promotion_and_a_publish_are_picked_up_without_a_failed_request(reloading: Server) -> None:
    site = reloading.site
    with duckdb.connect(str(site / "warehouse_serving.duckdb"), read_only=True) as con:
        key, first_run = con.execute(f"select customer_id, run_id from {TABLE} order by 1 limit 1").fetchone()  # type: ignore[misc]
    row = demo_rows(site, *CASES[0], count=8)[7]
    predicting = Client(reloading, "POST", "/v1/predict/predict_churn", {"rows": [row]}, "model_version")
    # two readers: requests on the old serving file are in flight while the new one replaces it
    reading, reading_too = (
        Client(reloading, "GET", f"/v1/scores/{TABLE}/{key}", None, "run_id") for _ in "ab"
    )
    clients = (predicting, reading, reading_too)
    threads = [threading.Thread(target=c.run) for c in clients]
    for thread in threads:
        thread.start()
    try:
        before = Registry(site / "models_onnx").resolve("churn").version
        wait_for(predicting, before, time.monotonic())  # both loops answer before anything moves
        wait_for(reading, first_run, time.monotonic())
        # the new version and its promotion are two registry changes, each reloaded once: seen
        # apart here, so the count below does not depend on where a poll fell between them
        version = add_a_version(site)
        wait_for_reloads(reloading, 1)  # the champion did not move: predictions stay on `before`
        promoted_at = time.monotonic()
        Registry(site / "models_onnx").promote("churn", version, "champion")
        promotion_took = wait_for(predicting, version, promoted_at)

        published_at = time.monotonic()
        run_id = publish_a_new_serving_file(site)
        publish_took = wait_for(reading, run_id, published_at)
        time.sleep(0.5)
    finally:
        for client in clients:
            client.stop.set()
        for thread in threads:
            thread.join(timeout=MAX_SECONDS + 15)
    answered = sum(len(c.seen) for c in clients)
    failed = [f for c in clients for f in c.failures]
    print(
        f"\nhot reload: {answered} requests answered, {len(failed)} failed; promotion served after "
        f"{promotion_took:.3f} s, publish after {publish_took:.3f} s"
    )
    assert failed == []
    assert predicting.switches() == [before, version], predicting.switches()
    assert reading.switches() == reading_too.switches() == [first_run, run_id], reading.switches()
    assert promotion_took <= PICKED_UP_WITHIN and publish_took <= PICKED_UP_WITHIN
    assert reloads(reloading) == 2  # the new version, its promotion; the publish reloads no model


def test_the_service_holds_no_warehouse_file(reloading: Server) -> None:
    """Its open files: the serving file at most, never the warehouse (scheduled runs keep their lock)."""
    opened = {
        os.path.realpath(f"/proc/{reloading.process.pid}/fd/{fd}")
        for fd in os.listdir(f"/proc/{reloading.process.pid}/fd")
    }
    warehouse = str((reloading.site / "warehouse.duckdb").resolve())
    assert not [f for f in opened if f.startswith(warehouse)], opened
