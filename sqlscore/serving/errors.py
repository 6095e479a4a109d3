"""The errors a request can meet, each with the HTTP status it answers with.

They derive from :class:`sqlscore.errors.SqlscoreError` like every other error, and their
messages name the function, model version, feature, table or key at fault, because the client
reading a 4xx is usually not the person who can look at the server's logs.
"""

from __future__ import annotations

from sqlscore.errors import SqlscoreError


class RequestError(SqlscoreError):
    """A request the service refuses; ``status`` is the HTTP status of the answer."""

    status = 400

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class NotFound(RequestError):
    """No such function, published table or entity (404)."""

    status = 404


class InvalidRows(RequestError):
    """A row misses a feature, carries an unknown one, or a value of the wrong type (422)."""

    status = 422


class TooLarge(RequestError):
    """More rows than ``SQLSCORE_SERVE_MAX_ROWS`` in one request (413)."""

    status = 413


class Unauthorized(RequestError):
    """The service has a token and the request did not send it (401)."""

    status = 401


class NotReady(RequestError):
    """The service cannot answer yet: no serving file, no model (503)."""

    status = 503
