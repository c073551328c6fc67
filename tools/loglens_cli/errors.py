"""Exit codes a CI job can branch on, and the one translation of a failed call into a one-line message."""

from __future__ import annotations

from enum import IntEnum

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status


class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # anything else: a server fault, a local file that cannot be written
    USAGE = 2  # bad arguments, a missing local file, an unreadable config file
    AUTH = 3  # no credential, or the server refused it (UNAUTHENTICATED, PERMISSION_DENIED)
    NOT_FOUND = 4  # the log file, run or API key does not exist (or is another tenant's)
    ANALYSIS_FAILED = 5  # the analysis run ended FAILED or CANCELLED
    UNAVAILABLE = 6  # the server could not be reached or did not answer in time
    REJECTED = 7  # the server refused the request: invalid, too large, rate limited, not ready yet
    FINDINGS = 8  # --fail-on: records at or above LEVEL in the report, or changes of KIND in a comparison
    PLAINTEXT = 9  # refused: a credential would go unencrypted to a host that is not this machine
    INTERRUPTED = 130  # Ctrl-C


EXIT_CODES_HELP = """\
exit codes:
  0  success
  1  other error (a server fault, a local file that cannot be written)
  2  usage: bad arguments, a missing input file, an unreadable config file
  3  authentication: not logged in, or the credential was refused
  4  not found: the log file, run or API key does not exist
  5  the analysis run failed or was cancelled
  6  the server is unreachable or did not answer in time
  7  the server rejected the request (invalid, too large, rate limited, not ready)
  8  --fail-on: the report has records at or above LEVEL, or (diff, upload --diff)
     the comparison found changes of that KIND
  9  refused to send a password or token unencrypted to a remote host
     (use https://HOST, or --insecure on a network you trust)
  130 interrupted"""


class CliError(Exception):
    """A failure the CLI reports as one line on stderr, with its exit code."""

    def __init__(self, message: str, code: ExitCode = ExitCode.ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


_CODE_EXIT = {
    grpc.StatusCode.UNAUTHENTICATED: ExitCode.AUTH,
    grpc.StatusCode.PERMISSION_DENIED: ExitCode.AUTH,
    grpc.StatusCode.NOT_FOUND: ExitCode.NOT_FOUND,
    grpc.StatusCode.UNAVAILABLE: ExitCode.UNAVAILABLE,
    grpc.StatusCode.DEADLINE_EXCEEDED: ExitCode.UNAVAILABLE,
    grpc.StatusCode.INVALID_ARGUMENT: ExitCode.REJECTED,
    grpc.StatusCode.FAILED_PRECONDITION: ExitCode.REJECTED,
    grpc.StatusCode.OUT_OF_RANGE: ExitCode.REJECTED,
    grpc.StatusCode.ALREADY_EXISTS: ExitCode.REJECTED,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ExitCode.REJECTED,
    grpc.StatusCode.ABORTED: ExitCode.REJECTED,
}


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _said(text: str, details: str) -> bool:
    """Whether the server's message already says ``text`` (spacing aside): then it is not repeated."""
    squeeze = "".join(text.split()).lower()
    return squeeze in "".join(details.split()).lower()


def from_rpc_error(exc: grpc.RpcError, server: str, command: str = "") -> CliError:
    """A failed call as a message a person can act on: the server's message, the code and the ErrorInfo
    reason, the fields at fault, when to retry; for transport failures, what was being reached.
    ``command`` is the subcommand that failed, so the advice fits what the user did."""
    code: grpc.StatusCode = exc.code() if hasattr(exc, "code") else grpc.StatusCode.UNKNOWN  # type: ignore[attr-defined]
    details: str = (exc.details() if hasattr(exc, "details") else "") or ""  # type: ignore[attr-defined]
    reason = ""
    extras: list[str] = []
    try:
        status = rpc_status.from_call(exc)  # type: ignore[arg-type]
    except (ValueError, AttributeError):  # malformed or absent details: keep the plain status
        status = None
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            reason = info.reason
        elif detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            extras += [f"{v.field}: {v.description}" for v in bad.field_violations if not _said(v.description, details)]
        elif detail.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            detail.Unpack(retry)
            if not _said("retry in", details):
                extras.append(f"retry in {retry.retry_delay.ToTimedelta().total_seconds():.0f}s")
    exit_code = _CODE_EXIT.get(code, ExitCode.ERROR)
    tag = code.name + (f"/{reason}" if reason else "")

    if code == grpc.StatusCode.UNAVAILABLE and not reason:
        message = f"cannot reach the LogLens server at {server}: {_one_line(details, 160)}"
    elif code == grpc.StatusCode.DEADLINE_EXCEEDED:
        message = f"the LogLens server at {server} did not answer in time (raise --timeout?)"
    elif code == grpc.StatusCode.UNAUTHENTICATED and command not in ("login", "register"):
        message = (
            f"{_one_line(details) or 'not authenticated'}; run `loglens login` or set LOGLENS_TOKEN or LOGLENS_API_KEY"
        )
    else:
        message = _one_line(details) or code.name.lower().replace("_", " ")
    if extras:
        message += " (" + "; ".join(_one_line(e, 120) for e in extras) + ")"
    return CliError(f"{message} [{tag}]", exit_code)
