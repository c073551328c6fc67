"""Asks ingest, the owner of log files, for the caller's upload quotas (stored bytes, files, uploads at once).

The public QuotaService is served here, so that one call shows every quota; each service reports the quotas
it enforces, with its own settings, so a limit is configured in one place only.
"""

from __future__ import annotations

import grpc

from loglens.v1 import quota_pb2, quota_pb2_grpc
from loglens_common.errors import Unavailable
from loglens_common.interceptors import on_behalf_of_caller


class IngestQuotas:
    def __init__(self, channel: grpc.aio.Channel, timeout_s: float = 5.0) -> None:
        self._stub = quota_pb2_grpc.QuotaServiceStub(channel)
        self._timeout_s = timeout_s

    async def get(self) -> list[quota_pb2.Quota]:
        try:
            reply = await self._stub.GetQuotaUsage(
                quota_pb2.GetQuotaUsageRequest(), metadata=on_behalf_of_caller(), timeout=self._timeout_s
            )
        except grpc.aio.AioRpcError as error:
            raise Unavailable(
                f"cannot read your upload quotas from the ingest service right now ({error.code().name}); "
                "retry shortly",
                reason="INGEST_UNAVAILABLE",
                retry_after_s=2,
            ) from None
        return list(reply.quota_usage.quotas)
