"""``sqlscore serve``: scores on request over HTTP, from the same registry and functions as SQL.

Small private modules behind this namespace, one job each:

- :mod:`.config`    the service's settings, read once from the settings module
- :mod:`.models`    the served functions (onnxruntime sessions from the registry) and the holder
                    that a reload swaps atomically
- :mod:`.rows`      JSON rows checked against a model card and turned into the Arrow columns the
                    SQL functions' scorer takes
- :mod:`.lookup`    batch scores read from the serving file (published tables only), one file per
                    request across a publish, rows read once kept in memory per file
- :mod:`.reload`    the registry poller that swaps a new model set in after a promotion
- :mod:`.metrics`   Prometheus text: requests, errors, latency, the versions served
- :mod:`.openapi`   the OpenAPI schema of each function, generated from its model card
- :mod:`.feeds`     plain JSON rows straight into onnxruntime's inputs (the reference path above
                    for everything else)
- :mod:`.body`      request bodies parsed as JSON, fast, with Python's json as the judge
- :mod:`.front`     POST /v1/predict answered as plain ASGI before FastAPI's router
- :mod:`.app`       the FastAPI application tying them together, and the service behind the front
"""

from sqlscore.serving.app import create_app, create_app_from_settings, create_service
from sqlscore.serving.config import ServeConfig

__all__ = ["ServeConfig", "create_app", "create_app_from_settings", "create_service"]
