"""Settings of the gateway (LOGLENS_* variables)."""

from __future__ import annotations

from pydantic import Field

from loglens_common.config import ServiceSettings


class GatewaySettings(ServiceSettings):
    listen_addr: str = "127.0.0.1:50051"
    ingest_addr: str = Field("127.0.0.1:50052", description="ingest's gRPC target (dns:///name:port in k8s)")
    analysis_addr: str = Field("127.0.0.1:50053", description="analysis's gRPC target")
    unary_deadline_s: float = Field(30.0, gt=0, description="deadline of a forwarded call with none of its own")
    stream_deadline_s: float = Field(6 * 3600.0, gt=0, description="the same for uploads and streams")
