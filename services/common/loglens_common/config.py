"""Settings shared by every service: read once from LOGLENS_* variables, validated, fail fast.

Each service's own ``config.py`` subclasses :class:`ServiceSettings`; nothing else reads ``os.environ``.
"""

from __future__ import annotations

import re
import sys
from typing import TypeVar

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from loglens_common.redaction import redact, redact_url, url_secrets

ENV_PREFIX = "LOGLENS_"
POSTGRES_SCHEMES = ("postgresql+psycopg://", "postgresql://", "postgres://")
NATS_SCHEMES = ("nats://", "tls://", "ws://", "wss://")
_HOST_PORT = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?$")


def postgres_url(value: str) -> str:
    """A PostgreSQL URL, or an error that shows it with its password masked."""
    if not value.startswith(POSTGRES_SCHEMES):
        raise ValueError(f"expected a postgresql:// URL, got {redact_url(value)!r}")
    return value


def nats_urls(value: str) -> str:
    """One NATS URL or a comma-separated list (a cluster's seeds); errors show them with credentials masked."""
    for url in value.split(","):
        url = url.strip()
        if not url.startswith(NATS_SCHEMES) or not url.split("://", 1)[1].rpartition("@")[2]:
            raise ValueError(f"expected nats://host:port (or tls://, ws://, wss://), got {redact_url(url)!r}")
    return value


def s3_endpoint(value: str) -> str:
    """host:port, as the MinIO SDK takes it: no scheme (LOGLENS_S3_SECURE says https), no path, no credentials."""
    if not _HOST_PORT.match(value):
        raise ValueError(
            "expected host:port (no scheme, path or credentials; keys go in LOGLENS_S3_ACCESS_KEY and "
            "LOGLENS_S3_SECRET_KEY)"
        )
    return value


class ServiceSettings(BaseSettings):
    """What every service needs: where it listens, how it logs, how it stops, whom it trusts."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    listen_addr: str = Field("127.0.0.1:50051", description="host:port the gRPC server binds")
    metrics_port: int = Field(0, ge=0, le=65535, description="Prometheus metrics port; 0 turns it off")
    log_level: str = Field("INFO", pattern="^(DEBUG|INFO|WARNING|ERROR)$")
    shutdown_grace_s: float = Field(10.0, gt=0, le=300, description="grace period after SIGTERM")
    max_message_bytes: int = Field(4 * 1024 * 1024, ge=1024 * 1024, description="largest gRPC message")
    grpc_stream_window_bytes: int = Field(
        0, ge=0, description="fixed HTTP/2 window per stream, bounding what gRPC buffers; 0 = automatic (BDP)"
    )
    jwt_public_keys: str = Field(
        "",
        description="JSON object kid -> PEM public key (Ed25519), or @path to a file holding it",
    )
    jwt_issuer: str = "loglens"
    jwt_audience: str = "loglens"

    # Every service that has a database URL (the back ends through StorageSettings, the gateway its own field):
    # checked here once, so a malformed one is refused at start-up with its password masked.
    @field_validator("database_url", check_fields=False)
    @classmethod
    def _database_url(cls, value: str) -> str:
        return postgres_url(value)


class StorageSettings(BaseSettings):
    """Connections to the servers a back-end service uses."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore", frozen=True)

    database_url: str = Field(..., description="SQLAlchemy URL, postgresql+psycopg://...")
    nats_url: str = Field("nats://127.0.0.1:4222")
    # Each service has its own NATS user, allowed only the subjects it needs (deploy/nats/nats.conf).
    nats_user: str = Field("", description="this service's NATS user; empty connects without credentials")
    nats_password: str = Field("", description="the NATS user's password")
    s3_endpoint: str = Field("127.0.0.1:9000", description="host:port of the S3 server")
    s3_access_key: str = "loglens"
    s3_secret_key: str = "loglens-secret"
    s3_secure: bool = False
    s3_region: str = "us-east-1"
    s3_bucket: str = "loglens"
    stream_replicas: int = Field(1, ge=1, le=5, description="replicas of the JetStream stream (3 on a cluster)")

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return postgres_url(value)

    @field_validator("nats_url")
    @classmethod
    def _nats_url(cls, value: str) -> str:
        return nats_urls(value)

    @field_validator("s3_endpoint")
    @classmethod
    def _s3_endpoint(cls, value: str) -> str:
        return s3_endpoint(value)


S = TypeVar("S", bound=BaseSettings)


def _secret(field: str) -> bool:
    return any(word in field for word in ("key", "secret", "password", "token", "url"))


# Settings that hold a secret but are public by design, or identifiers rather than secrets.
_NOT_SECRET = {"jwt_public_keys", "s3_access_key", "jwt_kid"}


def secret_values(settings: BaseSettings) -> list[str]:
    """The secrets in ``settings`` as they could appear in a message: the passwords and tokens inside URLs, and
    the value of every other secret-named setting. The entrypoint masks them in every log line."""
    found: list[str] = []
    for name, value in settings.model_dump().items():
        if not isinstance(value, str) or not value or not _secret(name) or name in _NOT_SECRET:
            continue
        found += url_secrets(value) if "url" in name else [value]
    return found


def load_settings(cls: type[S]) -> S:
    """Build settings from the environment or stop the process with a message naming each bad variable."""
    try:
        return cls()
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            if not err["loc"]:  # a rule across several settings: its message names them
                lines.append(f"  {err['msg'].removeprefix('Value error, ')}")
                continue
            field = str(err["loc"][0])
            shown = "" if err["type"] == "missing" or _secret(field) else f" (got {err.get('input')!r})"
            lines.append(f"  {ENV_PREFIX}{field.upper()}: {err['msg'].removeprefix('Value error, ')}{shown}")
        print(redact("loglens: invalid settings:\n" + "\n".join(lines)), file=sys.stderr)
        raise SystemExit(2) from None
