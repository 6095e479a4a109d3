"""The predict front (plain ASGI before FastAPI's router) answers as the FastAPI route does.

Both applications are built in this process over the published site and the same loaded models,
and driven through ASGI directly (no server: cheap), the same requests sent to each: scores are
compared byte for byte, refusals by status and, where they name a row and feature, by text. The
fast feed (JSON rows straight to numpy) is also compared with the reference Arrow path on rows
with NULLs, NaN, whole numbers and every feature type, and shown to be the path plain rows take.
"""

from __future__ import annotations

import asyncio
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from sqlscore.registry import Registry
from sqlscore.serving.app import create_app, create_service
from sqlscore.serving.config import ServeConfig
from sqlscore.serving.models import load_model_set
from sqlscore.serving.rows import feature_columns
from tests.serving.test_predict import CASES, demo_rows

TOKEN = "front-token"
MAX_ROWS = 50
Answer = tuple[int, dict[str, str], bytes]


class Asgi:
    """One ASGI application called request by request, as uvicorn would call it."""

    def __init__(self, app: Any) -> None:
        self.app = app

    def post(
        self, path: str, body: bytes, token: str | None = TOKEN, kind: str = "application/json"
    ) -> Answer:
        headers = [(b"host", b"test"), (b"content-type", kind.encode())]
        headers.append((b"content-length", str(len(body)).encode()))
        if token is not None:
            headers.append((b"authorization", f"Bearer {token}".encode()))
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "POST",
            "scheme": "http",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": headers,
            "client": ("127.0.0.1", 1),
            "server": ("127.0.0.1", 2),
        }
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        asyncio.run(self.app(scope, receive, send))
        start = next(m for m in sent if m["type"] == "http.response.start")
        answer = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return start["status"], {k.decode(): v.decode() for k, v in start["headers"]}, answer


@pytest.fixture(scope="module")
def apps(published_source: Path) -> Iterator[tuple[Asgi, Asgi]]:  # noqa: F811
    """(with the front, FastAPI route only), serving one model set loaded once."""
    config = ServeConfig(
        registry=published_source / "models_onnx",
        serving=published_source / "warehouse_serving.duckdb",
        max_rows=MAX_ROWS,
        token=TOKEN,
    )
    models = load_model_set(Registry(config.registry))
    yield Asgi(create_service(config, models)), Asgi(create_app(config, models))


def body(rows: Any) -> bytes:
    return json.dumps({"rows": rows}).encode()


def test_the_front_answers_as_the_fastapi_route(apps: tuple[Asgi, Asgi], published_source: Path) -> None:
    front, route = apps
    churn = demo_rows(published_source, *CASES[0], count=40)
    risk = demo_rows(published_source, *CASES[1], count=40)
    good = churn[8]
    same_text = {
        "churn 40 rows, NULLs": ("predict_churn", body(churn)),
        "risk 40 rows, NULLs": ("predict_risk", body(risk)),
        "one row": ("predict_churn", body([good])),
        "whole numbers": ("predict_churn", body([{**good, "tenure_months": 12, "tickets_90d": 0}])),
        "2**60, beyond exact doubles": ("predict_churn", body([{**good, "tenure_months": 2**60}])),
        "NaN token": ("predict_churn", body([{**good, "monthly_charges": math.nan}])),
        "missing": ("predict_churn", body([good, {k: v for k, v in good.items() if k != "plan"}])),
        "extra": ("predict_churn", body([{**good, "customer_id": 1}])),
        "string for number": ("predict_churn", body([{**good, "tenure_months": "12"}])),
        "boolean": ("predict_churn", body([{**good, "tenure_months": True}])),
        "number for string": ("predict_churn", body([{**good, "plan": 3}])),
        "infinity": ("predict_churn", body([{**good, "monthly_charges": math.inf}])),
        "1e999": (
            "predict_churn",
            body([{**good, "monthly_charges": 0}]).replace(
                b'"monthly_charges": 0', b'"monthly_charges": 1e999'
            ),
        ),
        "400 digits": ("predict_churn", body([{**good, "monthly_charges": 10**400}])),
        "not a row": ("predict_churn", body([good, 3])),
        "too many rows": ("predict_churn", body([good] * (MAX_ROWS + 1))),
        "no rows": ("predict_churn", body([])),
        "unknown function": ("predict_nothing", body([good])),
    }
    for case, (function, sent) in same_text.items():
        ours, theirs = (
            front.post(f"/v1/predict/{function}", sent),
            route.post(f"/v1/predict/{function}", sent),
        )
        assert ours[0] == theirs[0] and ours[2] == theirs[2], (case, ours, theirs)
        assert ours[1]["content-type"] == "application/json" and "x-sqlscore-pid" in ours[1], case
    assert front.post("/v1/predict/predict_churn", body([good]))[0] == 200

    status_only = {
        "not JSON": (b"{not json", 422),
        "5000 digits": (
            body([{**good, "monthly_charges": 0}]).replace(
                b'"monthly_charges": 0', b'"monthly_charges": ' + b"9" * 5000
            ),
            400,
        ),
        "not an object": (b"[1, 2]", 422),
        "no rows key": (b'{"row": []}', 422),
        "rows not a list": (b'{"rows": 3}', 422),
    }
    for case, (sent, expected) in status_only.items():
        ours, theirs = (
            front.post("/v1/predict/predict_churn", sent),
            route.post("/v1/predict/predict_churn", sent),
        )
        assert ours[0] == theirs[0] == expected, (case, ours, theirs)
        assert "predict_churn" in json.loads(ours[2])["error"], (case, ours)
    assert b"4300 digits" in front.post("/v1/predict/predict_churn", status_only["5000 digits"][0])[2]
    assert front.post("/v1/predict/predict_churn", body([good]), kind="text/plain")[0] == 422


def test_the_front_asks_for_the_token(apps: tuple[Asgi, Asgi], published_source: Path) -> None:
    front, route = apps
    sent = body(demo_rows(published_source, *CASES[0], count=8)[7:])
    for token in (None, "wrong", TOKEN[:-1], TOKEN + "x"):
        ours, theirs = (
            front.post("/v1/predict/predict_churn", sent, token),
            route.post("/v1/predict/predict_churn", sent, token),
        )
        assert ours[0] == theirs[0] == 401 and ours[2] == theirs[2], (token, ours, theirs)
        assert ours[1]["www-authenticate"] == "Bearer"


def test_the_fast_feed_gives_the_reference_numbers(published_source: Path) -> None:
    models = load_model_set(Registry(published_source / "models_onnx"))
    for function, table, key in CASES:
        served = models.functions[function]
        assert served.fast is not None
        rows = demo_rows(published_source, function, table, key, count=40)  # NULLs included
        numbers = [f.name for f in served.card.features if f.sql_type == "DOUBLE"]
        rows[10] = {**rows[10], numbers[0]: math.nan}
        rows[11] = {**rows[11], numbers[0]: 3, numbers[-1]: -(2**53) + 1}  # whole numbers, exact doubles
        for sample in (rows, rows[:1], rows[6:7], rows[10:12]):
            fast = served.fast.values(sample)
            assert fast is not None, "plain rows must take the fast feed"
            assert fast == served.values(feature_columns(function, served.card, sample))
        refused = [
            {**rows[8], numbers[0]: 2**53},
            {**rows[8], numbers[0]: math.inf},
            {**rows[8], numbers[0]: True},
        ]
        for row in refused:  # left to the reference path, which decides and names the feature
            assert served.fast.values([rows[8], row]) is None
            assert served.fast.values([*rows[12:32], row]) is None  # over 16 rows: checked in numpy
