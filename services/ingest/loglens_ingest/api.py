"""LogFileService servicer: protos in, domain calls, protos out. Errors become statuses in the interceptor."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any, TypeAlias, TypeVar

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from loglens.v1 import log_file_pb2, log_file_pb2_grpc, quota_pb2, quota_pb2_grpc
from loglens_common import names
from loglens_common.auth import current_principal
from loglens_common.errors import DeadlineExceeded, FieldViolation, InvalidArgument
from loglens_common.streams import raise_if_cancelled_at_end
from loglens_ingest.adapters.repository import LogFileRow
from loglens_ingest.domain import MAX_CHUNK_BYTES, validate_metadata
from loglens_ingest.service import LogFiles

Context: TypeAlias = grpc.aio.ServicerContext[Any, Any]
T = TypeVar("T")


def log_file_proto(row: LogFileRow) -> log_file_pb2.LogFile:
    created = Timestamp()
    created.FromDatetime(row.create_time)
    return log_file_pb2.LogFile(
        name=names.log_file_name(row.id),
        filename=row.filename,
        content_type=row.content_type,
        size_bytes=row.size_bytes,
        sha256=row.sha256,
        compression=log_file_pb2.COMPRESSION_GZIP if row.gzip else log_file_pb2.COMPRESSION_NONE,
        labels=row.labels,
        service=row.service,
        create_time=created,
        time_zone=row.time_zone,
        year=row.year,
        analysis_run=names.analysis_run_name(row.id, row.analysis_run_id) if row.analysis_run_id else "",
    )


def _parse_label_filters(filters: list[str]) -> dict[str, str]:
    labels: dict[str, str] = {}
    for item in filters:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InvalidArgument(
                f"label filter {item!r} must be key=value",
                reason="INVALID_FILTER",
                violations=[FieldViolation("labels", "each entry is key=value")],
            )
        labels[key] = value
    return labels


def idle_timeout(idle_timeout_s: float) -> DeadlineExceeded:
    return DeadlineExceeded(
        f"the upload sent nothing for {idle_timeout_s:g} s and was aborted; nothing was kept. Send the next "
        f"chunk within {idle_timeout_s:g} s of the last one, and upload again",
        reason="UPLOAD_IDLE_TIMEOUT",
        metadata={"idle_timeout_s": f"{idle_timeout_s:g}"},
    )


async def _next(requests: AsyncIterator[T], idle_timeout_s: float) -> T | None:
    """The stream's next message, None at its end; an idle stream is aborted rather than held for hours."""
    try:
        async with asyncio.timeout(idle_timeout_s):  # no task per message, unlike wait_for
            return await anext(requests, None)
    except TimeoutError:
        raise idle_timeout(idle_timeout_s) from None


async def _chunks(
    requests: AsyncIterator[log_file_pb2.UploadLogFileRequest], context: Context, idle_timeout_s: float
) -> AsyncIterator[bytes]:
    while (request := await _next(requests, idle_timeout_s)) is not None:
        payload = request.WhichOneof("payload")
        if payload == "chunk":
            yield request.chunk
        elif payload == "metadata":
            raise InvalidArgument(
                "metadata was sent twice: send it only in the first message, then chunks",
                reason="METADATA_REPEATED",
                violations=[FieldViolation("metadata", "only in the first message")],
            )
        else:
            raise InvalidArgument(
                "a message carried neither metadata nor a chunk: every message after the first is a chunk",
                reason="EMPTY_MESSAGE",
                violations=[FieldViolation("chunk", "required after the first message")],
            )
    await raise_if_cancelled_at_end(context)  # a cancel also reads as EOF: never store a truncated file


class LogFileApi(log_file_pb2_grpc.LogFileServiceServicer):
    def __init__(self, log_files: LogFiles, idle_timeout_s: float) -> None:
        self.log_files = log_files
        self.idle_timeout_s = idle_timeout_s

    async def UploadLogFile(
        self, request_iterator: AsyncIterator[log_file_pb2.UploadLogFileRequest], context: Context
    ) -> log_file_pb2.UploadLogFileResponse:
        owner = current_principal().subject
        requests = aiter(request_iterator)
        first = await _next(requests, self.idle_timeout_s)
        if first is None or first.WhichOneof("payload") != "metadata":
            what = "nothing" if first is None else "a chunk"
            raise InvalidArgument(
                f"the first message must carry the metadata, but {what} came first",
                reason="METADATA_MISSING",
                violations=[FieldViolation("metadata", "required in the first message")],
            )
        m = first.metadata
        meta = validate_metadata(
            filename=m.filename,
            content_type=m.content_type,
            labels=dict(m.labels),
            service=m.service,
            request_id=m.request_id,
            declared_size=m.declared_size_bytes if m.HasField("declared_size_bytes") else None,
            declared_sha256=m.declared_sha256,
            analyze=m.analyze if m.HasField("analyze") else True,
            max_bytes=self.log_files.max_bytes,
            time_zone=m.time_zone,
            year=m.year if m.HasField("year") else None,
        )
        row = await self.log_files.upload(owner, meta, _chunks(requests, context, self.idle_timeout_s))
        log_file = log_file_proto(row)
        return log_file_pb2.UploadLogFileResponse(log_file=log_file, analysis_run=log_file.analysis_run)

    async def GetLogFile(
        self, request: log_file_pb2.GetLogFileRequest, context: Context
    ) -> log_file_pb2.GetLogFileResponse:
        row = await self.log_files.get(current_principal().subject, request.name)
        return log_file_pb2.GetLogFileResponse(log_file=log_file_proto(row))

    async def ListLogFiles(
        self, request: log_file_pb2.ListLogFilesRequest, context: Context
    ) -> log_file_pb2.ListLogFilesResponse:
        rows, token = await self.log_files.list(
            current_principal().subject,
            request.page_size,
            request.page_token,
            request.service,
            _parse_label_filters(list(request.labels)),
        )
        return log_file_pb2.ListLogFilesResponse(log_files=[log_file_proto(r) for r in rows], next_page_token=token)

    async def DeleteLogFile(
        self, request: log_file_pb2.DeleteLogFileRequest, context: Context
    ) -> log_file_pb2.DeleteLogFileResponse:
        await self.log_files.delete(current_principal().subject, request.name)
        return log_file_pb2.DeleteLogFileResponse()

    async def DownloadLogFile(
        self, request: log_file_pb2.DownloadLogFileRequest, context: Context
    ) -> AsyncIterator[log_file_pb2.DownloadLogFileResponse]:
        async for chunk in self.log_files.download(current_principal().subject, request.name):
            for start in range(0, len(chunk), MAX_CHUNK_BYTES):
                yield log_file_pb2.DownloadLogFileResponse(chunk=chunk[start : start + MAX_CHUNK_BYTES])


class UploadQuotaApi(quota_pb2_grpc.QuotaServiceServicer):
    """Ingest's part of the caller's quotas. The public QuotaService is analysis's, which adds this part."""

    def __init__(self, log_files: LogFiles) -> None:
        self.log_files = log_files

    async def GetQuotaUsage(
        self, request: quota_pb2.GetQuotaUsageRequest, context: Context
    ) -> quota_pb2.GetQuotaUsageResponse:
        lines = await self.log_files.quota_usage(current_principal().subject)
        quotas = [
            quota_pb2.Quota(quota_id=q.quota_id, description=q.description, limit=q.limit, usage=q.usage, unit=q.unit)
            for q in lines
        ]
        return quota_pb2.GetQuotaUsageResponse(quota_usage=quota_pb2.QuotaUsage(quotas=quotas))
