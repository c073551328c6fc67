"""The ingest schema: log files and the event outbox. The only place with SQL for ingest."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from dataclasses import dataclass, field

from psycopg.types.json import Jsonb
from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from loglens_common.db import compiled_sql, point_reads
from loglens_ingest.quotas import OwnerUsage

SCHEMA = "ingest"
metadata = MetaData(schema=SCHEMA)

log_files = Table(
    "log_files",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("filename", String(255), nullable=False),
    Column("content_type", String(255), nullable=False, server_default=""),
    Column("labels", JSONB, nullable=False, server_default=text("'{}'::jsonb")),
    Column("service", String(128), nullable=False, server_default=""),
    Column("size_bytes", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("gzip", Boolean, nullable=False),
    Column("bucket", String(63), nullable=False),
    Column("object_key", String(255), nullable=False, unique=True),
    Column("request_id", String(128)),
    Column("analyze", Boolean, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("time_zone", String(64), nullable=False, server_default=""),
    Column("year", Integer),
    Column("analysis_run_id", String(32)),
    Index(
        "log_files_owner_request_id",
        "owner",
        "request_id",
        unique=True,
        postgresql_where=text("request_id IS NOT NULL"),
    ),
    Index("log_files_owner_newest", "owner", text("create_time DESC"), text("id DESC")),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=True),
    Column("subject", String(255), nullable=False),
    Column("msg_id", String(128), nullable=False),
    Column("payload", LargeBinary, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("published_time", DateTime(timezone=True)),
    Index("outbox_unpublished", "id", postgresql_where=text("published_time IS NULL")),
)

# One row per upload in progress: the reservation that quota checks count (see reserve_slot). A replica that
# dies leaves its rows behind; they lapse at expire_time, which the live ones renew.
upload_slots = Table(
    "upload_slots",
    metadata,
    Column("id", String(32), primary_key=True),  # the log file's id
    Column("owner", String(64), nullable=False),
    Column("reserved_bytes", BigInteger, nullable=False, server_default="0"),  # the declared size, if any
    Column("create_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("expire_time", DateTime(timezone=True), nullable=False),
    Index("upload_slots_owner", "owner"),
)

# Runs inside the owner's locked transaction with the owner's usage; raises to refuse.
QuotaCheck = Callable[[OwnerUsage], None]


@dataclass
class LogFileRow:
    id: str
    owner: str
    filename: str
    content_type: str
    labels: dict[str, str]
    service: str
    size_bytes: int
    sha256: str
    gzip: bool
    bucket: str
    object_key: str
    request_id: str | None
    analyze: bool
    create_time: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    time_zone: str = ""  # the upload's zone hint, an IANA name; "" for none
    year: int | None = None  # the upload's year hint for year-less times
    analysis_run_id: str | None = None  # the run the upload started (analysis creates it under this id)


@dataclass
class OutboxEvent:
    id: int
    subject: str
    msg_id: str
    payload: bytes


class DuplicateRequest(Exception):
    """Another upload with the same (owner, request_id) committed first."""


# The API's reads, built and compiled once (building a statement and its cache key on each call was a quarter of
# a read's CPU), run by PointReads. A page of ListLogFiles has one statement per combination of its filters.
_GET = compiled_sql(select(log_files).where(log_files.c.owner == bindparam("owner"), log_files.c.id == bindparam("id")))


@functools.cache
def _page(service: bool, labels: bool, after: bool) -> str:
    query = select(log_files).where(log_files.c.owner == bindparam("owner"))
    if service:
        query = query.where(log_files.c.service == bindparam("service"))
    if labels:
        query = query.where(log_files.c.labels.contains(bindparam("labels", type_=JSONB)))
    if after:
        query = query.where(
            tuple_(log_files.c.create_time, log_files.c.id) < tuple_(bindparam("after_time"), bindparam("after_id"))
        )
    return compiled_sql(query.order_by(log_files.c.create_time.desc(), log_files.c.id.desc()).limit(bindparam("limit")))


def _row(mapping: object) -> LogFileRow:
    m = dict(mapping)  # type: ignore[call-overload]
    return LogFileRow(**{k: m[k] for k in LogFileRow.__dataclass_fields__})


class LogFileRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.reads = point_reads(engine)  # the API's one-statement reads: one round trip each, no SQLAlchemy per call

    async def add(self, row: LogFileRow, event: tuple[str, str, bytes], check: QuotaCheck | None = None) -> LogFileRow:
        """Insert the log file and its event in one transaction (the outbox), and free its upload slot.

        ``check`` sees the owner's usage without this upload's slot, under the owner's lock: a file that
        would go past a quota is refused here even if another upload of the owner committed meanwhile.
        """
        values = {k: getattr(row, k) for k in LogFileRow.__dataclass_fields__}
        subject, msg_id, payload = event
        try:
            async with self.engine.begin() as conn:
                if check is not None:
                    await _lock_owner(conn, row.owner)
                    check(await _usage(conn, row.owner, exclude_slot=row.id))
                await conn.execute(delete(upload_slots).where(upload_slots.c.id == row.id))
                await conn.execute(insert(log_files).values(**values))
                await conn.execute(insert(outbox).values(subject=subject, msg_id=msg_id, payload=payload))
        except IntegrityError as exc:
            if "log_files_owner_request_id" in str(exc.orig):
                raise DuplicateRequest from exc
            raise
        return row

    async def get(self, owner: str, log_file_id: str) -> LogFileRow | None:
        found = await self.reads.one(_GET, {"owner": owner, "id": log_file_id})
        return _row(found) if found else None

    async def by_request_id(self, owner: str, request_id: str) -> LogFileRow | None:
        async with self.engine.connect() as conn:
            found = (
                (
                    await conn.execute(
                        select(log_files).where(log_files.c.owner == owner, log_files.c.request_id == request_id)
                    )
                )
                .mappings()
                .first()
            )
        return _row(found) if found else None

    async def page(
        self,
        owner: str,
        limit: int,
        after: tuple[dt.datetime, str] | None,
        service: str = "",
        labels: dict[str, str] | None = None,
    ) -> list[LogFileRow]:
        params: dict[str, object] = {"owner": owner, "limit": limit}
        if service:
            params["service"] = service
        if labels:
            params["labels"] = Jsonb(labels)
        if after is not None:
            params["after_time"], params["after_id"] = after
        return [_row(m) for m in await self.reads.all(_page(bool(service), bool(labels), after is not None), params)]

    async def delete(self, owner: str, log_file_id: str, event: tuple[str, str, bytes]) -> LogFileRow | None:
        """Delete the row and queue its event in one transaction; returns what was deleted."""
        subject, msg_id, payload = event
        async with self.engine.begin() as conn:
            found = (
                (
                    await conn.execute(
                        delete(log_files)
                        .where(log_files.c.owner == owner, log_files.c.id == log_file_id)
                        .returning(*log_files.c)
                    )
                )
                .mappings()
                .first()
            )
            if found is None:
                return None
            await conn.execute(insert(outbox).values(subject=subject, msg_id=msg_id, payload=payload))
        return _row(found)

    # Upload slots and quotas ---------------------------------------------------------------------
    async def reserve_slot(
        self, owner: str, slot_id: str, reserved_bytes: int, lease_s: float, check: QuotaCheck
    ) -> OwnerUsage:
        """Take an upload slot if ``check`` passes on the owner's usage; returns that usage (without it).

        The owner's advisory lock serialises this with every other reservation and commit of the owner, on
        every replica: two uploads cannot both take the last free slot, file or byte.
        """
        async with self.engine.begin() as conn:
            await _lock_owner(conn, owner)
            await conn.execute(
                delete(upload_slots).where(upload_slots.c.owner == owner, upload_slots.c.expire_time < func.now())
            )
            usage = await _usage(conn, owner)
            check(usage)
            await conn.execute(
                insert(upload_slots).values(
                    id=slot_id,
                    owner=owner,
                    reserved_bytes=reserved_bytes,
                    expire_time=func.now() + dt.timedelta(seconds=lease_s),
                )
            )
        return usage

    async def release_slot(self, slot_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(upload_slots).where(upload_slots.c.id == slot_id))

    async def renew_slots(self, slot_ids: list[str], lease_s: float) -> None:
        if not slot_ids:
            return
        async with self.engine.begin() as conn:
            await conn.execute(
                update(upload_slots)
                .where(upload_slots.c.id.in_(slot_ids))
                .values(expire_time=func.now() + dt.timedelta(seconds=lease_s))
            )

    async def delete_expired_slots(self) -> int:
        async with self.engine.begin() as conn:
            done = await conn.execute(delete(upload_slots).where(upload_slots.c.expire_time < func.now()))
        return int(done.rowcount or 0)  # type: ignore[attr-defined]

    async def usage(self, owner: str) -> OwnerUsage:
        async with self.engine.connect() as conn:
            return await _usage(conn, owner)

    async def object_keys(self, keys: list[str]) -> set[str]:
        """Which of ``keys`` a row points to."""
        if not keys:
            return set()
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(log_files.c.object_key).where(log_files.c.object_key.in_(keys)))
            return {r[0] for r in rows}

    # The outbox -----------------------------------------------------------------------------------
    async def unpublished(self, limit: int = 100) -> list[OutboxEvent]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(outbox.c.id, outbox.c.subject, outbox.c.msg_id, outbox.c.payload)
                .where(outbox.c.published_time.is_(None))
                .order_by(outbox.c.id)
                .limit(limit)
            )
            return [OutboxEvent(*r) for r in rows]

    async def mark_published(self, event_id: int) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(update(outbox).where(outbox.c.id == event_id).values(published_time=func.now()))

    async def pending_count(self) -> int:
        async with self.engine.connect() as conn:
            return int(
                (
                    await conn.execute(
                        select(func.count()).select_from(outbox).where(outbox.c.published_time.is_(None))
                    )
                ).scalar_one()
            )

    async def prune_published(self, older_than: dt.datetime) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                delete(outbox).where(and_(outbox.c.published_time.is_not(None), outbox.c.published_time < older_than))
            )


async def _lock_owner(conn: AsyncConnection, owner: str) -> None:
    """Serialise the quota checks of one owner until commit (reservations and commits of uploads)."""
    await conn.execute(select(func.pg_advisory_xact_lock(func.hashtext("ingest.owner:" + owner))))


async def _usage(conn: AsyncConnection, owner: str, exclude_slot: str = "") -> OwnerUsage:
    """The owner's files and bytes kept, and uploads in progress (slots that have not lapsed)."""
    files, stored = (
        await conn.execute(
            select(func.count(), func.coalesce(func.sum(log_files.c.size_bytes), 0)).where(log_files.c.owner == owner)
        )
    ).one()
    slots = select(func.count(), func.coalesce(func.sum(upload_slots.c.reserved_bytes), 0)).where(
        upload_slots.c.owner == owner, upload_slots.c.id != exclude_slot, upload_slots.c.expire_time >= func.now()
    )
    open_uploads, reserved = (await conn.execute(slots)).one()
    return OwnerUsage(
        log_files=int(files), stored_bytes=int(stored), open_uploads=int(open_uploads), reserved_bytes=int(reserved)
    )


__all__ = [
    "DuplicateRequest",
    "LogFileRepository",
    "LogFileRow",
    "OutboxEvent",
    "QuotaCheck",
    "log_files",
    "outbox",
    "upload_slots",
]
