"""Log-file bytes in S3: streamed multipart uploads, ranged reads, and the sweep of leftovers.

An upload copies the gRPC chunks into a part-sized buffer on the event loop and hands each full buffer, as
it is (minio and urllib3 send any bytes-like body), to a small thread pool that uploads it while the next one
fills; a buffer S3 has taken is filled again rather than freed. At most ``parallel`` parts are in flight;
beyond that ``send`` waits, which stops reading the gRPC stream and lets flow control push back on the
client. Memory per upload is therefore bounded by about ``(parallel + 1) * part_size``, whatever the file
size, and is next to nothing until the first chunk arrives. A file smaller than one part is written with a
single PUT (no multipart upload to leave open).

Bodies go unsigned (``UNSIGNED-PAYLOAD``; the headers and URL are still signed): minio would otherwise hash
every part once more (SHA-256 over HTTP, MD5 over HTTPS), about a third of ingest's CPU per byte. The
file's integrity is ingest's own SHA-256 and size, checked against what the client declared; over HTTPS,
TLS protects the bytes on their way to S3.

Every failure path ends in ``abort``: it waits for the parts in flight and aborts the multipart upload, in
a task of its own so that a second cancellation of the caller cannot stop it half way.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from minio import Minio
from minio.datatypes import Part
from minio.error import S3Error

from loglens_common.objectstore import UNSIGNED_PAYLOAD, UNSIGNED_PAYLOAD_HEADER

log = logging.getLogger("loglens.ingest.s3")

T = TypeVar("T")
_CONTENT_TYPE = {"Content-Type": "application/octet-stream"}
_UNSIGNED = {UNSIGNED_PAYLOAD_HEADER: UNSIGNED_PAYLOAD}
# Aborts run as tasks of their own; keep them referenced until they finish.
_BACKGROUND: set[asyncio.Task[None]] = set()


class StreamingUpload:
    """One object being written. ``send`` chunks, then ``complete`` or ``abort``."""

    def __init__(self, store: ObjectStore, key: str) -> None:
        self._store = store
        self.key = key
        self._part_size = store.part_size
        # The part being filled, allocated at full size with the first chunk: an upload that has sent only its
        # metadata (or nothing yet) holds no buffer, so idle streams cost ingest almost nothing.
        self._buffer = bytearray()
        self._filled = 0
        # Buffers of parts S3 took, reused: a fresh one would cost a page fault per 4 KiB on every part.
        self._spare: list[bytearray] = []
        self._upload_id: asyncio.Future[str] | None = None
        self._parts: list[asyncio.Future[Part]] = []
        self._slots = asyncio.Semaphore(store.parallel)
        self._aborting: asyncio.Task[None] | None = None
        self._completing: asyncio.Future[Any] | None = None

    async def send(self, chunk: bytes) -> None:
        view = memoryview(chunk)
        while view:
            if self._filled == self._part_size:
                # Full, and more bytes follow: so it is not the last part. (A file of exactly one part thus
                # goes up as a single PUT, and the last part of a multipart upload is never empty.)
                full, self._buffer, self._filled = self._buffer, bytearray(), 0
                await self._start_part(full)  # waits while `parallel` parts are in flight
            if not self._buffer:
                self._buffer = self._spare.pop() if self._spare else bytearray(self._part_size)
            take = min(len(view), self._part_size - self._filled)
            # Through a memoryview: assigning to a bytearray slice would copy the chunk to a temporary first.
            memoryview(self._buffer)[self._filled : self._filled + take] = view[:take]
            self._filled += take
            view = view[take:]

    def _rest(self) -> memoryview:
        rest = memoryview(self._buffer)[: self._filled]  # the last bytes as they are, not copied
        self._buffer, self._filled = bytearray(), 0
        return rest

    async def _start_part(self, data: bytearray | memoryview) -> None:
        self._raise_failed_part()
        await self._slots.acquire()
        if self._upload_id is None:
            self._upload_id = self._store.run(
                self._store.client._create_multipart_upload, self._store.bucket, self.key, dict(_CONTENT_TYPE)
            )
        number = len(self._parts) + 1
        part = asyncio.ensure_future(self._upload_part(number, data))
        part.add_done_callback(lambda _: self._slots.release())
        self._parts.append(part)

    async def _upload_part(self, number: int, data: bytearray | memoryview) -> Part:
        assert self._upload_id is not None
        upload_id = await asyncio.shield(self._upload_id)
        etag = await self._store.run(
            self._store.client._upload_part, self._store.bucket, self.key, data, dict(_UNSIGNED), upload_id, number
        )
        if isinstance(data, bytearray) and len(data) == self._part_size:
            self._spare.append(data)  # sent and done with: only now may it be filled again
        return Part(number, etag)

    def _raise_failed_part(self) -> None:
        """S3 refused a part already: fail now rather than after reading the rest of the stream."""
        for part in self._parts:
            if part.done() and not part.cancelled() and part.exception() is not None:
                raise part.exception()  # type: ignore[misc]

    async def complete(self) -> None:
        """Write the object. Once this has started, ``abort`` waits for it and deletes what it wrote."""
        if self._upload_id is None:
            data = self._rest()
            self._completing = self._store.run(
                self._store.client._put_object, self._store.bucket, self.key, data, _CONTENT_TYPE | _UNSIGNED
            )
        else:
            if self._filled:
                await self._start_part(self._rest())
            self._completing = asyncio.ensure_future(self._complete_multipart())
        await asyncio.shield(self._completing)

    async def _complete_multipart(self) -> None:
        assert self._upload_id is not None
        parts = await asyncio.gather(*self._parts)
        upload_id = await asyncio.shield(self._upload_id)
        await self._store.run(
            self._store.client._complete_multipart_upload, self._store.bucket, self.key, upload_id, parts
        )

    async def abort(self) -> None:
        """Wait until the multipart upload is aborted; safe to call from a cancelled task, and twice."""
        self._buffer, self._filled = bytearray(), 0
        if self._aborting is None:
            self._aborting = asyncio.create_task(self._abort())
            _BACKGROUND.add(self._aborting)
            self._aborting.add_done_callback(_BACKGROUND.discard)
        await asyncio.shield(self._aborting)

    async def _abort(self) -> None:
        await asyncio.gather(*self._parts, return_exceptions=True)
        if self._completing is not None:  # the caller gave up while the object was being written
            try:
                await self._completing
            except Exception:
                pass  # not written: abort the multipart upload below
            else:
                try:
                    await self._store.run(self._store.client.remove_object, self._store.bucket, self.key)
                except Exception as exc:  # the orphan sweep deletes it later
                    log.warning("could not delete the abandoned object %s now: %s", self.key, exc)
                return
        if self._upload_id is None:
            return
        try:
            upload_id = await self._upload_id
            await self._store.run(self._store.client._abort_multipart_upload, self._store.bucket, self.key, upload_id)
        except Exception as exc:  # S3 unreachable: the stale-upload sweep aborts it later
            log.warning("could not abort the multipart upload of %s now: %s", self.key, exc)


class ObjectStore:
    def __init__(self, client: Minio, bucket: str, part_size: int, parallel: int) -> None:
        self.client = client
        self.bucket = bucket
        self.part_size = part_size
        self.parallel = parallel
        # Its own threads: S3 calls never wait behind other work in the loop's default executor.
        self._executor = ThreadPoolExecutor(max_workers=max(8, 4 * parallel), thread_name_prefix="s3")
        self.active: set[str] = set()  # keys being uploaded by this process: the sweep leaves them alone

    def run(self, fn: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        return asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    def start_upload(self, key: str) -> StreamingUpload:
        return StreamingUpload(self, key)

    def close(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def delete(self, key: str) -> None:
        await self.run(self.client.remove_object, self.bucket, key)

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

    def abort_stale_uploads(self, prefix: str, older_than: dt.datetime) -> int:
        """Abort multipart uploads under ``prefix`` begun before ``older_than`` (left by crashed processes)."""
        aborted = 0
        try:
            result = self.client._list_multipart_uploads(self.bucket, prefix=prefix)
        except S3Error as exc:
            log.warning("listing multipart uploads failed: %s", exc)
            return 0
        for upload in result.uploads:
            initiated = upload.initiated_time
            if (
                initiated is not None
                and initiated < older_than
                and upload.upload_id
                and upload.object_name not in self.active
            ):
                self.client._abort_multipart_upload(self.bucket, upload.object_name, upload.upload_id)
                aborted += 1
        return aborted
