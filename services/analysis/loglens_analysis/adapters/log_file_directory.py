"""Asks ingest, the owner of log files, whether the caller has a log file analysis has not heard of yet.

Analysis learns log files from ingest's ``stored`` events, which arrive a moment after an upload returns
(or later, while NATS is down). For that window it asks ingest with the caller's own credential, so the
answer is ingest's and tenant rules hold.
"""

from __future__ import annotations

import grpc

from loglens.v1 import log_file_pb2, log_file_pb2_grpc
from loglens_common.errors import Unavailable
from loglens_common.interceptors import on_behalf_of_caller


class LogFileDirectory:
    def __init__(self, channel: grpc.aio.Channel, timeout_s: float = 5.0) -> None:
        self._stub = log_file_pb2_grpc.LogFileServiceStub(channel)
        self._timeout_s = timeout_s

    async def exists(self, name: str) -> bool:
        return await self.get(name) is not None

    async def get(self, name: str) -> log_file_pb2.LogFile | None:
        """The caller's log file as ingest has it (with the run its upload started), None if it has none."""
        try:
            reply = await self._stub.GetLogFile(
                log_file_pb2.GetLogFileRequest(name=name), metadata=on_behalf_of_caller(), timeout=self._timeout_s
            )
            return reply.log_file
        except grpc.aio.AioRpcError as error:
            if error.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise Unavailable(
                f"cannot confirm {name} with the ingest service right now ({error.code().name}); retry shortly",
                reason="INGEST_UNAVAILABLE",
                retry_after_s=2,
            ) from None

    async def service_files(
        self, service: str, page_token: str = "", page_size: int = 100
    ) -> tuple[list[log_file_pb2.LogFile], str]:
        """One page of the caller's log files of ``service``, newest first, as ingest lists them."""
        try:
            reply = await self._stub.ListLogFiles(
                log_file_pb2.ListLogFilesRequest(service=service, page_size=page_size, page_token=page_token),
                metadata=on_behalf_of_caller(),
                timeout=self._timeout_s,
            )
        except grpc.aio.AioRpcError as error:
            raise Unavailable(
                f"cannot list the log files of service {service!r} with the ingest service right now "
                f"({error.code().name}); retry shortly, or name the baseline runs",
                reason="INGEST_UNAVAILABLE",
                retry_after_s=2,
            ) from None
        return list(reply.log_files), reply.next_page_token
