"""Errors as ``google.rpc.Status`` JSON with the standard gRPC -> HTTP status mapping.

A failed call's status is taken whole from ``grpc-status-details-bin`` (code, message, details), so the
``ErrorInfo`` and ``BadRequest`` a service attached reach the HTTP client as ``{"@type": ...}`` objects.
"""

from __future__ import annotations

import base64
import json
import math
from typing import Any

import grpc
from google.protobuf import json_format
from google.rpc import code_pb2, error_details_pb2, status_pb2

from loglens_common.errors import HTTP_STATUS, LogLensError, to_status

STATUS_DETAILS_KEY = "grpc-status-details-bin"


class MethodNotAllowed(LogLensError):
    code = grpc.StatusCode.UNIMPLEMENTED


class PayloadTooLarge(LogLensError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED


def from_rpc_error(error: grpc.aio.AioRpcError) -> status_pb2.Status:
    code = error.code().value[0]
    for key, value in error.trailing_metadata() or ():
        if key == STATUS_DETAILS_KEY and isinstance(value, bytes):
            status = status_pb2.Status()
            try:
                status.ParseFromString(value)
            except Exception:  # a malformed trailer: fall back to code and message
                break
            if status.code == code:
                return status
    return status_pb2.Status(code=code, message=error.details() or "")


def from_error(error: LogLensError) -> status_pb2.Status:
    return to_status(error)


def http_status(status: status_pb2.Status) -> int:
    return HTTP_STATUS.get(status.code, 500)


def _detail_json(detail: Any) -> dict[str, Any]:
    try:
        return json_format.MessageToDict(detail)  # type: ignore[no-any-return]
    except (TypeError, KeyError, json_format.Error):  # a type this process does not know
        return {"@type": detail.type_url, "value": base64.b64encode(detail.value).decode()}


def to_json(status: status_pb2.Status) -> dict[str, Any]:
    body: dict[str, Any] = {"code": status.code, "message": status.message}
    if status.details:
        body["details"] = [_detail_json(d) for d in status.details]
    return body


def response_headers(status: status_pb2.Status) -> dict[str, str]:
    """HTTP headers the status implies: a Bearer challenge on 401, Retry-After from a RetryInfo."""
    headers: dict[str, str] = {}
    if status.code == code_pb2.UNAUTHENTICATED:
        headers["WWW-Authenticate"] = 'Bearer realm="loglens"'
    for detail in status.details:
        if detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            info = error_details_pb2.RetryInfo()
            detail.Unpack(info)
            seconds = info.retry_delay.seconds + info.retry_delay.nanos / 1e9
            headers["Retry-After"] = str(max(1, math.ceil(seconds)))
    return headers


def encode(status: status_pb2.Status) -> bytes:
    return json.dumps(to_json(status), separators=(",", ":")).encode()
