"""``sqlscore serve``: the HTTP service (FastAPI on uvicorn) over the registry and the serving file."""

from __future__ import annotations

import argparse
import ipaddress
import os
import socket
from pathlib import Path
from typing import TYPE_CHECKING

from sqlscore.errors import ConfigError
from sqlscore.registry import Registry
from sqlscore.settings import REGISTRY, SERVE_TOKEN, SERVING, WAREHOUSE, serving_path

if TYPE_CHECKING:
    import uvicorn


def add_parsers(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg,unused-ignore]
    serve = subparsers.add_parser(
        "serve",
        help="serve scores over HTTP: POST /v1/predict/{function}, GET /v1/scores/{table}/{key}",
        description="An HTTP JSON service on FastAPI/uvicorn: live scores of rows from the registry "
        "(the SQL functions' versions, NULL conventions and numbers), batch scores of published tables "
        "from the serving file, /healthz, /readyz, /metrics, and the OpenAPI schema at /openapi.json. "
        "It reads the registry and the serving file only; `sqlscore run` keeps working beside it. "
        "Limits: SQLSCORE_SERVE_MAX_ROWS, SQLSCORE_SERVE_MAX_AGE_DAYS.",
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8080, help="port (default 8080)")
    serve.add_argument("--workers", type=int, default=1, help="worker processes sharing the port (default 1)")
    serve.add_argument(
        "--token", help="bearer token required on /v1 endpoints (default: $SQLSCORE_SERVE_TOKEN, else none)"
    )
    serve.add_argument(
        "--serving", help="the serving file (default: $SQLSCORE_SERVING or <warehouse>_serving.duckdb)"
    )
    serve.set_defaults(handler=cmd_serve)


def cmd_serve(args: argparse.Namespace, registry: Registry, warehouse: Path) -> int:
    import uvicorn

    token = SERVE_TOKEN.read(args.token)
    if not _loopback(args.host) and not token:
        raise ConfigError(
            f"--host {args.host} is reachable from other machines: give a --token (or SQLSCORE_SERVE_TOKEN), "
            "or bind 127.0.0.1"
        )
    if args.workers < 1:
        raise ConfigError(f"--workers {args.workers}: at least 1")
    # uvicorn's workers import the app factory in fresh processes: the resolved options reach them
    # through the environment, which ServeConfig.from_settings() reads back via sqlscore.settings
    os.environ[WAREHOUSE.env] = str(warehouse.resolve())
    os.environ[REGISTRY.env] = str(registry.root.resolve())
    os.environ[SERVING.env] = str(serving_path(warehouse, args.serving).resolve())
    if token:
        os.environ[SERVE_TOKEN.env] = token
    print(
        f"sqlscore serve: http://{args.host}:{args.port} ({args.workers} worker(s)), "
        f"registry {registry.root}, "
        f"serving file {os.environ[SERVING.env]}{', token required' if token else ''}",
        flush=True,
    )
    config = uvicorn.Config(
        "sqlscore.serving.app:create_app_from_settings",
        factory=True,
        host=args.host,
        port=args.port,
        workers=args.workers,
        access_log=False,
        log_level="warning",
    )
    _run(config)
    return 0


def _run(config: uvicorn.Config) -> None:
    """uvicorn.run's own two paths, with the listener of ``--workers N`` fixed.

    uvicorn 0.54 binds the shared listener with protocol 0; accepted sockets inherit it, and
    asyncio only turns Nagle off (TCP_NODELAY) on sockets that say IPPROTO_TCP, so with
    ``--workers 2`` every keep-alive answer waited ~44 ms for the client's delayed ACK (measured
    here: 171 req/s against 3,500 on one worker; uvicorn issue 3149). Wrapping the descriptor
    again makes Python read the protocol back from the kernel, and the workers inherit that.
    """
    from uvicorn import Server
    from uvicorn.supervisors import Multiprocess

    if config.workers == 1:
        Server(config).run()
        return
    listener = config.bind_socket()
    Multiprocess(config, sockets=[socket.socket(fileno=listener.detach())]).run()


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
