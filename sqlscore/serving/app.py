"""The FastAPI application: routes, token check, error answers, metrics around every request.

FastAPI on uvicorn: a maintained ASGI stack (Starlette underneath), pydantic validation of the
request envelopes, and the OpenAPI schema generated from the same code (extended per function by
:mod:`.openapi`). The application holds no warehouse connection: it reads the registry and the
serving file (read-only, reopened after each publish), so scheduled ``sqlscore run`` jobs keep
their lock and their file.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import hmac
import os
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sqlscore.errors import SqlscoreError
from sqlscore.functions.declarations import DECLARATIONS_FILE, udfs_path
from sqlscore.registry import Registry
from sqlscore.serving.body import over_limit
from sqlscore.serving.config import ServeConfig
from sqlscore.serving.errors import NotFound, RequestError, Unauthorized
from sqlscore.serving.front import TOKEN_REQUIRED, PredictFront, predict_body
from sqlscore.serving.lookup import BatchLookup, Found, ServedTable, age_days
from sqlscore.serving.metrics import Metrics
from sqlscore.serving.models import ModelHolder, ModelSet, ServedFunction, load_model_set
from sqlscore.serving.openapi import openapi_builder
from sqlscore.serving.reload import Reloader, registry_fingerprint
from sqlscore.serving.rows import check_row_count, feature_columns


class PredictRequest(BaseModel):
    """``{"rows": [{feature: value, ...}, ...]}``; each function's row schema is in the OpenAPI paths."""

    rows: list[Any] = Field(description="one object of features per row (see /v1/predict/<function>)")


class PredictResult(BaseModel):
    score: float | None = Field(
        description="positive-class probability, regression value, or (multiclass) "
        "the probability of the label"
    )
    label: Any = Field(None, description="multiclass: the predicted class")
    probabilities: dict[str, float | None] | None = Field(None, description="multiclass: per class")
    model_name: str
    model_version: str
    model_sha256: str


class PredictResponse(BaseModel):
    function: str
    results: list[PredictResult]


class LiveRequest(BaseModel):
    """The entity's features, scored live when the batch has no (fresh) score for it."""

    features: dict[str, Any] = Field(
        description="the features of the table's model (its predict_<model> row)"
    )
    as_of_date: dt.date | None = Field(None, description="the date the features describe, echoed back")


_ENDPOINTS = (
    ("/v1/predict/", "/v1/predict/{function}"),
    ("/v1/scores/", "/v1/scores/{published_table}/{key}"),
)


def _endpoint(path: str) -> str:
    """The route template of a path: metric labels never carry request text."""
    for prefix, template in _ENDPOINTS:
        if path.startswith(prefix):
            return template
    return path if path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/docs") else "other"


class _Measure:
    """ASGI middleware recording each request's endpoint, model, version, status and duration.

    A pure ASGI wrapper (not ``BaseHTTPMiddleware``) to keep its cost per request to a clock read
    and a dictionary update; handlers name the model they used in ``request.state``. Every answer
    carries the worker's pid (``x-sqlscore-pid``): with ``--workers N`` or behind a balancer, a
    client and the tests can tell which process answered.
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics
        self.pid_header = (b"x-sqlscore-pid", str(os.getpid()).encode())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500
        state = scope.setdefault("state", {})

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message = {**message, "headers": [*message.get("headers", ()), self.pid_header]}
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.record(
                _endpoint(scope["path"]),
                str(state.get("model", "")),
                str(state.get("model_version", "")),
                status,
                time.perf_counter() - start,
            )


class _LimitBody:
    """ASGI middleware answering 413 to a body over ``limit`` bytes, before anything parses it.

    A declared ``content-length`` over the limit is refused without reading the body; a chunked
    body is read up to the limit and refused as soon as it passes it. What is under the limit is
    handed on as one message (FastAPI reads the whole body anyway).
    """

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send, f"a request body of {int(declared)} bytes")
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                await self._refuse(send, "a request body")
                return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": b"".join(chunks), "more_body": False}

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send, what: str) -> None:
        text = over_limit(what, self.limit)
        await JSONResponse({"error": text}, status_code=413)({"type": "http"}, _no_receive, send)


async def _no_receive() -> Message:
    return {"type": "http.disconnect"}


def _name_model(request: Request, model: str, version: str) -> None:
    request.state.model = model
    request.state.model_version = version


def create_app(config: ServeConfig, models: ModelSet | None = None) -> FastAPI:
    """The service over ``config``'s registry and serving file (``models`` to serve a given set).

    Every route is FastAPI's; what ``sqlscore serve`` runs is :func:`create_service`, this app
    behind the predict front.
    """

    def load() -> ModelSet:
        return load_model_set(Registry(config.registry), config.udfs)

    reloader = Reloader(
        holder := ModelHolder(models if models is not None else load()),
        load,
        lambda: registry_fingerprint(config.registry, udfs_path(config.udfs) / DECLARATIONS_FILE),
    )
    lookup = BatchLookup(config.serving)
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        reloader.start()  # here, not at import: in each worker process, once it serves
        # what start-up made (modules, FastAPI's routes, sessions: ~70,000 objects) lives as long as
        # the process: frozen, a full collection no longer walks it while requests wait (one took
        # ~30-100 ms here); requests' own garbage is collected as before
        gc.collect()
        gc.freeze()
        yield
        reloader.stop()
        lookup.close()  # DuckDB 2.0 complains at exit about connections left open

    app = FastAPI(
        lifespan=lifespan,
        title="sqlscore",
        version="1",
        description="Scores from the sqlscore registry: batch scores of published tables, live scores "
        "of rows. The same model versions, NULL conventions and numbers as the SQL functions.",
    )
    app.state.holder = holder
    app.state.lookup = lookup
    app.state.config = config
    app.state.reloader = reloader
    app.state.metrics = metrics
    app.add_middleware(_LimitBody, limit=config.max_body_bytes)
    app.add_middleware(_Measure, metrics=metrics)  # added last: the outermost, it also times the 413s
    app.openapi = openapi_builder(app, lambda: holder.current, config.max_rows)  # type: ignore[method-assign]
    _add_error_handlers(app)
    app.include_router(_v1_router(holder, lookup, config))
    _add_operations(app, holder, lookup, config, metrics)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    """Refusals as ``{"error": ...}`` with their status; validation errors name the fields."""

    @app.exception_handler(RequestError)
    async def refused(request: Request, exc: RequestError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if isinstance(exc, Unauthorized) else None
        return JSONResponse({"error": str(exc)}, status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def malformed(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error.get('loc', ()))}: {error.get('msg')}" for error in exc.errors()
        )
        return JSONResponse({"error": f"{request.url.path}: {problems}"}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # FastAPI's own refusals (a body it cannot parse: 400) in the same shape, with their cause
        cause = f" ({exc.__cause__})" if exc.__cause__ is not None else ""
        return JSONResponse(
            {"error": f"{request.url.path}: {exc.detail}{cause}"},
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )

    @app.exception_handler(SqlscoreError)
    async def failed(request: Request, exc: SqlscoreError) -> JSONResponse:
        return JSONResponse({"error": str(exc)}, status_code=500)


def _v1_router(holder: ModelHolder, lookup: BatchLookup, config: ServeConfig) -> APIRouter:
    """The /v1 endpoints (behind the bearer token when the service has one): predict and scores."""
    bearer = HTTPBearer(auto_error=False, description="required when the service was started with a token")

    # async: FastAPI runs a plain def dependency in its thread pool, a hand-off on every request
    async def require_token(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:  # noqa: B008
        if config.token is None:
            return
        sent = credentials.credentials if credentials is not None else ""
        if not hmac.compare_digest(sent.encode(), config.token.encode()):
            raise Unauthorized(TOKEN_REQUIRED)

    v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_token)])

    @v1.post("/predict/{function}", response_model=PredictResponse, tags=["predict"])
    async def predict(function: str, body: PredictRequest, request: Request) -> Response:
        """Score rows with a function; see the per-function paths for each one's features."""
        # the schema's route; served, PredictFront answers these requests before the router
        served = _function(holder.current, function)
        _name_model(request, served.card.name, served.card.version)
        rows = check_row_count(function, body.rows, config.max_rows)
        # inline on the event loop: onnxruntime on a few rows takes less than a thread hand-off
        return Response(predict_body(function, served, rows), media_type="application/json")

    @v1.get("/scores/{published_table}/{key}", tags=["scores"])
    async def batch_score(published_table: str, key: str, request: Request) -> dict[str, Any]:
        """The entity's published (batch) score, from the serving file."""
        found = await _find(lookup, published_table, key)
        return _entity_score(request, found, key, None, False, (holder, config))

    @v1.post("/scores/{published_table}/{key}", tags=["scores"])
    async def batch_or_live_score(
        published_table: str,
        key: str,
        body: LiveRequest,
        request: Request,
        live: bool = Query(False, description="score the features live even when a fresh batch score exists"),
    ) -> dict[str, Any]:
        """The batch score when fresh, else the live score of the features sent."""
        found = await _find(lookup, published_table, key)
        return _entity_score(request, found, key, body, live, (holder, config))

    return v1


def _add_operations(
    app: FastAPI, holder: ModelHolder, lookup: BatchLookup, config: ServeConfig, metrics: Metrics
) -> None:
    """/healthz, /readyz and /metrics: no token, for load balancers and scrapers."""

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> dict[str, str]:
        """Alive: the process answers (whether it can score is /readyz)."""
        return {"status": "alive"}

    @app.get("/readyz", tags=["operations"])
    def readyz() -> JSONResponse:
        """Ready: at least one function loaded and the serving file open; 503 naming what is not."""
        models = holder.current
        problems = []
        if not models.functions:
            problems.append(
                "no function could be loaded: " + ("; ".join(models.failed.values()) or "no model")
            )
        serving: dict[str, Any] = {"path": str(config.serving)}
        try:
            catalog = lookup.catalog()
            serving.update(run_id=catalog.run_id, tables=sorted(catalog.tables), refused=catalog.refused)
        except (RequestError, SqlscoreError) as exc:
            problems.append(str(exc))
        except Exception as exc:  # a damaged file: not ready, and say why
            problems.append(f"the serving file {config.serving} cannot be read: {type(exc).__name__}: {exc}")
        body = {
            "ready": not problems,
            "problems": problems,
            "functions": {name: f.card.ref for name, f in sorted(models.functions.items())},
            "failed": models.failed,
            "serving_file": serving,
        }
        return JSONResponse(body, status_code=200 if not problems else 503)

    @app.get("/metrics", tags=["operations"], response_class=PlainTextResponse)
    async def prometheus() -> PlainTextResponse:
        """Prometheus text format: requests, errors, latency per endpoint and model, versions served."""
        served = [
            (f.name, f.card.name, f.card.version, f.card.sha256) for f in holder.current.functions.values()
        ]
        return PlainTextResponse(
            metrics.render(served, app.state.reloader.reloads), media_type="text/plain; version=0.0.4"
        )


async def _find(lookup: BatchLookup, name: str, key: str) -> Found:
    """From memory on the event loop when this file already answered for the entity, else read
    in a thread (one serving file for the whole read, even across a publish)."""
    found = lookup.cached(name, key)
    return found if found is not None else await run_in_threadpool(lookup.find, name, key)


def _entity_score(
    request: Request,
    found: Found,
    key: str,
    body: LiveRequest | None,
    force_live: bool,
    served_by: tuple[ModelHolder, ServeConfig],
) -> dict[str, Any]:
    """The batch answer for ``key`` in the table ``found`` is in, or the live one of ``body``'s
    features when the batch has no fresh row (or ``force_live``)."""
    holder, config = served_by
    table, row, run = found.table, found.row, found.run_id
    stale = False
    if row is not None:
        age = age_days(row["as_of_date"])
        stale = config.max_age_days is not None and age is not None and age > config.max_age_days
        if body is None or not (stale or force_live):
            _name_model(request, str(row["model_name"]), str(row["model_version"]))
            return _batch_answer(table, row, stale, age)
    if body is None:
        raise NotFound(
            f"published table {table.name} has no row with {table.key} = {key!r} (run {run}); POST its "
            f'features as {{"features": {{...}}}} to /v1/scores/{table.name}/{key} for a live score'
        )
    served = _table_function(holder.current, table)
    _name_model(request, served.card.name, served.card.version)
    result = served.score(feature_columns(served.name, served.card, [body.features]))[0]
    return {
        "source": "live",
        "table": table.name,
        "key": table.key_value(key),
        **result,
        "as_of_date": body.as_of_date.isoformat() if body.as_of_date else None,
        "function": served.name,
        **_provenance(served),
        "run_id": None,
        "batch_as_of_date": _iso(row["as_of_date"]) if row is not None else None,
    }


def create_service(config: ServeConfig, models: ModelSet | None = None) -> PredictFront:
    """What ``sqlscore serve`` runs: :func:`create_app` behind :class:`.front.PredictFront`, which
    answers predict requests before FastAPI sees them (same answers, a fraction of the cost) and
    hands everything else, lifespan included, to the app (``service.app``)."""
    app = create_app(config, models)
    return PredictFront(app, app.state.holder, config, app.state.metrics)


def create_app_from_settings() -> PredictFront:
    """The uvicorn factory every worker calls: the configuration the CLI exported, rebuilt."""
    return create_service(ServeConfig.from_settings())


def _function(models: ModelSet, name: str) -> ServedFunction:
    return models.require(name)


def _table_function(models: ModelSet, table: ServedTable) -> ServedFunction:
    """The function that scores ``table``'s model live: predict_<model>, as dbt's scoring calls it."""
    if table.model is None:
        raise NotFound(
            f"published table {table.name} holds scores of several models ({', '.join(table.models)}): "
            "no single function scores it live"
        )
    return _function(models, f"predict_{table.model}")


def _provenance(served: ServedFunction) -> dict[str, str]:
    return served.provenance


def _iso(value: Any) -> Any:
    return value.isoformat() if isinstance(value, dt.date) else value


def _batch_answer(table: ServedTable, row: dict[str, Any], stale: bool, age: int | None) -> dict[str, Any]:
    return {
        "source": "batch",
        "table": table.name,
        "key": row[table.key],
        "score": row[table.score],
        "score_column": table.score,
        "as_of_date": _iso(row["as_of_date"]),
        "age_days": age,
        "stale": stale,
        "model_name": row["model_name"],
        "model_version": str(row["model_version"]),
        "model_sha256": row.get("model_sha256"),
        "run_id": row["run_id"],
    }
