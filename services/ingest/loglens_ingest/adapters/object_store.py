"""Log-file bytes in S3: streamed multipart uploads, ranged reads, and the sweep of leftovers.

minio's put_object does the multipart protocol (and aborts the upload when the stream it reads raises);
this feeds it from the gRPC stream through a small bounded queue, so memory stays at a few parts
whatever the file size.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import queue
from collections.abc import Generator
from dataclasses import dataclass

from minio import Minio
from minio.error import S3Error

log = logging.getLogger("loglens.ingest.s3")

_END = object()


class UploadAborted(Exception):
    """Raised inside minio's reader so that it aborts the multipart upload."""


class _QueueReader:
    """A blocking file-like object over a queue of chunks (read by minio in a worker thread)."""

    def __init__(self, chunks: queue.Queue[object]) -> None:
        self._chunks = chunks
        self._pending: list[bytes] = []
        self._pending_len = 0
        self._done = False

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or self._pending_len < size):
            item = self._chunks.get()
            if item is _END:
                self._done = True
            elif isinstance(item, BaseException):
                raise UploadAborted(str(item)) from item
            else:
                chunk = bytes(item)  # type: ignore[call-overload]
                self._pending.append(chunk)
                self._pending_len += len(chunk)
        data = b"".join(self._pending)
        if 0 <= size < len(data):
            data, rest = data[:size], data[size:]
            self._pending, self._pending_len = [rest], len(rest)
        else:
            self._pending, self._pending_len = [], 0
        return data


@dataclass
class StreamingUpload:
    """One object being written. ``send`` chunks, then ``complete`` or ``abort``."""

    client: Minio
    bucket: str
    key: str
    part_size: int
    parallel: int

    def __post_init__(self) -> None:
        self._chunks: queue.Queue[object] = queue.Queue(maxsize=max(4, self.part_size // (1024 * 1024)))
        self._result: asyncio.Future[object] = asyncio.get_running_loop().run_in_executor(None, self._put)

    def _put(self) -> object:
        return self.client.put_object(
            self.bucket,
            self.key,
            _QueueReader(self._chunks),  # type: ignore[arg-type]
            length=-1,
            part_size=self.part_size,
            num_parallel_uploads=self.parallel,
        )

    async def send(self, chunk: bytes) -> None:
        if self._result.done():  # S3 failed already: surface its error now
            await self._result
        try:
            self._chunks.put_nowait(chunk)
        except queue.Full:
            await asyncio.to_thread(self._chunks.put, chunk)

    async def complete(self) -> None:
        await asyncio.to_thread(self._chunks.put, _END)
        await self._result

    async def abort(self, reason: BaseException) -> None:
        """Stop the writer and wait until minio has aborted the multipart upload (cancellation-safe)."""
        while True:  # make room: the writer may be blocked on a full queue
            try:
                self._chunks.put_nowait(reason)
                break
            except queue.Full:
                try:
                    self._chunks.get_nowait()
                except queue.Empty:
                    pass
        try:
            await asyncio.shield(self._result)
        except Exception:
            pass


class ObjectStore:
    def __init__(self, client: Minio, bucket: str, part_size: int, parallel: int) -> None:
        self.client = client
        self.bucket = bucket
        self.part_size = part_size
        self.parallel = parallel

    def start_upload(self, key: str) -> StreamingUpload:
        return StreamingUpload(self.client, self.bucket, key, self.part_size, self.parallel)

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self.client.remove_object, self.bucket, key)

    def read(self, key: str, chunk_size: int = 1024 * 1024) -> Generator[bytes, None, None]:
        """Blocking iterator over an object's bytes (run it in a thread)."""
        response = self.client.get_object(self.bucket, key)
        try:
            yield from response.stream(chunk_size)
        finally:
            response.close()
            response.release_conn()

    def list_keys(self, prefix: str) -> list[tuple[str, dt.datetime | None]]:
        return [
            (obj.object_name or "", obj.last_modified)
            for obj in self.client.list_objects(self.bucket, prefix=prefix, recursive=True)
        ]

    def abort_stale_uploads(self, older_than: dt.datetime) -> int:
        """Abort multipart uploads begun before ``older_than`` (left by crashed ingest processes)."""
        aborted = 0
        try:
            result = self.client._list_multipart_uploads(self.bucket)
        except S3Error as exc:
            log.warning("listing multipart uploads failed: %s", exc)
            return 0
        for upload in result.uploads:
            initiated = upload.initiated_time
            if initiated is not None and initiated < older_than and upload.upload_id:
                self.client._abort_multipart_upload(self.bucket, upload.object_name, upload.upload_id)
                aborted += 1
        return aborted
