"""Log-file use cases: upload, read, list, delete, download. Rules in domain.py, I/O in adapters/."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import AsyncIterator, Awaitable

from google.protobuf.timestamp_pb2 import Timestamp

from loglens.events.v1 import events_pb2
from loglens_common import metrics, names
from loglens_common.errors import LogLensError, Unavailable, not_found
from loglens_common.events import OBJECT_PREFIX, SUBJECT_DELETED, SUBJECT_STORED, object_key
from loglens_common.logs import request_id_var
from loglens_ingest.adapters.object_store import ObjectStore
from loglens_ingest.adapters.outbox import OutboxPublisher
from loglens_ingest.adapters.repository import DuplicateRequest, LogFileRepository, LogFileRow
from loglens_ingest.domain import UploadMetadata, UploadTally
from loglens_ingest.quotas import OwnerUsage, QuotaLine, UploadQuotas, server_busy

log = logging.getLogger("loglens.ingest")


def _stored_event(row: LogFileRow) -> tuple[str, str, bytes]:
    created = Timestamp()
    created.FromDatetime(row.create_time)
    event = events_pb2.LogFileStored(
        log_file=names.log_file_name(row.id),
        owner=row.owner,
        bucket=row.bucket,
        object_key=row.object_key,
        size_bytes=row.size_bytes,
        gzip=row.gzip,
        analyze=row.analyze,
        request_id=request_id_var.get(),
        create_time=created,
        time_zone=row.time_zone,
        year=row.year,
        analysis_run_id=row.analysis_run_id or "",
        service=row.service,
    )
    return SUBJECT_STORED, f"stored-{row.id}", event.SerializeToString()


def _deleted_event(row: LogFileRow) -> tuple[str, str, bytes]:
    event = events_pb2.LogFileDeleted(
        log_file=names.log_file_name(row.id), owner=row.owner, request_id=request_id_var.get()
    )
    return SUBJECT_DELETED, f"deleted-{row.id}", event.SerializeToString()


def _reraise(exc: BaseException, what: str) -> None:
    """A failing server becomes UNAVAILABLE, not INTERNAL; our refusals and cancellations pass unchanged."""
    if isinstance(exc, LogLensError) or not isinstance(exc, Exception):
        return
    log.warning("upload failed in %s: %r", what, exc)
    raise Unavailable(
        f"{what} failed while storing the upload; nothing was kept. Retry (with the same request_id).",
        reason="STORAGE_UNAVAILABLE",
        retry_after_s=1.0,
    ) from exc


async def _quietly(work: Awaitable[None], what: str) -> None:
    """Finish ``work`` even if the caller is cancelled meanwhile; log, never raise, on failure."""
    try:
        await asyncio.shield(work)
    except Exception as exc:
        log.warning("could not %s now: %s", what, exc)
    except asyncio.CancelledError:
        pass


class LogFiles:
    def __init__(
        self,
        repository: LogFileRepository,
        store: ObjectStore,
        outbox: OutboxPublisher,
        max_bytes: int,
        quotas: UploadQuotas,
        max_concurrent_uploads: int,
        upload_lease_s: float,
    ) -> None:
        self.repository = repository
        self.store = store
        self.outbox = outbox
        self.max_bytes = max_bytes
        self.quotas = quotas
        self.max_concurrent_uploads = max_concurrent_uploads
        self.upload_lease_s = upload_lease_s
        self.slots: set[str] = set()  # upload slots this process holds in the database (renewed by keep_slots)

    async def upload(self, owner: str, meta: UploadMetadata, chunks: AsyncIterator[bytes]) -> LogFileRow:
        if meta.request_id:
            earlier = await self.repository.by_request_id(owner, meta.request_id)
            if earlier is not None:  # a retry of an upload that completed: same answer, nothing stored
                return earlier
        # The process's cap first (no I/O): counted synchronously, so concurrent calls cannot overshoot it.
        if len(self.slots) >= self.max_concurrent_uploads:
            raise server_busy(self.max_concurrent_uploads)
        log_file_id = names.new_id()
        self.slots.add(log_file_id)
        stored = False
        try:
            try:
                usage = await self.repository.reserve_slot(
                    owner,
                    log_file_id,
                    meta.declared_size or 0,
                    self.upload_lease_s,
                    lambda u: self.quotas.admit(owner, u, meta.declared_size),
                )
            except BaseException as exc:
                _reraise(exc, "the database")
                raise
            row = await self._store(owner, log_file_id, meta, chunks, usage)
            stored = row.id == log_file_id  # (an earlier upload's row when this was a retry)
            return row
        finally:
            self.slots.discard(log_file_id)
            if not stored:  # the row's commit removed the slot; otherwise free it now (or it lapses)
                await _quietly(self.repository.release_slot(log_file_id), f"release upload slot {log_file_id}")

    async def _store(
        self, owner: str, log_file_id: str, meta: UploadMetadata, chunks: AsyncIterator[bytes], usage: OwnerUsage
    ) -> LogFileRow:
        key = object_key(log_file_id)
        tally = UploadTally(self.max_bytes)
        room = self.quotas.byte_allowance(usage)  # the file may not grow past this: refuse as soon as it does
        self.store.active.add(key)
        try:
            upload = self.store.start_upload(key)
            try:
                async for chunk in chunks:
                    tally.add(chunk)
                    if tally.size > room:
                        raise self.quotas.refuse_streamed_bytes(owner, usage, tally.size)
                    await upload.send(chunk)
                digest = tally.finish(meta.declared_size, meta.declared_sha256)
                await upload.complete()
            except BaseException as exc:  # cancellation included: never leave a multipart upload open
                await upload.abort()
                _reraise(exc, "the object store")
                raise
        finally:
            self.store.active.discard(key)
        row = LogFileRow(
            id=log_file_id,
            owner=owner,
            filename=meta.filename,
            content_type=meta.content_type,
            labels=meta.labels,
            service=meta.service,
            size_bytes=tally.size,
            sha256=digest,
            gzip=tally.gzip,
            bucket=self.store.bucket,
            object_key=key,
            request_id=meta.request_id or None,
            analyze=meta.analyze,
            time_zone=meta.time_zone,
            year=meta.year,
            # Named here, created by analysis from the stored event: the uploader learns it without a race.
            analysis_run_id=names.new_id() if meta.analyze else None,
        )
        try:
            await self.repository.add(
                row, _stored_event(row), lambda others: self.quotas.check_commit(owner, others, row.size_bytes)
            )
        except DuplicateRequest:  # a concurrent retry won the race: keep its file, drop ours
            await self._discard(owner, log_file_id, key)
            earlier = await self.repository.by_request_id(owner, meta.request_id)
            assert earlier is not None
            return earlier
        except BaseException as exc:
            await self._discard(owner, log_file_id, key)
            _reraise(exc, "the database")
            raise
        metrics.BYTES_INGESTED.inc(row.size_bytes)
        self.outbox.kick()
        log.info("stored", extra={"fields": {"log_file": log_file_id, "bytes": row.size_bytes}})
        return row

    async def _discard(self, owner: str, log_file_id: str, key: str) -> None:
        """Delete an object whose row did not commit (the sweeper catches it if this fails too)."""

        async def discard() -> None:
            if await self.repository.get(owner, log_file_id) is None:
                await self.store.delete(key)

        try:
            await asyncio.shield(discard())
        except Exception as exc:
            log.warning("could not discard object %s now; the sweeper will: %s", key, exc)

    async def quota_usage(self, owner: str) -> list[QuotaLine]:
        return self.quotas.lines(await self.repository.usage(owner))

    async def keep_slots(self) -> None:
        """Renew this process's upload slots, and drop lapsed ones (a crashed replica's), forever."""
        while True:
            await asyncio.sleep(self.upload_lease_s / 3)
            try:
                await self.repository.renew_slots(sorted(self.slots), self.upload_lease_s)
                await self.repository.delete_expired_slots()
            except Exception as exc:  # the database is away: the next round renews before the lease ends
                log.warning("could not renew upload slots now: %s", exc)

    async def get(self, owner: str, name: str) -> LogFileRow:
        row = await self.repository.get(owner, names.parse_log_file(name))
        if row is None:
            raise not_found(name)
        return row

    async def list(
        self, owner: str, page_size: int, page_token: str, service: str, labels: dict[str, str]
    ) -> tuple[list[LogFileRow], str]:
        size = names.page_size(page_size)
        query = f"{owner}|{service}|{sorted(labels.items())}"
        after = names.decode_page_token(page_token, query)
        rows = await self.repository.page(owner, size + 1, after, service, labels)
        return names.cut_page(rows, size, query)

    async def delete(self, owner: str, name: str) -> None:
        log_file_id = names.parse_log_file(name)
        existing = await self.repository.get(owner, log_file_id)
        if existing is None:
            raise not_found(name)
        row = await self.repository.delete(owner, log_file_id, _deleted_event(existing))
        if row is None:
            raise not_found(name)
        self.outbox.kick()
        try:
            await self.store.delete(row.object_key)
        except Exception as exc:  # the row is gone; the orphan sweeper removes the object later
            log.warning("object %s not deleted now: %s", row.object_key, exc)

    async def download(self, owner: str, name: str) -> AsyncIterator[bytes]:
        row = await self.get(owner, name)
        reader = await asyncio.to_thread(self.store.read, row.object_key)
        sentinel = b""
        try:
            while True:
                chunk = await asyncio.to_thread(next, reader, sentinel)
                if not chunk:
                    return
                yield chunk
        finally:
            await asyncio.shield(asyncio.to_thread(reader.close))

    async def sweep(self, stale_age_s: float) -> tuple[int, int]:
        """Abort stale multipart uploads and delete objects no row points to; returns the two counts."""
        older_than = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=stale_age_s)
        aborted = await asyncio.to_thread(self.store.abort_stale_uploads, OBJECT_PREFIX, older_than)
        objects = await asyncio.to_thread(self.store.list_keys, OBJECT_PREFIX)
        old = [
            key
            for key, modified in objects
            if (modified is None or modified < older_than) and key not in self.store.active
        ]
        deleted = 0
        for start in range(0, len(old), 500):
            batch = old[start : start + 500]
            known = await self.repository.object_keys(batch)
            for key in batch:
                if key not in known:
                    await self.store.delete(key)
                    deleted += 1
        if aborted or deleted:
            log.info("swept", extra={"fields": {"aborted_uploads": aborted, "orphans_deleted": deleted}})
        return aborted, deleted
