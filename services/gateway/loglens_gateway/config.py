"""Settings of the gateway (LOGLENS_* variables).

The gateway is the only holder of a private signing key. Verification keys are the configured public key
set (``LOGLENS_JWT_PUBLIC_KEYS``, two keys during a rotation) plus the public half of the signing key.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, ValidationInfo, field_validator

from loglens_common.auth import load_private_key
from loglens_common.config import ServiceSettings
from loglens_gateway.clients import parse_networks

# OWASP Password Storage Cheat Sheet: Argon2id with m=19 MiB, t=2, p=1 is the minimum; m=7 MiB, t=5 and the
# other listed pairs trade memory for passes at about the same cost (m * t >= 35840 KiB).
OWASP_MIN_MEMORY_KIB = 7 * 1024
OWASP_MIN_MEMORY_X_TIME = 7 * 1024 * 5


class GatewaySettings(ServiceSettings):
    listen_addr: str = "127.0.0.1:50051"
    ingest_addr: str = Field("127.0.0.1:50052", description="ingest's gRPC target (dns:///name:port in k8s)")
    analysis_addr: str = Field("127.0.0.1:50053", description="analysis's gRPC target")
    unary_deadline_s: float = Field(30.0, gt=0, description="deadline of a forwarded call with none of its own")
    stream_deadline_s: float = Field(6 * 3600.0, gt=0, description="the same for uploads and streams")
    http_listen_addr: str = Field(
        "127.0.0.1:8080",
        pattern=r"^(|0|\[[0-9A-Fa-f:.]*\]:[0-9]{1,5}|[^:\s]*:[0-9]{1,5})$",
        description="host:port of the REST/JSON bridge (and /openapi.json); empty or 0 turns it off",
    )

    database_url: str = Field(..., description="SQLAlchemy URL of the gateway's own schema (accounts, keys)")
    jwt_private_key: str = Field(..., description="Ed25519 private key (PKCS#8 PEM), inline or @path")
    jwt_kid: str = Field(..., min_length=1, description="the kid the signing key's tokens carry")

    access_token_ttl_s: int = Field(15 * 60, ge=60, le=3600, description="lifetime of access tokens")
    refresh_token_ttl_s: int = Field(14 * 24 * 3600, ge=3600, description="lifetime of a refresh token")
    api_key_token_ttl_s: int = Field(
        120, ge=10, le=900, description="lifetime of the access token minted for one API-key call"
    )

    argon2_memory_kib: int = Field(19 * 1024, ge=OWASP_MIN_MEMORY_KIB, description="Argon2id memory cost")
    argon2_time_cost: int = Field(2, ge=1, description="Argon2id passes")
    argon2_parallelism: int = Field(1, ge=1, le=16, description="Argon2id lanes")
    argon2_concurrency: int = Field(
        4, ge=1, le=64, description="password hashes computed at once (each takes argon2_memory_kib)"
    )

    auth_peer_burst: int = Field(30, ge=1, description="Register/Login calls a client address may burst")
    auth_peer_per_minute: float = Field(30.0, gt=0, description="sustained Register/Login calls per address")
    auth_register_burst: int = Field(10, ge=1, description="registrations a client address may burst")
    auth_register_per_hour: float = Field(
        10.0, gt=0, description="sustained registrations per client address (bounds probing for taken names)"
    )
    auth_backoff_free_failures: int = Field(
        5, ge=1, description="failed passwords per account and client address before backoff starts"
    )
    auth_backoff_base_s: float = Field(1.0, gt=0, description="the first backoff wait; each failure doubles it")
    auth_backoff_max_s: float = Field(900.0, gt=0, description="the longest backoff wait")
    auth_backoff_forget_s: float = Field(
        3600.0, gt=0, description="quiet time after which an account and client's failures are forgotten"
    )
    trusted_proxies: str = Field(
        "",
        description="comma-separated IPs or CIDRs of proxies in front of the gateway whose x-forwarded-for is"
        " believed; a loopback peer (the REST bridge in the same process) always is",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)
        return value

    @field_validator("jwt_private_key")
    @classmethod
    def _readable_key(cls, value: str) -> str:
        pem = Path(value[1:]).read_text() if value.startswith("@") else value
        try:
            load_private_key(pem)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"not an Ed25519 private key in PEM: {exc}") from None
        return pem

    # A field validator, not a model one: a model error would echo every setting, the private key included.
    @field_validator("argon2_time_cost")
    @classmethod
    def _owasp_argon2(cls, time_cost: int, info: ValidationInfo) -> int:
        memory_kib = info.data.get("argon2_memory_kib")
        if memory_kib is not None and memory_kib * time_cost < OWASP_MIN_MEMORY_X_TIME:
            raise ValueError(
                "Argon2id parameters are below OWASP's minimum: need argon2_memory_kib * argon2_time_cost "
                f">= {OWASP_MIN_MEMORY_X_TIME} (e.g. 19456 KiB x 2)"
            )
        return time_cost
