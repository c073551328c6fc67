"""Which unexpected exceptions mean that a server we depend on is away, not that our code is wrong.

PostgreSQL, NATS or S3 being down or unreachable is a transient condition the caller can retry: it answers
UNAVAILABLE (with a retry delay), never INTERNAL. The error interceptor asks :func:`dependency_down`.
"""

from __future__ import annotations

import psycopg
import sqlalchemy.exc
import urllib3.exceptions
from minio.error import S3Error, ServerError
from nats.errors import Error as NatsError

# S3 error codes that describe the server's state rather than the request.
_S3_TRANSIENT = {"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "XMinioServerNotInitialized"}


def dependency_down(exc: BaseException) -> str | None:
    """The name of the dependency that failed (``database``, ``object store``, ``message bus``), or None."""
    if isinstance(exc, sqlalchemy.exc.DBAPIError):
        if isinstance(exc, (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError)):
            return "database"
        return "database" if exc.connection_invalidated else None
    if isinstance(exc, (sqlalchemy.exc.TimeoutError, sqlalchemy.exc.DisconnectionError, psycopg.OperationalError)):
        return "database"
    if isinstance(exc, (urllib3.exceptions.HTTPError, ServerError)):
        return "object store"
    if isinstance(exc, S3Error):
        return "object store" if exc.code in _S3_TRANSIENT else None
    if isinstance(exc, NatsError):
        return "message bus"
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return "a back-end server"
    return None


def refused_input(exc: BaseException) -> str | None:
    """Why the database refused a value that can only have come from the caller, or None.

    PostgreSQL text cannot hold NUL characters; a request field carrying one is the caller's mistake
    (INVALID_ARGUMENT), whichever field it was and whether or not the service validated it first.
    """
    cause = exc.orig if isinstance(exc, sqlalchemy.exc.DBAPIError) else exc
    if isinstance(cause, psycopg.DataError) and "NUL" in str(cause):
        return "text fields cannot contain NUL (0x00) characters"
    return None
