"""The pattern registry's tables (migration 0006) and its SQL.

``service_runs`` keeps each run's contribution as one row of arrays aligned by template (what deleting a log file
subtracts, what a pattern's history is read from); ``patterns`` holds the totals.

Writes happen inside the repository's transactions: ``merge_run`` in the one that stores a run's report,
``remove_log_file_runs`` in the one that forgets a deleted log file. Both lock the service's
``service_registries`` row first, so the merges of one service queue behind each other (a few milliseconds of
upserts each) instead of interleaving: no lost update, no deadlock. The totals are still written as additive
upserts (INSERT ... ON CONFLICT DO UPDATE SET total = total + excluded), so they stay right should that lock
ever be narrowed.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    and_,
    func,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from loglens.v1 import report_pb2
from loglens_analysis.registry import (
    PatternChange,
    PatternState,
    RegistryView,
    annotate,
    contributions,
    effective_state,
)

SCHEMA = "analysis"
metadata = MetaData(schema=SCHEMA)

service_registries = Table(
    "service_registries",
    metadata,
    Column("owner", String(64), primary_key=True),
    Column("service", String(128), primary_key=True),
    Column("pattern_count", BigInteger, nullable=False),
    Column("run_count", BigInteger, nullable=False),
    Column("evicted_count", BigInteger, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("update_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

service_runs = Table(
    "service_runs",
    metadata,
    Column("seq", BigInteger, primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("service", String(128), nullable=False),
    Column("run_id", String(32), nullable=False),
    Column("log_file_id", String(32), nullable=False),
    Column("record_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
    # The run's contribution: template id -> [count, levels, max level, first line, first time, placeholders].
    Column("contribution", JSONB, nullable=False),
)

patterns = Table(
    "patterns",
    metadata,
    Column("owner", String(64), primary_key=True),
    Column("service", String(128), primary_key=True),
    Column("template_id", String(32), primary_key=True),
    Column("text", Text, nullable=False),
    Column("token_count", Integer, nullable=False),
    Column("lineage", ARRAY(String(32)), nullable=False),
    Column("level_counts", ARRAY(BigInteger), nullable=False),
    Column("max_level", SmallInteger, nullable=False),
    Column("first_seq", BigInteger, nullable=False),
    Column("first_record_time", DateTime(timezone=True)),
    Column("first_line", BigInteger, nullable=False),
    Column("last_seq", BigInteger, nullable=False),
    Column("run_count", BigInteger, nullable=False),
    Column("total_count", BigInteger, nullable=False),
    Column("labels", JSONB, nullable=False),
    Column("note", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("state_expire_time", DateTime(timezone=True)),
    Column("update_time", DateTime(timezone=True)),
)

# A level mix is 8 counts (report_pb2.Level 0..7); PostgreSQL arrays are 1-based.
_ADD_LEVELS = "ARRAY[" + ", ".join(f"p.level_counts[{i}] + excluded.level_counts[{i}]" for i in range(1, 9)) + "]"
_SUBTRACT_LEVELS = "ARRAY[" + ", ".join(f"p.level_counts[{i}] - (r.v->1->>{i - 1})::bigint" for i in range(1, 9)) + "]"

# One statement for all of a run's templates: arrays in, one row each out of unnest, in template-id order.
_UPSERT_PATTERNS = text(
    f"""
WITH up AS (
INSERT INTO analysis.patterns AS p (owner, service, template_id, text, token_count, lineage, level_counts, max_level,
    first_seq, first_record_time, first_line, last_seq, run_count, total_count)
SELECT :owner, :service, u.t, u.x, u.n, '{{}}'::varchar[], u.l, u.m, :seq, u.ft, u.fl, :seq, 1, u.c
FROM json_to_recordset(CAST(:rows AS json)) AS u(t text, x text, n int, l bigint[], m smallint, ft timestamptz,
    fl bigint, c bigint)
ORDER BY u.t
ON CONFLICT (owner, service, template_id) DO UPDATE SET
    level_counts = {_ADD_LEVELS},
    max_level = greatest(p.max_level, excluded.max_level),
    last_seq = greatest(p.last_seq, excluded.last_seq),
    run_count = p.run_count + 1,
    total_count = p.total_count + excluded.total_count
RETURNING p.template_id, (xmax = 0) AS inserted, p.state, p.state_expire_time
)
-- Only what is not the common case comes back: new patterns, and patterns someone gave a state.
SELECT template_id, inserted, state, state_expire_time FROM up
WHERE inserted OR state <> 'UNREVIEWED' OR state_expire_time IS NOT NULL
"""
)

# Parameters are JSON text: psycopg quotes every element of a text array with a regular expression, which cost
# more than the statements for 5,000 templates.
_INSERT_SERVICE_RUN = text(
    """
INSERT INTO analysis.service_runs (owner, service, run_id, log_file_id, contribution)
VALUES (:owner, :service, :run_id, :log_file_id, CAST(:contribution AS jsonb))
RETURNING seq, record_time
"""
)

# Take one run's contribution back out (the run's log file was deleted).
_SUBTRACT_RUN = text(
    f"""
UPDATE analysis.patterns AS p SET
    level_counts = {_SUBTRACT_LEVELS},
    run_count = p.run_count - 1,
    total_count = p.total_count - r.count
FROM (SELECT s.owner, s.service, e.key AS tid, (e.value->>0)::bigint AS count, e.value AS v
    FROM analysis.service_runs AS s, jsonb_each(s.contribution) AS e WHERE s.seq = :seq) AS r
WHERE p.owner = r.owner AND p.service = r.service AND p.template_id = r.tid
"""
)

# First/last seen and the most severe level again from the contributions that remain (a scan of the service's
# runs: deleting a log file is rare, and the runs' arrays are the only place that knows).
_RESEAT = text(
    """
UPDATE analysis.patterns AS p SET
    first_seq = f.first_seq, first_line = f.first_line, first_record_time = f.first_time,
    last_seq = f.last_seq, max_level = f.max_level
FROM (
    SELECT DISTINCT ON (e.key) e.key AS tid, s.seq AS first_seq, (e.value->>3)::bigint AS first_line,
        (e.value->>4)::timestamptz AS first_time, max(s.seq) OVER (PARTITION BY e.key) AS last_seq,
        max((e.value->>2)::smallint) OVER (PARTITION BY e.key) AS max_level
    FROM analysis.service_runs AS s, jsonb_each(s.contribution) AS e
    WHERE s.owner = :owner AND s.service = :service AND e.key IN (SELECT json_array_elements_text(CAST(:tids AS json)))
    ORDER BY e.key, s.seq
) AS f
WHERE p.owner = :owner AND p.service = :service AND p.template_id = f.tid
"""
)

_EVICT = text(
    """
WITH victims AS (
    SELECT template_id FROM analysis.patterns
    WHERE owner = :owner AND service = :service AND state = 'UNREVIEWED' AND note = '' AND labels = '{}'::jsonb
    ORDER BY last_seq, total_count, template_id LIMIT :n
)
DELETE FROM analysis.patterns AS p USING victims AS v
WHERE p.owner = :owner AND p.service = :service AND p.template_id = v.template_id
RETURNING p.template_id
"""
)


@dataclass(frozen=True)
class ServiceRecord:
    service: str
    pattern_count: int
    run_count: int
    evicted_count: int
    create_time: dt.datetime
    update_time: dt.datetime
    last_run: tuple[str, str] | None  # (log file id, run id)


@dataclass(frozen=True)
class RunRef:
    seq: int
    log_file_id: str
    run_id: str
    record_time: dt.datetime


@dataclass(frozen=True)
class PatternRecord:
    service: str
    template_id: str
    text: str
    lineage: list[str]
    level_counts: list[int]
    max_level: int
    first: RunRef
    first_record_time: dt.datetime | None
    first_line: int
    last: RunRef
    run_count: int
    total_count: int
    labels: dict[str, str]
    note: str
    state: PatternState
    state_expire_time: dt.datetime | None
    update_time: dt.datetime | None


@dataclass(frozen=True)
class PatternFilter:
    new_since_seq: int | None = None
    new_since_time: dt.datetime | None = None
    state: PatternState | None = None
    min_level: int = 0
    text_contains: str = ""


ORDER_COLUMNS = {"last_seen": "last_seq", "total_count": "total_count", "first_seen": "first_seq"}


async def merge_run(
    conn: AsyncConnection,
    owner: str,
    service: str,
    log_file_id: str,
    run_id: str,
    report: report_pb2.AnalysisReport,
    max_patterns: int,
) -> None:
    """Add a SUCCEEDED run's templates to its service's registry and mark the report against what the registry
    knew before it (new to the service, muted, important). Call inside the transaction that stores the report."""
    # The registry row first: it is the service's lock until commit.
    reg = (
        await conn.execute(
            pg_insert(service_registries)
            .values(owner=owner, service=service, pattern_count=0, run_count=1, evicted_count=0)
            .on_conflict_do_update(
                index_elements=["owner", "service"],
                set_={"run_count": service_registries.c.run_count + 1, "update_time": func.now()},
            )
            .returning(service_registries.c.run_count, service_registries.c.pattern_count)
        )
    ).one()
    earlier_runs = int(reg.run_count) - 1
    found = contributions(report)
    contribution = {
        c.template_id: [c.records, c.level_counts, c.max_level, c.first_line, c.first_record_time, c.placeholders]
        for c in found
    }
    seq, now = (
        await conn.execute(
            _INSERT_SERVICE_RUN,
            {
                "owner": owner,
                "service": service,
                "run_id": run_id,
                "log_file_id": log_file_id,
                "contribution": json.dumps(contribution, separators=(",", ":")),
            },
        )
    ).one()
    # Upserted first: the answer says which templates the registry had (and their states) and which are new.
    states: dict[str, PatternState] = {}
    unregistered: set[int] = set()
    added = 0
    if found:
        upserts = [
            {
                "t": c.template_id,
                "x": c.text,
                "n": c.token_count,
                "l": c.level_counts,
                "m": c.max_level,
                "ft": c.first_record_time,
                "fl": c.first_line,
                "c": c.records,
            }
            for c in found
        ]
        rows = await conn.execute(
            _UPSERT_PATTERNS,
            {"owner": owner, "service": service, "seq": seq, "rows": json.dumps(upserts, separators=(",", ":"))},
        )
        decided: dict[str, PatternState] = {}
        inserted_ids: set[str] = set()
        for tid, inserted, state, expire in rows:
            if inserted:
                inserted_ids.add(tid)
            else:
                decided[tid] = effective_state(state, expire, now)
        added = len(inserted_ids)
        states = {c.template_id: PatternState.UNREVIEWED for c in found if c.template_id not in inserted_ids}
        states.update(decided)
        unregistered = {c.token_count for c in found if c.template_id in inserted_ids}
    candidates: dict[str, tuple[str, ...]] = {}
    if unregistered and earlier_runs > 0:  # other wordings of the new ones, registered by earlier runs
        rows = await conn.execute(
            select(patterns.c.template_id, patterns.c.text, patterns.c.state, patterns.c.state_expire_time).where(
                patterns.c.owner == owner,
                patterns.c.service == service,
                patterns.c.token_count.in_(sorted(unregistered)),
                patterns.c.first_seq < seq,
            )
        )
        for tid, pattern_text, state, expire in rows:
            candidates[tid] = tuple(pattern_text.split())
            states.setdefault(tid, effective_state(state, expire, now))
    marked = annotate(report, service, RegistryView(earlier_runs, states, candidates))
    if not found:
        return
    for tid, earlier in sorted(marked.lineage.items()):
        await conn.execute(
            update(patterns)
            .where(patterns.c.owner == owner, patterns.c.service == service, patterns.c.template_id == tid)
            .values(lineage=earlier)
        )
    pattern_count = int(reg.pattern_count) + added
    evicted = 0
    if pattern_count > max_patterns:
        gone = await conn.execute(_EVICT, {"owner": owner, "service": service, "n": pattern_count - max_patterns})
        evicted = len({r[0] for r in gone})
    await conn.execute(
        update(service_registries)
        .where(service_registries.c.owner == owner, service_registries.c.service == service)
        .values(pattern_count=pattern_count - evicted, evicted_count=service_registries.c.evicted_count + evicted)
    )


async def remove_log_file_runs(conn: AsyncConnection, owner: str, log_file_id: str) -> None:
    """Take a deleted log file's runs back out of their service's registry (the runs' rows must be locked)."""
    recorded = (
        await conn.execute(
            select(service_runs.c.seq, service_runs.c.service)
            .where(service_runs.c.owner == owner, service_runs.c.log_file_id == log_file_id)
            .order_by(service_runs.c.seq)
        )
    ).all()
    by_service: dict[str, list[int]] = {}
    for seq, service in recorded:
        by_service.setdefault(service, []).append(seq)
    for service, seqs in sorted(by_service.items()):
        await conn.execute(
            select(service_registries.c.run_count)
            .where(service_registries.c.owner == owner, service_registries.c.service == service)
            .with_for_update()
        )
        touched = sorted(
            {
                tid
                for (tid,) in await conn.execute(
                    select(func.jsonb_object_keys(service_runs.c.contribution)).where(service_runs.c.seq.in_(seqs))
                )
            }
        )
        for seq in seqs:
            await conn.execute(_SUBTRACT_RUN, {"seq": seq})
        await conn.execute(service_runs.delete().where(service_runs.c.seq.in_(seqs)))
        gone = (
            await conn.execute(
                patterns.delete()
                .where(patterns.c.owner == owner, patterns.c.service == service, patterns.c.run_count <= 0)
                .returning(patterns.c.template_id)
            )
        ).all()
        await conn.execute(_RESEAT, {"owner": owner, "service": service, "tids": json.dumps(touched)})
        left = (
            await conn.execute(
                update(service_registries)
                .where(service_registries.c.owner == owner, service_registries.c.service == service)
                .values(
                    run_count=service_registries.c.run_count - len(seqs),
                    pattern_count=service_registries.c.pattern_count - len(gone),
                )
                .returning(service_registries.c.run_count)
            )
        ).scalar_one_or_none()
        if left is not None and left <= 0:
            await conn.execute(
                service_registries.delete().where(
                    service_registries.c.owner == owner, service_registries.c.service == service
                )
            )


# Reads and callers' changes ---------------------------------------------------------------------------


class PatternRegistryStore:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def list_services(self, owner: str, limit: int, after: str | None) -> list[ServiceRecord]:
        last = (
            select(service_runs.c.log_file_id, service_runs.c.run_id)
            .where(service_runs.c.owner == service_registries.c.owner)
            .where(service_runs.c.service == service_registries.c.service)
            .order_by(service_runs.c.seq.desc())
            .limit(1)
            .lateral()
        )
        query = (
            select(service_registries, last.c.log_file_id, last.c.run_id)
            .select_from(service_registries.outerjoin(last, text("true")))
            .where(service_registries.c.owner == owner)
        )
        if after is not None:
            query = query.where(service_registries.c.service > after)
        query = query.order_by(service_registries.c.service).limit(limit)
        async with self.engine.connect() as conn:
            return [
                ServiceRecord(
                    m["service"],
                    m["pattern_count"],
                    m["run_count"],
                    m["evicted_count"],
                    m["create_time"],
                    m["update_time"],
                    (m["log_file_id"], m["run_id"]) if m["run_id"] else None,
                )
                for m in (await conn.execute(query)).mappings()
            ]

    async def service_exists(self, owner: str, service: str) -> bool:
        async with self.engine.connect() as conn:
            found = await conn.execute(
                select(service_registries.c.run_count).where(
                    service_registries.c.owner == owner, service_registries.c.service == service
                )
            )
            return found.first() is not None

    async def run_seq(self, owner: str, service: str, log_file_id: str, run_id: str) -> int | None:
        async with self.engine.connect() as conn:
            return (
                await conn.execute(
                    select(service_runs.c.seq).where(
                        service_runs.c.owner == owner,
                        service_runs.c.service == service,
                        service_runs.c.log_file_id == log_file_id,
                        service_runs.c.run_id == run_id,
                    )
                )
            ).scalar_one_or_none()

    def _select(self) -> Any:
        first = service_runs.alias("first_run")
        last = service_runs.alias("last_run")
        return select(
            patterns,
            first.c.log_file_id.label("first_log_file_id"),
            first.c.run_id.label("first_run_id"),
            first.c.record_time.label("first_time"),
            last.c.log_file_id.label("last_log_file_id"),
            last.c.run_id.label("last_run_id"),
            last.c.record_time.label("last_time"),
        ).select_from(
            patterns.join(first, first.c.seq == patterns.c.first_seq).join(last, last.c.seq == patterns.c.last_seq)
        )

    @staticmethod
    def _record(m: Any, now: dt.datetime) -> PatternRecord:
        return PatternRecord(
            service=m["service"],
            template_id=m["template_id"],
            text=m["text"],
            lineage=list(m["lineage"]),
            level_counts=list(m["level_counts"]),
            max_level=m["max_level"],
            first=RunRef(m["first_seq"], m["first_log_file_id"], m["first_run_id"], m["first_time"]),
            first_record_time=m["first_record_time"],
            first_line=m["first_line"],
            last=RunRef(m["last_seq"], m["last_log_file_id"], m["last_run_id"], m["last_time"]),
            run_count=m["run_count"],
            total_count=m["total_count"],
            labels=dict(m["labels"]),
            note=m["note"],
            state=effective_state(m["state"], m["state_expire_time"], now),
            state_expire_time=m["state_expire_time"]
            if m["state_expire_time"] and m["state_expire_time"] > now
            else None,
            update_time=m["update_time"],
        )

    async def list_patterns(
        self,
        owner: str,
        service: str,
        flt: PatternFilter,
        order: str,
        limit: int,
        after: tuple[int, str] | None,
    ) -> list[tuple[PatternRecord, int]]:
        """A page of patterns with each one's sort key (for the next page's cursor)."""
        column = patterns.c[ORDER_COLUMNS[order]]
        query = self._select().where(patterns.c.owner == owner, patterns.c.service == service)
        now = dt.datetime.now(dt.UTC)
        if flt.new_since_seq is not None:
            query = query.where(patterns.c.first_seq > flt.new_since_seq)
        if flt.new_since_time is not None:
            first = service_runs.alias("since")
            query = query.where(
                patterns.c.first_seq.in_(
                    select(first.c.seq).where(
                        first.c.owner == owner, first.c.service == service, first.c.record_time > flt.new_since_time
                    )
                )
            )
        if flt.state is not None:
            lapsed = and_(patterns.c.state_expire_time.is_not(None), patterns.c.state_expire_time <= now)
            if flt.state is PatternState.UNREVIEWED:
                query = query.where(or_(patterns.c.state == PatternState.UNREVIEWED.value, lapsed))
            else:
                query = query.where(patterns.c.state == flt.state.value, ~lapsed)
        if flt.min_level:
            query = query.where(patterns.c.max_level >= flt.min_level)
        if flt.text_contains:
            escaped = flt.text_contains.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(patterns.c.text.ilike(f"%{escaped}%", escape="\\"))
        if after is not None:
            query = query.where(tuple_(column, patterns.c.template_id) < tuple_(*after))
        query = query.order_by(column.desc(), patterns.c.template_id.desc()).limit(limit)
        async with self.engine.connect() as conn:
            return [(self._record(m, now), m[ORDER_COLUMNS[order]]) for m in (await conn.execute(query)).mappings()]

    async def get_pattern(self, owner: str, service: str, template_id: str) -> PatternRecord | None:
        query = self._select().where(
            patterns.c.owner == owner, patterns.c.service == service, patterns.c.template_id == template_id
        )
        async with self.engine.connect() as conn:
            m = (await conn.execute(query)).mappings().first()
        return self._record(m, dt.datetime.now(dt.UTC)) if m else None

    async def history(
        self, owner: str, service: str, template_id: str, runs: int
    ) -> tuple[list[tuple[RunRef, int]], list[str]]:
        """The service's last ``runs`` runs, newest first, with the pattern's count in each (0 when absent), and
        the placeholder summaries of those runs that had it."""
        entry = service_runs.c.contribution.op("->")(template_id)
        query = (
            select(
                service_runs.c.seq,
                service_runs.c.log_file_id,
                service_runs.c.run_id,
                service_runs.c.record_time,
                entry.op("->>")(0).label("count"),
                entry.op("->>")(5).label("placeholders"),
            )
            .where(service_runs.c.owner == owner, service_runs.c.service == service)
            .order_by(service_runs.c.seq.desc())
            .limit(runs)
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        points = [
            (RunRef(m["seq"], m["log_file_id"], m["run_id"], m["record_time"]), int(m["count"] or 0)) for m in rows
        ]
        return points, [m["placeholders"] for m in rows if m["placeholders"] is not None]

    async def update_pattern(
        self, owner: str, service: str, template_id: str, change: PatternChange
    ) -> PatternRecord | None:
        values: dict[str, Any] = {"update_time": func.now()}
        if change.labels is not None:
            values["labels"] = change.labels
        if change.note is not None:
            values["note"] = change.note
        if change.state is not None:
            values["state"] = change.state.value
        if change.set_expire:
            values["state_expire_time"] = change.state_expire_time
        async with self.engine.begin() as conn:
            done = await conn.execute(
                update(patterns)
                .where(patterns.c.owner == owner, patterns.c.service == service, patterns.c.template_id == template_id)
                .values(**values)
            )
            if done.rowcount != 1:  # type: ignore[attr-defined]
                return None
        return await self.get_pattern(owner, service, template_id)

    async def muted_template_ids(self, owner: str, service: str, template_ids: list[str]) -> set[str]:
        """Which of these templates the caller muted in the service (state MUTED and not expired)."""
        if not template_ids:
            return set()
        now = dt.datetime.now(dt.UTC)
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                select(patterns.c.template_id, patterns.c.state, patterns.c.state_expire_time).where(
                    patterns.c.owner == owner,
                    patterns.c.service == service,
                    patterns.c.template_id.in_(template_ids),
                )
            )
            return {r[0] for r in rows if effective_state(r[1], r[2], now) is PatternState.MUTED}
