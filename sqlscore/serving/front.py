"""``POST /v1/predict/{function}`` answered as plain ASGI, in front of FastAPI's router.

Why: in a worker, FastAPI's handling of a predict request (routing, dependency solving for the
token, reading and validating the body with pydantic, then the middlewares' wrappers) cost more
than scoring the row; the no-op endpoint pays the router too, so predict stayed near a third of
it. Here one function does what the route did, in the same order of refusals as far as a client
can tell: the declared body size (413), the bearer token (401, constant-time), the body read up to
the limit (413), the function (404 naming what is served, 503 when it could not be loaded), the
JSON (422; 400 for JSON Python cannot hold), the rows (422 naming row and feature; 413 over the
row limit). The answers are the route's bytes: both call :func:`predict_body`. FastAPI still
declares the route, for the OpenAPI schema and for the app used without this front
(:func:`.app.create_app`, which the tests compare it with). The front wraps the whole FastAPI
app (:func:`.app.create_service`): FastAPI's own entry (a telemetry check reading the environment
on every request, its error and body-limit wrappers) is skipped too.

Every answer carries the worker's pid (``x-sqlscore-pid``) and is counted in the metrics under
the route template, as the rest of the service's answers are (:class:`.app._Measure`).
"""

from __future__ import annotations

import hmac
import json
import os
import time
from typing import Any

from pydantic_core import to_json
from starlette.types import ASGIApp, Receive, Scope, Send

from sqlscore.errors import SqlscoreError
from sqlscore.serving.body import is_json_type, over_limit, parse_json
from sqlscore.serving.config import ServeConfig
from sqlscore.serving.errors import InvalidRows, RequestError, TooLarge, Unauthorized
from sqlscore.serving.metrics import Metrics
from sqlscore.serving.models import ModelHolder, ServedFunction
from sqlscore.serving.rows import check_row_count, feature_columns

PREFIX = "/v1/predict/"
ENDPOINT = "/v1/predict/{function}"
TOKEN_REQUIRED = "this service requires a bearer token: send 'Authorization: Bearer <token>'"
_JSON = (b"content-type", b"application/json")


def predict_body(function: str, served: ServedFunction, rows: list[Any]) -> bytes:
    """The predict answer's JSON: one result per row, in order, with the model's provenance.

    The scores are written by pydantic_core's ``to_json`` (ryu: the shortest text that reads back
    as the same double, as ``repr``; only exponents are written ``1e-7``, not ``1e-07``), 30x
    faster than ``repr`` per float, then joined around the provenance encoded once per function.
    """
    if served.multiclass:
        provenance = served.provenance
        results = [{**r, **provenance} for r in served.score(feature_columns(function, served.card, rows))]
        return json.dumps({"function": function, "results": results}, separators=(",", ":")).encode()
    tail = served.result_tail.encode()
    scores = to_json(served.row_values(rows))[1:-1].split(b",")  # a None (non-finite) is null
    return b"".join(
        [served.result_head, b'{"score":', (b"," + tail + b',{"score":').join(scores), b",", tail, b"]}"]
    )


def bearer_ok(authorization: bytes | None, token: bytes) -> bool:
    """FastAPI's HTTPBearer reading of the header (scheme case-insensitive, credentials stripped),
    compared in constant time."""
    sent = b""
    if authorization:
        scheme, _, credentials = authorization.decode("latin-1").partition(" ")
        if scheme.lower() == "bearer":
            sent = credentials.strip().encode()
    return hmac.compare_digest(sent, token)


class _Gone(Exception):
    """The client closed the connection before its body arrived: nothing to answer."""


class PredictFront:
    """ASGI middleware answering predict requests itself and handing everything else on."""

    def __init__(self, app: ASGIApp, holder: ModelHolder, config: ServeConfig, metrics: Metrics) -> None:
        self.app = app
        self.holder = holder
        self.config = config
        self.metrics = metrics
        self.token = config.token.encode() if config.token is not None else None
        self.pid_header = (b"x-sqlscore-pid", str(os.getpid()).encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        function = scope["path"][len(PREFIX) :]
        if not function or "/" in function:  # FastAPI's router answers (404)
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        labels = ["", ""]  # model, version: set once the function is known
        status = 500
        try:
            status, body, headers = await self._answer(scope, receive, function, labels)
            headers += [_JSON, (b"content-length", str(len(body)).encode()), self.pid_header]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        except _Gone:
            pass
        finally:
            self.metrics.record(ENDPOINT, labels[0], labels[1], status, time.perf_counter() - start)

    async def _answer(
        self, scope: Scope, receive: Receive, function: str, labels: list[str]
    ) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        """Status, body and extra headers of the answer (refusals as ``{"error": ...}``)."""
        try:
            authorization = content_type = length = None
            for name, value in scope["headers"]:
                if name == b"authorization":
                    authorization = value
                elif name == b"content-type":
                    content_type = value
                elif name == b"content-length":
                    length = value
            limit = self.config.max_body_bytes
            if length is not None and length.isdigit() and int(length) > limit:
                raise TooLarge(over_limit(f"a request body of {int(length)} bytes", limit))
            if self.token is not None and not bearer_ok(authorization, self.token):
                raise Unauthorized(TOKEN_REQUIRED)
            raw = await _read(receive, limit)
            served = self.holder.current.require(function)
            labels[:] = served.card.name, served.card.version
            rows = check_row_count(function, _rows(scope["path"], raw, content_type), self.config.max_rows)
            return 200, predict_body(function, served, rows), []
        except RequestError as exc:
            extra = [(b"www-authenticate", b"Bearer")] if isinstance(exc, Unauthorized) else []
            return exc.status, _error(str(exc)), extra
        except SqlscoreError as exc:
            return 500, _error(str(exc)), []


def _rows(path: str, raw: bytes, content_type: bytes | None) -> Any:
    """The body's ``rows`` (checked by the caller), or the refusal of a body without them."""
    if not raw:
        raise InvalidRows(f'{path}: the request has no body; send {{"rows": [{{feature: value, ...}}, ...]}}')
    if not is_json_type(content_type):
        raise InvalidRows(f"{path}: send the body as JSON (Content-Type: application/json)")
    body = parse_json(raw, path)
    if not isinstance(body, dict) or "rows" not in body:
        raise InvalidRows(f'{path}: the body must be an object {{"rows": [{{feature: value, ...}}, ...]}}')
    return body["rows"]


async def _read(receive: Receive, limit: int) -> bytes:
    """The whole body, refused (413) as soon as it passes ``limit`` bytes (a chunked body has no
    declared length to refuse it by)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            raise _Gone
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise TooLarge(over_limit("a request body", limit))
        if not message.get("more_body", False):
            return chunk if not chunks else b"".join([*chunks, chunk])
        chunks.append(chunk)


def _error(message: str) -> bytes:
    """Starlette's JSONResponse encoding of ``{"error": message}``."""
    return json.dumps({"error": message}, ensure_ascii=False, separators=(",", ":")).encode()
