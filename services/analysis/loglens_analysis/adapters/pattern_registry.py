"""The pattern registry's tables (migration 0006) and its SQL.

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

pattern_runs = Table(
    "pattern_runs",
    metadata,
    Column("seq", BigInteger, primary_key=True),
    Column("template_id", String(32), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("service", String(128), nullable=False),
    Column("count", BigInteger, nullable=False),
    Column("level_counts", ARRAY(BigInteger), nullable=False),
    Column("max_level", SmallInteger, nullable=False),
    Column("first_line", BigInteger, nullable=False),
    Column("first_record_time", DateTime(timezone=True)),
    Column("placeholders", JSONB, nullable=False),
)

# One statement for all of a run's templates: arrays in, one row each out of unnest, in template-id order.
_UPSERT_PATTERNS = text(
    """
INSERT INTO analysis.patterns AS p (owner, service, template_id, text, token_count, lineage, level_counts, max_level,
    first_seq, first_record_time, first_line, last_seq, run_count, total_count)
SELECT :owner, :service, u.tid, u.text, u.tokens, string_to_array(u.lineage, ',')::varchar[],
    string_to_array(u.levels, ',')::bigint[], u.max_level, :seq, u.first_time, u.first_line, :seq, 1, u.count
FROM unnest(CAST(:tids AS text[]), CAST(:texts AS text[]), CAST(:tokens AS int[]), CAST(:lineages AS text[]),
    CAST(:levels AS text[]), CAST(:max_levels AS int[]), CAST(:first_times AS timestamptz[]),
    CAST(:first_lines AS bigint[]), CAST(:counts AS bigint[]))
    AS u(tid, text, tokens, lineage, levels, max_level, first_time, first_line, count)
ORDER BY u.tid
ON CONFLICT (owner, service, template_id) DO UPDATE SET
    level_counts = ARRAY(SELECT a + b FROM unnest(p.level_counts, excluded.level_counts) WITH ORDINALITY
        AS x(a, b, i) ORDER BY i),
    max_level = greatest(p.max_level, excluded.max_level),
    last_seq = greatest(p.last_seq, excluded.last_seq),
    run_count = p.run_count + 1,
    total_count = p.total_count + excluded.total_count
RETURNING (xmax = 0) AS inserted
"""
)

_INSERT_PATTERN_RUNS = text(
    """
INSERT INTO analysis.pattern_runs (seq, template_id, owner, service, count, level_counts, max_level, first_line,
    first_record_time, placeholders)
SELECT :seq, u.tid, :owner, :service, u.count, string_to_array(u.levels, ',')::bigint[], u.max_level, u.first_line,
    u.first_time, u.placeholders::jsonb
FROM unnest(CAST(:tids AS text[]), CAST(:counts AS bigint[]), CAST(:levels AS text[]), CAST(:max_levels AS int[]),
    CAST(:first_lines AS bigint[]), CAST(:first_times AS timestamptz[]), CAST(:placeholders AS text[]))
    AS u(tid, count, levels, max_level, first_line, first_time, placeholders)
"""
)

# Take one run's contribution back out (the run's log file was deleted).
_SUBTRACT_RUN = text(
    """
UPDATE analysis.patterns AS p SET
    level_counts = ARRAY(SELECT a - b FROM unnest(p.level_counts, r.level_counts) WITH ORDINALITY AS x(a, b, i)
        ORDER BY i),
    run_count = p.run_count - 1,
    total_count = p.total_count - r.count
FROM analysis.pattern_runs AS r
WHERE r.seq = :seq AND p.owner = r.owner AND p.service = r.service AND p.template_id = r.template_id
"""
)

# First/last seen and the most severe level again from the contributions that remain.
_RESEAT = text(
    """
UPDATE analysis.patterns AS p SET
    (first_seq, first_line, first_record_time) = (SELECT r.seq, r.first_line, r.first_record_time
        FROM analysis.pattern_runs AS r
        WHERE r.owner = p.owner AND r.service = p.service AND r.template_id = p.template_id ORDER BY r.seq LIMIT 1),
    (last_seq, max_level) = (SELECT max(r.seq), max(r.max_level) FROM analysis.pattern_runs AS r
        WHERE r.owner = p.owner AND r.service = p.service AND r.template_id = p.template_id)
WHERE p.owner = :owner AND p.service = :service AND p.template_id = ANY(CAST(:tids AS text[]))
"""
)

_EVICT = text(
    """
WITH victims AS (
    SELECT template_id FROM analysis.patterns
    WHERE owner = :owner AND service = :service AND state = 'UNREVIEWED' AND note = '' AND labels = '{}'::jsonb
    ORDER BY last_seq, total_count, template_id LIMIT :n
), gone AS (
    DELETE FROM analysis.patterns AS p USING victims AS v
    WHERE p.owner = :owner AND p.service = :service AND p.template_id = v.template_id
    RETURNING p.template_id
)
DELETE FROM analysis.pattern_runs AS r USING gone AS g
WHERE r.owner = :owner AND r.service = :service AND r.template_id = g.template_id
RETURNING r.template_id
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


def _csv(values: list[int] | list[str]) -> str:
    return ",".join(str(v) for v in values)


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
    seq, now = (
        await conn.execute(
            pg_insert(service_runs)
            .values(owner=owner, service=service, run_id=run_id, log_file_id=log_file_id)
            .returning(service_runs.c.seq, service_runs.c.record_time)
        )
    ).one()
    found = contributions(report)
    ids = [c.template_id for c in found]
    known = await conn.execute(
        select(patterns.c.template_id, patterns.c.state, patterns.c.state_expire_time).where(
            patterns.c.owner == owner, patterns.c.service == service, patterns.c.template_id.in_(ids)
        )
    )
    states = {r[0]: effective_state(r[1], r[2], now) for r in known}
    candidates: dict[str, tuple[str, ...]] = {}
    unregistered = {c.token_count for c in found if c.template_id not in states}
    if unregistered and earlier_runs > 0:
        rows = await conn.execute(
            select(patterns.c.template_id, patterns.c.text, patterns.c.state, patterns.c.state_expire_time).where(
                patterns.c.owner == owner,
                patterns.c.service == service,
                patterns.c.token_count.in_(sorted(unregistered)),
            )
        )
        for tid, pattern_text, state, expire in rows:
            candidates[tid] = tuple(pattern_text.split())
            states.setdefault(tid, effective_state(state, expire, now))
    marked = annotate(report, service, RegistryView(earlier_runs, states, candidates))
    if not found:
        return
    params: dict[str, Any] = {
        "owner": owner,
        "service": service,
        "seq": seq,
        "tids": ids,
        "counts": [c.count for c in found],
        "levels": [_csv(c.level_counts) for c in found],
        "max_levels": [c.max_level for c in found],
        "first_lines": [c.first_line for c in found],
        "first_times": [c.first_record_time for c in found],
    }
    inserted = (
        await conn.execute(
            _UPSERT_PATTERNS,
            {
                **params,
                "texts": [c.text for c in found],
                "tokens": [c.token_count for c in found],
                "lineages": [_csv(marked.lineage.get(c.template_id, [])) for c in found],
            },
        )
    ).scalars()
    added = sum(1 for i in inserted if i)
    await conn.execute(
        _INSERT_PATTERN_RUNS,
        {**params, "placeholders": [json.dumps(c.placeholders, separators=(",", ":")) for c in found]},
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
                r[0]
                for r in await conn.execute(
                    select(pattern_runs.c.template_id)
                    .where(pattern_runs.c.seq.in_(seqs))
                    .order_by(pattern_runs.c.template_id)
                )
            }
        )
        for seq in seqs:
            await conn.execute(_SUBTRACT_RUN, {"seq": seq})
        await conn.execute(pattern_runs.delete().where(pattern_runs.c.seq.in_(seqs)))
        await conn.execute(service_runs.delete().where(service_runs.c.seq.in_(seqs)))
        gone = (
            await conn.execute(
                patterns.delete()
                .where(patterns.c.owner == owner, patterns.c.service == service, patterns.c.run_count <= 0)
                .returning(patterns.c.template_id)
            )
        ).all()
        await conn.execute(_RESEAT, {"owner": owner, "service": service, "tids": touched})
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
    ) -> tuple[list[tuple[RunRef, int]], list[Any]]:
        """The service's last ``runs`` runs, newest first, with the pattern's count in each (0 when absent), and
        the placeholder summaries of those runs that had it."""
        recent = (
            select(service_runs)
            .where(service_runs.c.owner == owner, service_runs.c.service == service)
            .order_by(service_runs.c.seq.desc())
            .limit(runs)
            .subquery()
        )
        query = (
            select(recent, pattern_runs.c.count, pattern_runs.c.placeholders)
            .select_from(
                recent.outerjoin(
                    pattern_runs,
                    and_(pattern_runs.c.seq == recent.c.seq, pattern_runs.c.template_id == template_id),
                )
            )
            .order_by(recent.c.seq.desc())
        )
        async with self.engine.connect() as conn:
            rows = (await conn.execute(query)).mappings().all()
        points = [(RunRef(m["seq"], m["log_file_id"], m["run_id"], m["record_time"]), m["count"] or 0) for m in rows]
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
