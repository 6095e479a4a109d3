"""Prometheus metrics in the text exposition format, written here rather than by a library.

The families the issue asks for are a few dozen lines to write, where prometheus_client would add
a dependency and, for ``--workers``, its multiprocess mode: every worker writing its samples to
memory-mapped files in a shared folder on each request, and every scrape merging the files. We
chose not to: **each worker answers /metrics with its own counts**, and says which process it is
(``sqlscore_process_info{pid}``). With ``--workers N`` behind one port a scrape reaches one worker
chosen by the kernel, so for exact per-process series run one worker per instance on its own port
(the HAProxy deployment in the README does) and scrape every instance; ``--workers N`` on one port
is for throughput, and its /metrics is a sample of one worker.

- ``sqlscore_requests_total{endpoint, model, model_version, status}``
- ``sqlscore_request_errors_total{endpoint, model, model_version, status}`` (4xx and 5xx)
- ``sqlscore_request_duration_seconds{endpoint, model, model_version}`` (histogram)
- ``sqlscore_model_info{function, model, version, sha256}`` = 1 per function served
- ``sqlscore_process_info{pid}`` = 1, and ``sqlscore_model_reloads_total`` (hot reloads in it)

Label values come from the route template and the served set, never from raw request text, so
an unknown function sent a million times adds no new series (it counts under ``model=""``).
"""

from __future__ import annotations

import bisect
import os
import threading
from collections import defaultdict
from collections.abc import Iterable

#: latency buckets in seconds, from a cached lookup to a 1,000-row request
BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)

Labels = tuple[str, str, str]  # endpoint, model, model_version


class Metrics:
    """Counters and histograms of one process; thread-safe (uvicorn's thread pool records too)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._requests: dict[tuple[str, str, str, int], int] = defaultdict(int)
        self._buckets: dict[Labels, list[int]] = {}
        self._sums: dict[Labels, float] = defaultdict(float)

    def record(self, endpoint: str, model: str, version: str, status: int, seconds: float) -> None:
        labels = (endpoint, model, version)
        with self._lock:
            self._requests[(*labels, status)] += 1
            counts = self._buckets.get(labels)
            if counts is None:
                counts = self._buckets[labels] = [0] * (len(BUCKETS) + 1)
            counts[bisect.bisect_left(BUCKETS, seconds)] += 1
            self._sums[labels] += seconds

    def render(self, models: Iterable[tuple[str, str, str, str]], reloads: int = 0) -> str:
        """The exposition text; ``models``: (function, model, version, sha256) of each function served,
        ``reloads``: how many times this process swapped in a new model set."""
        lines = [
            "# HELP sqlscore_requests_total Requests answered, by endpoint, model, model version and status.",
            "# TYPE sqlscore_requests_total counter",
        ]
        with self._lock:
            requests = sorted(self._requests.items())
            buckets = sorted((k, list(v)) for k, v in self._buckets.items())
            sums = dict(self._sums)
        for (endpoint, model, version, status), count in requests:
            lines.append(
                f'sqlscore_requests_total{{{_labels(endpoint, model, version)},status="{status}"}} {count}'
            )
        lines += [
            "# HELP sqlscore_request_errors_total Requests answered with a 4xx or 5xx status.",
            "# TYPE sqlscore_request_errors_total counter",
        ]
        for (endpoint, model, version, status), count in requests:
            if status >= 400:
                names = _labels(endpoint, model, version)
                lines.append(f'sqlscore_request_errors_total{{{names},status="{status}"}} {count}')
        lines += [
            "# HELP sqlscore_request_duration_seconds Time from request to response, in this process.",
            "# TYPE sqlscore_request_duration_seconds histogram",
        ]
        for labels, counts in buckets:
            text = _labels(*labels)
            running = 0
            for bound, count in zip((*BUCKETS, float("inf")), counts, strict=True):
                running += count
                le = "+Inf" if bound == float("inf") else repr(bound)
                lines.append(f'sqlscore_request_duration_seconds_bucket{{{text},le="{le}"}} {running}')
            lines.append(f"sqlscore_request_duration_seconds_sum{{{text}}} {sums[labels]!r}")
            lines.append(f"sqlscore_request_duration_seconds_count{{{text}}} {running}")
        lines += [
            "# HELP sqlscore_model_info The model version each function serves (value 1).",
            "# TYPE sqlscore_model_info gauge",
        ]
        for function, model, version, sha256 in sorted(models):
            lines.append(
                f'sqlscore_model_info{{function="{_escape(function)}",model="{_escape(model)}",'
                f'version="{_escape(version)}",sha256="{_escape(sha256)}"}} 1'
            )
        lines += [
            "# HELP sqlscore_process_info The worker process that answered this scrape (value 1).",
            "# TYPE sqlscore_process_info gauge",
            f'sqlscore_process_info{{pid="{os.getpid()}"}} 1',
            "# HELP sqlscore_model_reloads_total Model sets swapped in by a hot reload in this process.",
            "# TYPE sqlscore_model_reloads_total counter",
            f"sqlscore_model_reloads_total {reloads}",
        ]
        return "\n".join(lines) + "\n"


def _labels(endpoint: str, model: str, version: str) -> str:
    return f'endpoint="{_escape(endpoint)}",model="{_escape(model)}",model_version="{_escape(version)}"'


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
