"""The gateway as the CLI sees it: one channel, the three services' stubs, the bearer credential, deadlines."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from datetime import UTC
from typing import Any, TypeVar

import grpc

from loglens.v1 import analysis_pb2, analysis_pb2_grpc, auth_pb2, auth_pb2_grpc, log_file_pb2_grpc, quota_pb2_grpc

from .config import Settings
from .errors import CliError, ExitCode

T = TypeVar("T")

MAX_MESSAGE_BYTES = 64 << 20  # a report with a thousand templates and their examples is a few MiB
REFRESH_MARGIN_S = 60.0

TERMINAL_STATES = (
    analysis_pb2.AnalysisRun.STATE_SUCCEEDED,
    analysis_pb2.AnalysisRun.STATE_FAILED,
    analysis_pb2.AnalysisRun.STATE_CANCELLED,
)


def open_channel(settings: Settings) -> grpc.Channel:
    options = [
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", 2 << 20),
        ("grpc.primary_user_agent", "loglens-cli"),
    ]
    if settings.tls:
        return grpc.secure_channel(settings.server, grpc.ssl_channel_credentials(), options=options)
    return grpc.insecure_channel(settings.server, options=options)


def is_local(target: str) -> bool:
    """Whether a gRPC target is this machine: a Unix socket, localhost, or a loopback address."""
    if target.startswith(("unix:", "unix-abstract:")):
        return True
    for scheme in ("dns:///", "ipv4:", "ipv6:"):
        target = target.removeprefix(scheme)
    host = target.rsplit(":", 1)[0] if target.count(":") == 1 or target.startswith("[") else target
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):  # RFC 6761: always loopback
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def refuse_plaintext(settings: Settings, insecure: bool) -> None:
    """Every call to the gateway carries a password or a bearer credential: never in clear over a network."""
    if settings.tls or insecure or is_local(settings.server):
        return
    raise CliError(
        f"refusing to send credentials unencrypted to {settings.server}: use https://{settings.server} (TLS), "
        "or add --insecure if the network to it is trusted",
        ExitCode.PLAINTEXT,
    )


class Gateway:
    def __init__(self, settings: Settings, timeout: float, insecure: bool = False) -> None:
        refuse_plaintext(settings, insecure)
        self.settings = settings
        self.timeout = timeout
        self.channel = open_channel(settings)
        self.auth = auth_pb2_grpc.AuthServiceStub(self.channel)
        self.log_files = log_file_pb2_grpc.LogFileServiceStub(self.channel)
        self.analysis = analysis_pb2_grpc.AnalysisServiceStub(self.channel)
        self.quotas = quota_pb2_grpc.QuotaServiceStub(self.channel)
        self._token = settings.token
        self._checked = False

    def close(self) -> None:
        self.channel.close()

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        if not self._checked:
            self._refresh_if_needed()
            self._checked = True
        if not self._token:
            raise CliError("not logged in: run `loglens login`, or set LOGLENS_TOKEN or LOGLENS_API_KEY", ExitCode.AUTH)
        return (("authorization", f"Bearer {self._token}"),)

    def call(self, method: Callable[..., T], request: Any, timeout: float | None = None) -> T:
        """A unary call with the credential and a deadline."""
        return method(request, metadata=self.metadata, timeout=timeout or self.timeout)

    def _refresh_if_needed(self) -> None:
        """A saved session whose access token is (nearly) expired is renewed once, and saved again."""
        config = self.settings.config
        creds = config.credentials
        if self.settings.source != "config" or not creds.refresh_token:
            return
        if creds.access_token and not creds.access_token_expires_within(REFRESH_MARGIN_S):
            return
        if not creds.refresh_token_usable():
            raise CliError("your session has expired: run `loglens login` again", ExitCode.AUTH)
        try:
            reply = self.auth.Refresh(auth_pb2.RefreshRequest(refresh_token=creds.refresh_token), timeout=self.timeout)
        except grpc.RpcError as exc:
            if exc.code() in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):  # type: ignore[attr-defined]
                raise CliError("your session has expired: run `loglens login` again", ExitCode.AUTH) from None
            raise
        creds.access_token = reply.access_token
        creds.access_token_expire_time = _iso(reply.access_token_expire_time)
        creds.refresh_token = reply.refresh_token
        creds.refresh_token_expire_time = _iso(reply.refresh_token_expire_time)
        config.save()
        self._token = reply.access_token


def _iso(ts: Any) -> str:
    if not ts.seconds:
        return ""
    return str(ts.ToDatetime(tzinfo=UTC).isoformat().replace("+00:00", "Z"))
