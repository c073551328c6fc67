"""Domain errors and their one translation to rich gRPC statuses.

Rules raise these plain exceptions; the error interceptor turns them into a canonical code with a
``google.rpc.ErrorInfo`` (reason in UPPER_SNAKE, domain ``loglens``) and, for bad fields, a ``BadRequest``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import grpc
from google.protobuf import any_pb2, duration_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

DOMAIN = "loglens"


@dataclass
class FieldViolation:
    field: str
    description: str


@dataclass(frozen=True)
class QuotaViolation:
    """One limit a request went past, for ``google.rpc.QuotaFailure``: which quota, its value, whose it is."""

    quota_id: str  # the quota's stable name, e.g. "stored_bytes" (GetQuotaUsage lists the same ids)
    limit: int
    subject: str  # whose limit: "user:<subject>", or "service:ingest" for a limit of the whole process
    description: str  # the limit in words: "log files kept: at most 1000 per account"


@dataclass
class LogLensError(Exception):
    """An error a caller can act on. Subclasses fix the gRPC code."""

    message: str
    reason: str = "ERROR"
    violations: Sequence[FieldViolation] = field(default_factory=tuple)
    metadata: Mapping[str, str] = field(default_factory=dict)
    retry_after_s: float | None = None
    quota_violations: Sequence[QuotaViolation] = field(default_factory=tuple)

    code = grpc.StatusCode.UNKNOWN

    def __post_init__(self) -> None:
        super().__init__(self.message)

    def __str__(self) -> str:
        return self.message


class InvalidArgument(LogLensError):
    code = grpc.StatusCode.INVALID_ARGUMENT


class NotFound(LogLensError):
    code = grpc.StatusCode.NOT_FOUND


class AlreadyExists(LogLensError):
    code = grpc.StatusCode.ALREADY_EXISTS


class FailedPrecondition(LogLensError):
    code = grpc.StatusCode.FAILED_PRECONDITION


class ResourceExhausted(LogLensError):
    code = grpc.StatusCode.RESOURCE_EXHAUSTED


class Unauthenticated(LogLensError):
    code = grpc.StatusCode.UNAUTHENTICATED


class PermissionDenied(LogLensError):
    code = grpc.StatusCode.PERMISSION_DENIED


class Unavailable(LogLensError):
    code = grpc.StatusCode.UNAVAILABLE


class DeadlineExceeded(LogLensError):
    code = grpc.StatusCode.DEADLINE_EXCEEDED


class Aborted(LogLensError):
    code = grpc.StatusCode.ABORTED


def quota_exceeded(
    quota_id: str, limit: int, owner: str, message: str, what: str, retry_after_s: float | None = None
) -> ResourceExhausted:
    """The one refusal for a per-owner quota: RESOURCE_EXHAUSTED, ErrorInfo QUOTA_EXCEEDED naming the quota
    (metadata ``quota``, ``limit``), and a QuotaFailure with the same. ``message`` says what happened and what
    to do; ``what`` is the quota itself, short ("log files kept"), for the violation's description."""
    return ResourceExhausted(
        message,
        reason="QUOTA_EXCEEDED",
        metadata={"quota": quota_id, "limit": str(limit)},
        retry_after_s=retry_after_s,
        quota_violations=[QuotaViolation(quota_id, limit, f"user:{owner}", f"{what}: at most {limit} per account")],
    )


def not_found(name: str) -> NotFound:
    """The one NOT_FOUND for a resource: identical whether it is missing or another tenant's."""
    return NotFound(f"{name} was not found", reason="RESOURCE_NOT_FOUND", metadata={"resource": name})


# A status travels in gRPC trailers, and peers drop trailers over 8 KiB (RESOURCE_EXHAUSTED or INTERNAL instead
# of the real error). Bad input must not be able to grow it: cap what echoes the input.
MAX_STATUS_MESSAGE = 512
MAX_VIOLATIONS = 10
MAX_VIOLATION_TEXT = 160


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def to_status(error: LogLensError) -> status_pb2.Status:
    details: list[any_pb2.Any] = []
    info = error_details_pb2.ErrorInfo(reason=error.reason, domain=DOMAIN, metadata=dict(error.metadata))
    packed = any_pb2.Any()
    packed.Pack(info)
    details.append(packed)
    if error.violations:
        bad = error_details_pb2.BadRequest(
            field_violations=[
                error_details_pb2.BadRequest.FieldViolation(
                    field=_clip(v.field, MAX_VIOLATION_TEXT), description=_clip(v.description, MAX_VIOLATION_TEXT)
                )
                for v in list(error.violations)[:MAX_VIOLATIONS]
            ]
        )
        packed = any_pb2.Any()
        packed.Pack(bad)
        details.append(packed)
    if error.quota_violations:
        quota = error_details_pb2.QuotaFailure(
            violations=[
                error_details_pb2.QuotaFailure.Violation(
                    subject=v.subject,
                    description=_clip(v.description, MAX_VIOLATION_TEXT),
                    api_service=DOMAIN,
                    quota_id=v.quota_id,
                    quota_metric=f"{DOMAIN}/{v.quota_id}",
                    quota_value=v.limit,
                )
                for v in list(error.quota_violations)[:MAX_VIOLATIONS]
            ]
        )
        packed = any_pb2.Any()
        packed.Pack(quota)
        details.append(packed)
    if error.retry_after_s is not None:
        delay = duration_pb2.Duration()
        delay.FromMilliseconds(int(error.retry_after_s * 1000))
        packed = any_pb2.Any()
        packed.Pack(error_details_pb2.RetryInfo(retry_delay=delay))
        details.append(packed)
    message = _clip(error.message, MAX_STATUS_MESSAGE)
    return status_pb2.Status(code=error.code.value[0], message=message, details=details)


def to_grpc_status(error: LogLensError) -> grpc.Status:
    return rpc_status.to_status(to_status(error))


def error_info(exc: grpc.RpcError) -> error_details_pb2.ErrorInfo | None:
    """The ErrorInfo of a failed call, if it carries one (clients and tests use this)."""
    status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    if status is None:
        return None
    for detail in status.details:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info
    return None


# Keep the canonical code table importable for the REST bridge (gRPC code -> HTTP status).
HTTP_STATUS = {
    code_pb2.OK: 200,
    code_pb2.CANCELLED: 499,
    code_pb2.UNKNOWN: 500,
    code_pb2.INVALID_ARGUMENT: 400,
    code_pb2.DEADLINE_EXCEEDED: 504,
    code_pb2.NOT_FOUND: 404,
    code_pb2.ALREADY_EXISTS: 409,
    code_pb2.PERMISSION_DENIED: 403,
    code_pb2.UNAUTHENTICATED: 401,
    code_pb2.RESOURCE_EXHAUSTED: 429,
    code_pb2.FAILED_PRECONDITION: 400,
    code_pb2.ABORTED: 409,
    code_pb2.OUT_OF_RANGE: 400,
    code_pb2.UNIMPLEMENTED: 501,
    code_pb2.INTERNAL: 500,
    code_pb2.UNAVAILABLE: 503,
    code_pb2.DATA_LOSS: 500,
}
