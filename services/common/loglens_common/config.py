"""Settings shared by every service: read once from LOGLENS_* variables, validated, fail fast.

Each service's own ``config.py`` subclasses :class:`ServiceSettings`; nothing else reads ``os.environ``.
"""

from __future__ import annotations

import sys
from typing import TypeVar

from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_PREFIX = "LOGLENS_"


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


S = TypeVar("S", bound=BaseSettings)


def _secret(field: str) -> bool:
    return any(word in field for word in ("key", "secret", "password", "token", "url"))


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
            lines.append(f"  {ENV_PREFIX}{field.upper()}: {err['msg']}{shown}")
        print("loglens: invalid settings:\n" + "\n".join(lines), file=sys.stderr)
        raise SystemExit(2) from None
