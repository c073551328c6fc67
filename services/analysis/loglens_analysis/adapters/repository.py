"""The analysis schema: known log files, runs and reports. The only place with SQL for analysis, with the pattern
registry's own module (adapters/pattern_registry.py), whose writes run inside this module's transactions."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Awaitable, Callable, Collection, Mapping
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    ColumnElement,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    bindparam,
    delete,
    exists,
    func,
    insert,
    select,
    tuple_,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from loglens.v1 import report_pb2
from loglens_analysis.adapters import pattern_registry
from loglens_analysis.domain import (
    MERGE_INDEX,
    AnalysisRun,
    ChunkState,
    FailureCode,
    RunChunk,
    RunState,
    StoredLogFile,
    check_chunk_move,
    check_move,
    sources,
)
from loglens_analysis.quotas import HOUR, RunUsage
from loglens_common import metrics, names
from loglens_common.db import PointReads, compiled_sql, point_reads

SCHEMA = "analysis"
metadata = MetaData(schema=SCHEMA)

log_files = Table(
    "log_files",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("bucket", String(63), nullable=False),
    Column("object_key", String(255), nullable=False),
    Column("size_bytes", BigInteger, nullable=False),
    Column("gzip", Boolean, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("time_zone", String(64), nullable=False, server_default=""),
    Column("year", Integer),
    Column("upload_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("service", String(128), nullable=False, server_default=""),
)

# A tombstone per deleted log file: its stored event may be delivered again after its deleted event (the
# outbox re-publishes, JetStream's duplicate window has passed), and must not bring the file back.
deleted_log_files = Table(
    "deleted_log_files",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("delete_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("log_file_id", String(32), ForeignKey("log_files.id", ondelete="CASCADE"), nullable=False),
    Column("owner", String(64), nullable=False),
    Column("state", String(16), nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
    Column("start_time", DateTime(timezone=True)),
    Column("finish_time", DateTime(timezone=True)),
    Column("heartbeat_time", DateTime(timezone=True)),
    Column("bytes_done", BigInteger, nullable=False, server_default="0"),
    Column("bytes_total", BigInteger, nullable=False, server_default="0"),
    Column("lines_done", BigInteger, nullable=False, server_default="0"),
    Column("failure_reason", Text, nullable=False, server_default=""),
    Column("failure_code", String(32), nullable=False, server_default=""),
    Column("engine_version", String(64), nullable=False, server_default=""),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("publishes", Integer, nullable=False, server_default="0"),  # the reconciler's re-sends of its message
    Column("requested", Boolean, nullable=False, server_default="false"),  # asked for with CreateAnalysisRun
    # When JetStream acknowledged (stored) the run's latest message; NULL: not acknowledged, or none sent (migration
    # 0011). The outbox's mark: what queued_needing_publish trusts the stream with.
    Column("published_time", DateTime(timezone=True)),
)

reports = Table(
    "reports",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("report", LargeBinary, nullable=False),
    Column("create_time", DateTime(timezone=True), nullable=False, server_default=func.now()),
)

# The steps of a run analysed in chunks (migration 0009): one row per chunk, then one for the merge, each claimed
# and fenced like a run (state, attempts) and tied to the run's attempt that planned them. A chunk's partial
# result is stored in its row when it is DONE, in the transaction that says so; the rows go when the run leaves
# RUNNING (in the transition's transaction) or is deleted (cascade): no partial result outlives its run.
run_chunks = Table(
    "run_chunks",
    metadata,
    Column("run_id", String(32), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("idx", Integer, primary_key=True),
    Column("run_attempt", Integer, nullable=False),
    Column("start_byte", BigInteger, nullable=False),
    Column("end_byte", BigInteger, nullable=False),
    Column("merge", Boolean, nullable=False, server_default="false"),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("heartbeat_time", DateTime(timezone=True)),
    Column("publish_time", DateTime(timezone=True), nullable=False, server_default=func.now()),  # last sent
    Column("publishes", Integer, nullable=False, server_default="0"),  # the reconciler's re-sends
    # When JetStream acknowledged (stored) the step's latest message; NULL: not acknowledged, or none sent (migration
    # 0010). The outbox's mark: what chunks_needing_publish trusts the stream with.
    Column("published_time", DateTime(timezone=True)),
    Column("bytes_done", BigInteger, nullable=False, server_default="0"),
    Column("lines_done", BigInteger, nullable=False, server_default="0"),
    Column("partial", LargeBinary),
)

_STEP = [c for c in run_chunks.c if c.name != "partial"]  # a step without its partial result (read apart)

# One row per open WatchAnalysisRun stream (the per-owner quota counts them, whichever replica serves them); a
# replica that dies leaves its rows, which lapse at expire_time since the live ones renew theirs.
watch_slots = Table(
    "watch_slots",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner", String(64), nullable=False),
    Column("expire_time", DateTime(timezone=True), nullable=False),
)

ACTIVE = (RunState.QUEUED.value, RunState.RUNNING.value)
# GetAnalysisRun's read, built and compiled once (building it and its cache key on each call was a quarter of the
# read's CPU), run by PointReads.
_GET_RUN = compiled_sql(
    select(runs).where(
        runs.c.owner == bindparam("owner"), runs.c.log_file_id == bindparam("log_file_id"), runs.c.id == bindparam("id")
    )
)


def _chunk(m: object) -> RunChunk:
    row = dict(m)  # type: ignore[call-overload]
    return RunChunk(
        run_id=row["run_id"],
        index=row["idx"],
        run_attempt=row["run_attempt"],
        start=row["start_byte"],
        end=row["end_byte"],
        merge=row["merge"],
        state=ChunkState(row["state"]),
        attempts=row["attempts"],
    )


def _run(m: object) -> AnalysisRun:
    row = dict(m)  # type: ignore[call-overload]
    return AnalysisRun(
        id=row["id"],
        log_file_id=row["log_file_id"],
        owner=row["owner"],
        state=RunState(row["state"]),
        create_time=row["create_time"],
        start_time=row["start_time"],
        finish_time=row["finish_time"],
        bytes_done=row["bytes_done"],
        bytes_total=row["bytes_total"],
        lines_done=row["lines_done"],
        failure_reason=row["failure_reason"],
        failure_code=FailureCode(row["failure_code"]) if row["failure_code"] else None,
        engine_version=row["engine_version"],
        attempts=row["attempts"],
        heartbeat_time=row["heartbeat_time"],
    )


class RunRepository:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    @functools.cached_property
    def reads(self) -> PointReads:  # the API's one-statement reads: one round trip each, no SQLAlchemy per call
        return point_reads(self.engine)

    # Log files ----------------------------------------------------------------------------------
    async def remember_log_file(self, f: StoredLogFile, announced_run_id: str = "") -> bool | AnalysisRun:
        """Record a stored log file; False (and nothing recorded) when it was deleted already.

        With ``announced_run_id`` (the run ingest named in its answer to the upload) the QUEUED run is created
        under that id in the same transaction, so once analysis knows the file it knows the run, and a caller
        who holds the name never sees it missing. Returns the run when this call created it, else True.
        """
        async with self.engine.begin() as conn:
            await _lock_log_file(conn, f.id)
            gone = await conn.execute(select(deleted_log_files.c.id).where(deleted_log_files.c.id == f.id))
            if gone.first() is not None:
                return False
            await conn.execute(
                pg_insert(log_files)
                .values(
                    id=f.id,
                    owner=f.owner,
                    bucket=f.bucket,
                    object_key=f.object_key,
                    size_bytes=f.size_bytes,
                    gzip=f.gzip,
                    time_zone=f.time_zone,
                    year=f.year,
                    upload_time=f.upload_time,
                    service=f.service,
                )
                .on_conflict_do_nothing(index_elements=["id"])
            )
            if not announced_run_id:
                return True
            # A redelivered event finds its run (by id): nothing is inserted and nothing is queued again.
            created = (
                (
                    await conn.execute(
                        pg_insert(runs)
                        .values(
                            id=announced_run_id,
                            log_file_id=f.id,
                            owner=f.owner,
                            state=RunState.QUEUED.value,
                            bytes_total=f.size_bytes,
                        )
                        .on_conflict_do_nothing()
                        .returning(*runs.c)
                    )
                )
                .mappings()
                .first()
            )
        if created is None:
            return True
        _reached(RunState.QUEUED)
        return _run(created)

    async def log_file(self, owner: str, log_file_id: str) -> StoredLogFile | None:
        async with self.engine.connect() as conn:
            m = (
                (await conn.execute(select(log_files).where(log_files.c.owner == owner, log_files.c.id == log_file_id)))
                .mappings()
                .first()
            )
        if m is None:
            return None
        return StoredLogFile(
            id=m["id"],
            owner=m["owner"],
            bucket=m["bucket"],
            object_key=m["object_key"],
            size_bytes=m["size_bytes"],
            gzip=m["gzip"],
            time_zone=m["time_zone"],
            year=m["year"],
            upload_time=m["upload_time"],
            service=m["service"],
        )

    async def forget_log_file(self, owner: str, log_file_id: str) -> list[str]:
        """Cancel nothing, keep nothing: delete the log file, its runs and reports (cascade), and leave a
        tombstone so that a late stored event cannot record the file again."""
        async with self.engine.begin() as conn:
            await _lock_log_file(conn, log_file_id)
            await conn.execute(
                pg_insert(deleted_log_files)
                .values(id=log_file_id, owner=owner)
                .on_conflict_do_nothing(index_elements=["id"])
            )
            # The runs' rows locked first: a run storing its report right now commits (and its registry merge
            # with it) before its contribution is read back out, or finds the run gone and merges nothing.
            run_ids = [
                r[0]
                for r in await conn.execute(
                    select(runs.c.id).where(runs.c.log_file_id == log_file_id).order_by(runs.c.id).with_for_update()
                )
            ]
            await pattern_registry.remove_log_file_runs(conn, owner, log_file_id)
            await conn.execute(delete(log_files).where(log_files.c.owner == owner, log_files.c.id == log_file_id))
        return run_ids

    async def sweep_tombstones(self, older_than_s: float) -> int:
        """Forget tombstones older than any event that could still be delivered; how many went."""
        cutoff = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=older_than_s)
        async with self.engine.begin() as conn:
            done = await conn.execute(delete(deleted_log_files).where(deleted_log_files.c.delete_time < cutoff))
        return done.rowcount or 0

    # Runs ---------------------------------------------------------------------------------------
    async def create_run(
        self, log_file: StoredLogFile, total: int, check: Callable[[RunUsage], None] | None = None
    ) -> tuple[AnalysisRun, bool]:
        """A new QUEUED run, or the active one (True) if the log file has one. Safe under concurrency.

        With ``check`` the run is one a caller asked for: ``check`` sees the owner's usage under the owner's
        lock, in the transaction that inserts the run, and raises to refuse it.
        """
        for _ in range(5):
            active = await self.active_run(log_file.id)
            if active is not None:
                return active, True
            try:
                async with self.engine.begin() as conn:
                    if check is not None:
                        await _lock_owner(conn, log_file.owner)
                        check(await _run_usage(conn, log_file.owner))
                    m = (
                        (
                            await conn.execute(
                                insert(runs)
                                .values(
                                    id=names.new_id(),
                                    log_file_id=log_file.id,
                                    owner=log_file.owner,
                                    state=RunState.QUEUED.value,
                                    bytes_total=total,
                                    requested=check is not None,
                                )
                                .returning(*runs.c)
                            )
                        )
                        .mappings()
                        .one()
                    )
                _reached(RunState.QUEUED)
                return _run(m), False
            except IntegrityError as exc:
                if "runs_one_active_per_log_file" not in str(exc.orig):
                    raise
        raise RuntimeError("could not create or find an active run")  # pragma: no cover

    async def run_usage(self, owner: str) -> RunUsage:
        async with self.engine.connect() as conn:
            return await _run_usage(conn, owner)

    # Watch slots ----------------------------------------------------------------------------------
    async def open_watch(self, owner: str, slot_id: str, lease_s: float, check: Callable[[int], None]) -> None:
        """Take a Watch slot if ``check`` passes on the owner's open streams (under the owner's lock)."""
        async with self.engine.begin() as conn:
            await _lock_owner(conn, owner)
            await conn.execute(
                delete(watch_slots).where(watch_slots.c.owner == owner, watch_slots.c.expire_time < func.now())
            )
            check(await _open_watches(conn, owner))
            await conn.execute(
                insert(watch_slots).values(
                    id=slot_id, owner=owner, expire_time=func.now() + dt.timedelta(seconds=lease_s)
                )
            )

    async def close_watch(self, slot_id: str) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(delete(watch_slots).where(watch_slots.c.id == slot_id))

    async def renew_watches(self, slot_ids: list[str], lease_s: float) -> None:
        async with self.engine.begin() as conn:
            if slot_ids:
                await conn.execute(
                    update(watch_slots)
                    .where(watch_slots.c.id.in_(slot_ids))
                    .values(expire_time=func.now() + dt.timedelta(seconds=lease_s))
                )
            await conn.execute(delete(watch_slots).where(watch_slots.c.expire_time < func.now()))

    async def open_watches(self, owner: str) -> int:
        async with self.engine.connect() as conn:
            return await _open_watches(conn, owner)

    async def runs_by_ids(self, run_ids: list[str]) -> dict[str, AnalysisRun]:
        """The runs with these ids that exist, in one query per thousand (the Watch feed's poll)."""
        found: dict[str, AnalysisRun] = {}
        async with self.engine.connect() as conn:
            for start in range(0, len(run_ids), 1000):
                batch = run_ids[start : start + 1000]
                for m in (await conn.execute(select(runs).where(runs.c.id.in_(batch)))).mappings():
                    found[m["id"]] = _run(m)
        return found

    async def has_runs(self, log_file_id: str) -> bool:
        async with self.engine.connect() as conn:
            found = await conn.execute(select(runs.c.id).where(runs.c.log_file_id == log_file_id).limit(1))
            return found.first() is not None

    async def active_run(self, log_file_id: str) -> AnalysisRun | None:
        async with self.engine.connect() as conn:
            m = (
                (await conn.execute(select(runs).where(runs.c.log_file_id == log_file_id, runs.c.state.in_(ACTIVE))))
                .mappings()
                .first()
            )
        return _run(m) if m else None

    async def get_run(self, owner: str, log_file_id: str, run_id: str) -> AnalysisRun | None:
        m = await self.reads.one(_GET_RUN, {"owner": owner, "log_file_id": log_file_id, "id": run_id})
        return _run(m) if m else None

    async def run_by_id(self, run_id: str) -> AnalysisRun | None:
        async with self.engine.connect() as conn:
            m = (await conn.execute(select(runs).where(runs.c.id == run_id))).mappings().first()
        return _run(m) if m else None

    async def list_runs(
        self, owner: str, log_file_id: str, limit: int, after: tuple[dt.datetime, str] | None
    ) -> list[AnalysisRun]:
        query = select(runs).where(runs.c.owner == owner, runs.c.log_file_id == log_file_id)
        if after is not None:
            query = query.where(tuple_(runs.c.create_time, runs.c.id) < tuple_(*after))
        query = query.order_by(runs.c.create_time.desc(), runs.c.id.desc()).limit(limit)
        async with self.engine.connect() as conn:
            return [_run(m) for m in (await conn.execute(query)).mappings()]

    # Moves -------------------------------------------------------------------------------------------
    async def transition(
        self,
        target: RunState,
        *,
        where: ColumnElement[bool] | None = None,
        from_states: Collection[RunState] | None = None,
        held: AnalysisRun | None = None,
        values: Mapping[str, Any] | None = None,
        also: Callable[[AsyncConnection, list[AnalysisRun]], Awaitable[None]] | None = None,
    ) -> list[AnalysisRun]:
        """Move the runs matching ``where`` (or the ``held`` run, as long as no later attempt claimed it) to
        ``target``: the one place a run's state changes (its creation as QUEUED aside). The moves below (claim,
        succeed, fail, release, cancel, requeue) say which runs.

        Only runs in one of ``from_states`` move (by default every state the domain lets move to ``target``),
        so the table never holds a move the state machine forbids. A run in another state is left as it is and
        missing from the answer: a race lost to another writer (cancelled while it ran, re-claimed after a
        stall) is an answer, not an error. A move the state machine never allows (one of ``from_states``, or
        the state of the ``held`` run as its caller last read it) raises IllegalTransition before anything is
        written. ``also`` runs in the same transaction when runs moved (a success stores its report). The
        run-state metric counts the runs moved, after the commit.
        """
        allowed = sources(target) if from_states is None else from_states
        for state in allowed:
            check_move(state, target)
        conditions: list[ColumnElement[bool]] = [runs.c.state.in_([state.value for state in allowed])]
        if held is not None:
            check_move(held.state, target)
            conditions.append(_attempt(held))
        if where is not None:
            conditions.append(where)
        if len(conditions) == 1:
            raise ValueError("a transition names its runs: where, held, or both")
        changes: dict[str, Any] = {"state": target.value, **_times(target), **(values or {})}
        async with self.engine.begin() as conn:
            result = await conn.execute(update(runs).where(*conditions).values(**changes).returning(*runs.c))
            moved = [_run(m) for m in result.mappings()]
            if moved and target is not RunState.RUNNING:  # a run's steps (and partial results) end with its attempt
                await conn.execute(delete(run_chunks).where(run_chunks.c.run_id.in_([r.id for r in moved])))
            if moved and also is not None:
                await also(conn, moved)
        _reached(target, len(moved))
        return moved

    async def claim(self, run_id: str, stale_after_s: float, engine_version: str) -> AnalysisRun | None:
        """QUEUED (or RUNNING with a dead worker) -> RUNNING for this worker; None if not claimable.

        A RUNNING run whose worker went silent is first given back (RUNNING -> QUEUED, as the reconciler would
        do), then claimed like any queued run: a new attempt, which fences the silent worker out.
        """
        await self.transition(
            RunState.QUEUED, where=(runs.c.id == run_id) & _silent(stale_after_s), from_states=(RunState.RUNNING,)
        )
        claimed = await self.transition(
            RunState.RUNNING,
            where=runs.c.id == run_id,
            from_states=(RunState.QUEUED,),
            values={
                "heartbeat_time": func.now(),
                "attempts": runs.c.attempts + 1,
                "bytes_done": 0,
                "lines_done": 0,
                "engine_version": engine_version,
            },
        )
        return claimed[0] if claimed else None

    def _mine(self, run: AnalysisRun) -> ColumnElement[bool]:
        """The fence: only the worker holding this attempt of a RUNNING run may write to it."""
        return (runs.c.state == RunState.RUNNING.value) & _attempt(run)

    async def heartbeat(self, run: AnalysisRun, bytes_done: int, lines_done: int) -> bool:
        """Record progress; False when the run is no longer ours (cancelled, deleted, re-claimed)."""
        async with self.engine.begin() as conn:
            result = await conn.execute(
                update(runs)
                .where(self._mine(run))
                .values(heartbeat_time=func.now(), bytes_done=bytes_done, lines_done=lines_done)
            )
        return result.rowcount == 1  # type: ignore[attr-defined]

    async def succeed(
        self,
        run: AnalysisRun,
        report: bytes,
        bytes_done: int,
        lines_done: int,
        service: str = "",
        max_patterns: int = 0,
    ) -> bool:
        """Store a run's report (RUNNING -> SUCCEEDED, this attempt only). With a ``service``, the report is merged
        into the service's pattern registry (and marked against it) in the same transaction, which keeps at most
        ``max_patterns`` patterns."""

        async def store_report(conn: AsyncConnection, _: list[AnalysisRun]) -> None:
            data = report
            if service:
                parsed = report_pb2.AnalysisReport.FromString(report)
                await pattern_registry.merge_run(
                    conn, run.owner, service, run.log_file_id, run.id, parsed, max_patterns
                )
                data = parsed.SerializeToString()
            await conn.execute(insert(reports).values(run_id=run.id, report=data))

        moved = await self.transition(
            RunState.SUCCEEDED,
            held=run,
            from_states=(RunState.RUNNING,),
            values={"bytes_done": bytes_done, "lines_done": lines_done, "heartbeat_time": func.now()},
            also=store_report,
        )
        return bool(moved)

    async def fail(self, run: AnalysisRun, reason: str, code: FailureCode) -> bool:
        """QUEUED or RUNNING -> FAILED, unless another attempt has claimed the run since ``run`` was read."""
        moved = await self.transition(
            RunState.FAILED,
            held=run,
            values={"failure_reason": reason[:2000], "failure_code": code.value},
        )
        return bool(moved)

    async def release(self, run: AnalysisRun) -> None:
        """Give a run back to the queue after a transient failure (RUNNING -> QUEUED, this attempt only)."""
        await self.transition(RunState.QUEUED, held=run, from_states=(RunState.RUNNING,))

    async def cancel(self, owner: str, log_file_id: str, run_id: str) -> AnalysisRun | None:
        """QUEUED or RUNNING -> CANCELLED; the run as it is now (a run that finished meanwhile keeps its state)."""
        await self.transition(
            RunState.CANCELLED,
            where=(runs.c.owner == owner) & (runs.c.log_file_id == log_file_id) & (runs.c.id == run_id),
        )
        return await self.get_run(owner, log_file_id, run_id)

    async def report(self, run_id: str) -> bytes | None:
        async with self.engine.connect() as conn:
            return (await conn.execute(select(reports.c.report).where(reports.c.run_id == run_id))).scalar_one_or_none()

    async def reports(self, run_ids: list[str]) -> dict[str, bytes]:
        """Stored reports by run id (one query; runs without a report are left out)."""
        if not run_ids:
            return {}
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(reports.c.run_id, reports.c.report).where(reports.c.run_id.in_(run_ids)))
            return {r[0]: r[1] for r in rows}

    async def newest_succeeded_runs(self, owner: str, log_file_ids: list[str]) -> dict[str, AnalysisRun]:
        """The newest SUCCEEDED run of each of the owner's log files (by log file id); files without one are left
        out."""
        if not log_file_ids:
            return {}
        query = (
            select(runs)
            .where(
                runs.c.owner == owner,
                runs.c.log_file_id.in_(log_file_ids),
                runs.c.state == RunState.SUCCEEDED.value,
            )
            .order_by(runs.c.log_file_id, runs.c.finish_time.desc(), runs.c.id.desc())
            .distinct(runs.c.log_file_id)
        )
        async with self.engine.connect() as conn:
            return {m["log_file_id"]: _run(m) for m in (await conn.execute(query)).mappings()}

    # A run analysed in chunks ----------------------------------------------------------------------------
    async def start_chunks(self, run: AnalysisRun, ranges: list[tuple[int, int]], size: int) -> list[RunChunk] | None:
        """Plan a claimed run as steps: one QUEUED step per byte range ``[start, end)``, then the merge step.
        Fenced by the run's attempt: None (nothing written) when the run is no longer this attempt's. Steps an
        earlier attempt planned are replaced."""
        async with self.engine.begin() as conn:
            if not await _hold_run(conn, run):
                return None
            await conn.execute(delete(run_chunks).where(run_chunks.c.run_id == run.id))
            steps = [(index, start, end) for index, (start, end) in enumerate(ranges)] + [(MERGE_INDEX, 0, size)]
            rows = [
                {
                    "run_id": run.id,
                    "idx": index,
                    "run_attempt": run.attempts,
                    "start_byte": start,
                    "end_byte": end,
                    "merge": index == MERGE_INDEX,
                    "state": ChunkState.QUEUED.value,
                }
                for index, start, end in steps
            ]
            planned = (await conn.execute(insert(run_chunks).values(rows).returning(*_STEP))).mappings()
            chunks = sorted((_chunk(m) for m in planned), key=lambda c: (c.merge, c.index))
            await conn.execute(
                update(runs).where(_attempt(run)).values(heartbeat_time=func.now(), bytes_done=0, lines_done=0)
            )
        return chunks

    async def chunk_transition(
        self,
        conn: AsyncConnection,
        target: ChunkState,
        *,
        from_states: Collection[ChunkState],
        where: ColumnElement[bool],
        values: Mapping[str, Any] | None = None,
    ) -> list[RunChunk]:
        """Move the steps matching ``where`` and in one of ``from_states`` to ``target``, in the caller's
        transaction: the one place a step's state changes (its planning as QUEUED aside). A move the domain
        forbids raises before anything is written; a step in another state is left as it is (a race lost)."""
        for state in from_states:
            check_chunk_move(state, target)
        result = await conn.execute(
            update(run_chunks)
            .where(run_chunks.c.state.in_([state.value for state in from_states]), where)
            .values(state=target.value, **(values or {}))
            .returning(*_STEP)
        )
        return [_chunk(m) for m in result.mappings()]

    async def claim_chunk(
        self, run_id: str, run_attempt: int, index: int, stale_after_s: float
    ) -> tuple[AnalysisRun, RunChunk] | None:
        """A step of the run's attempt ``run_attempt``, RUNNING for this worker (a new attempt of the step), with
        its run; None when not claimable: the run is no longer RUNNING in that attempt (cancelled, deleted,
        failed, done), the step is DONE or held by a live worker, or it is the merge and a chunk is not DONE.
        A RUNNING step whose worker went silent is given back first (RUNNING -> QUEUED), then claimed."""
        step = (run_chunks.c.run_id == run_id) & (run_chunks.c.idx == index) & (run_chunks.c.run_attempt == run_attempt)
        async with self.engine.begin() as conn:
            m = (
                (
                    await conn.execute(
                        select(runs)
                        .where(
                            runs.c.id == run_id, runs.c.state == RunState.RUNNING.value, runs.c.attempts == run_attempt
                        )
                        .with_for_update()
                    )
                )
                .mappings()
                .first()
            )
            if m is None:
                return None
            run = _run(m)
            pending = exists(
                select(run_chunks.c.idx).where(
                    run_chunks.c.run_id == run_id,
                    run_chunks.c.run_attempt == run_attempt,
                    ~run_chunks.c.merge,
                    run_chunks.c.state != ChunkState.DONE.value,
                )
            )
            ready = step & (~run_chunks.c.merge | ~pending)
            await self.chunk_transition(
                conn,
                ChunkState.QUEUED,
                from_states=(ChunkState.RUNNING,),
                where=ready & _chunk_silent(stale_after_s),
            )
            claimed = await self.chunk_transition(
                conn,
                ChunkState.RUNNING,
                from_states=(ChunkState.QUEUED,),
                where=ready,
                values={
                    "attempts": run_chunks.c.attempts + 1,
                    "heartbeat_time": func.now(),
                    "bytes_done": 0,
                    "lines_done": 0,
                },
            )
            if not claimed:
                return None
            await conn.execute(update(runs).where(_attempt(run)).values(heartbeat_time=func.now()))
        return run, claimed[0]

    async def chunk_heartbeat(self, run: AnalysisRun, chunk: RunChunk, bytes_done: int, lines_done: int) -> bool:
        """Record a step's progress, and the run's as the sum over its chunks (which keeps the run alive); False
        when the step is no longer this worker's (the run cancelled, deleted, failed; the step re-claimed)."""
        async with self.engine.begin() as conn:
            if not await _hold_run(conn, run):
                return False
            result = await conn.execute(
                update(run_chunks)
                .where(_chunk_mine(chunk))
                .values(heartbeat_time=func.now(), bytes_done=bytes_done, lines_done=lines_done)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                return False
            await _sum_progress(conn, run)
        return True

    async def finish_chunk(
        self, run: AnalysisRun, chunk: RunChunk, partial: bytes, bytes_done: int, lines_done: int
    ) -> bool | None:
        """Store a chunk's partial result (RUNNING -> DONE, this attempt of the step and of the run only) and add
        its progress to the run's. True when it was the run's last chunk (the merge may start), False when
        others remain, None when the step is no longer this worker's (nothing stored)."""
        async with self.engine.begin() as conn:
            if not await _hold_run(conn, run):  # the run's row locked: one of its chunks finishes at a time
                return None
            done = await self.chunk_transition(
                conn,
                ChunkState.DONE,
                from_states=(ChunkState.RUNNING,),
                where=_chunk_mine(chunk),
                values={
                    "partial": partial,
                    "bytes_done": bytes_done,
                    "lines_done": lines_done,
                    "heartbeat_time": func.now(),
                },
            )
            if not done:
                return None
            await _sum_progress(conn, run)
            remaining = await conn.execute(
                select(func.count()).where(
                    run_chunks.c.run_id == run.id,
                    run_chunks.c.run_attempt == run.attempts,
                    ~run_chunks.c.merge,
                    run_chunks.c.state != ChunkState.DONE.value,
                )
            )
            return int(remaining.scalar_one()) == 0

    async def release_chunk(self, chunk: RunChunk) -> None:
        """Give a step back after a transient failure (RUNNING -> QUEUED, this attempt of the step only)."""
        async with self.engine.begin() as conn:
            await self.chunk_transition(
                conn, ChunkState.QUEUED, from_states=(ChunkState.RUNNING,), where=_chunk_mine(chunk)
            )

    async def chunk_count(self, run: AnalysisRun) -> int:
        """How many chunks (the merge step aside) the run's attempt was cut into."""
        async with self.engine.connect() as conn:
            found = await conn.execute(
                select(func.count()).where(
                    run_chunks.c.run_id == run.id, run_chunks.c.run_attempt == run.attempts, ~run_chunks.c.merge
                )
            )
            return int(found.scalar_one())

    async def partial(self, run: AnalysisRun, index: int) -> bytes | None:
        """Chunk ``index``'s partial result, while the run is RUNNING in the attempt that planned it."""
        async with self.engine.connect() as conn:
            found = await conn.execute(
                select(run_chunks.c.partial).where(
                    run_chunks.c.run_id == run.id,
                    run_chunks.c.run_attempt == run.attempts,
                    run_chunks.c.idx == index,
                    run_chunks.c.state == ChunkState.DONE.value,
                    exists(select(runs.c.id).where(_attempt(run), runs.c.state == RunState.RUNNING.value)),
                )
            )
            return found.scalar_one_or_none()

    async def requeue_stale_chunks(self, stale_after_s: float) -> int:
        """RUNNING steps whose worker stopped heartbeating go back to QUEUED (their messages come again)."""
        async with self.engine.begin() as conn:
            moved = await self.chunk_transition(
                conn, ChunkState.QUEUED, from_states=(ChunkState.RUNNING,), where=_chunk_silent(stale_after_s)
            )
        return len(moved)

    async def chunk_messages_published(self, sent: Collection[tuple[str, int, int, int]]) -> None:
        """Record that JetStream acknowledged these steps' messages: (run id, run attempt, step index, generation:
        0 for the planner's message, else the reconciler's publish count). A step sent again since is left alone."""
        if not sent:
            return
        async with self.engine.begin() as conn:
            await conn.execute(
                update(run_chunks)
                .where(
                    tuple_(run_chunks.c.run_id, run_chunks.c.run_attempt, run_chunks.c.idx, run_chunks.c.publishes).in_(
                        list(sent)
                    )
                )
                .values(published_time=func.now())
            )

    async def chunks_needing_publish(
        self, older_than_s: float, work_queue_empty: bool = False, limit: int = 500
    ) -> list[tuple[AnalysisRun, int, int]]:
        """The QUEUED steps (a merge step only once its chunks are DONE) whose message may be lost, claimed for a
        re-send: (run, step index, generation: the publish count the re-sent message's id carries).

        The rule, as for any JetStream work queue: a message JetStream acknowledged stays in the stream until a
        worker settles it, however long it waits behind others. So a step is re-sent only when

        - its latest message was sent but never acknowledged (NATS away, or the sender died before it recorded
          the acknowledgement: the outbox's case), ``older_than_s`` after it was sent;
        - it was claimed before and given back (its worker died, stalled or failed): its message may have been
          settled by the worker that lost the step (a stalled one acks once fenced out), so after ``older_than_s``
          since its last send or heartbeat, doubling with each re-send up to 16 times (a redelivery of a message
          still held, due within the ack wait or a retry's backoff, usually claims it first); or
        - the work queue holds nothing at all (``work_queue_empty``: the runs' consumer has no message pending
          and none waiting for an ack or a redelivery), so no message can bring it to a worker any more (deleted
          or purged from the stream, aged out, past its delivery bound), ``older_than_s`` after it was last seen.

        A chunk waiting its turn in a backlog (acknowledged, never claimed) is never re-sent while the queue holds
        work. A step claimed here counts as unacknowledged until the re-send's acknowledgement is recorded
        (chunk_messages_published). A merge step has no message of its own (the last chunk's claims it) until
        this sends one."""
        other = run_chunks.alias("other")
        pending = exists(
            select(other.c.idx).where(
                other.c.run_id == run_chunks.c.run_id,
                other.c.run_attempt == run_chunks.c.run_attempt,
                ~other.c.merge,
                other.c.state != ChunkState.DONE.value,
            )
        )
        sent = ~run_chunks.c.merge | (run_chunks.c.publishes > 0)
        lost = _message_may_be_lost(
            unacknowledged=sent & run_chunks.c.published_time.is_(None),
            sent_at=run_chunks.c.publish_time,
            last_seen=func.greatest(run_chunks.c.publish_time, run_chunks.c.heartbeat_time),  # NULLs ignored
            publishes=run_chunks.c.publishes,
            attempts=run_chunks.c.attempts,
            older_than_s=older_than_s,
            work_queue_empty=work_queue_empty,
        )
        async with self.engine.begin() as conn:
            rows = await conn.execute(
                update(run_chunks)
                .where(
                    tuple_(run_chunks.c.run_id, run_chunks.c.idx).in_(
                        select(run_chunks.c.run_id, run_chunks.c.idx)
                        .where(run_chunks.c.state == ChunkState.QUEUED.value, ~run_chunks.c.merge | ~pending, lost)
                        .limit(limit)
                        .with_for_update(skip_locked=True)
                    )
                )
                .values(publishes=run_chunks.c.publishes + 1, publish_time=func.now(), published_time=None)
                .returning(run_chunks.c.run_id, run_chunks.c.idx, run_chunks.c.run_attempt, run_chunks.c.publishes)
            )
            found = [(r[0], r[1], r[2], r[3]) for r in rows]
            by_id = {
                m["id"]: _run(m)
                for m in (
                    await conn.execute(
                        select(runs).where(runs.c.id.in_({f[0] for f in found}), runs.c.state == RunState.RUNNING.value)
                    )
                ).mappings()
            }
        return [
            (by_id[run_id], index, publishes)
            for run_id, index, attempt, publishes in found
            if run_id in by_id and by_id[run_id].attempts == attempt
        ]

    # Reconciliation -----------------------------------------------------------------------------
    async def requeue_stale(self, stale_after_s: float) -> int:
        """RUNNING runs whose worker stopped heartbeating go back to QUEUED."""
        moved = await self.transition(RunState.QUEUED, where=_silent(stale_after_s), from_states=(RunState.RUNNING,))
        return len(moved)

    async def run_messages_published(self, sent: Collection[tuple[str, int]]) -> None:
        """Record that JetStream acknowledged these runs' messages: (run id, generation: 0 for the message sent when
        the run was queued, else the reconciler's publish count). A run sent again since is left alone."""
        if not sent:
            return
        async with self.engine.begin() as conn:
            await conn.execute(
                update(runs)
                .where(tuple_(runs.c.id, runs.c.publishes).in_(list(sent)))
                .values(published_time=func.now())
            )

    async def queued_needing_publish(
        self, older_than_s: float, work_queue_empty: bool = False, limit: int = 100
    ) -> list[tuple[str, int]]:
        """The QUEUED runs whose message may be lost, claimed for a re-send: (run id, generation: the publish count
        the re-sent message's id carries).

        The rule is chunks_needing_publish's: a message JetStream acknowledged stays in the stream until a worker
        settles it, however long it waits behind others (a backlog of uploads on one or two worker slots). So a
        run is re-sent only when

        - its latest message was sent but never acknowledged (NATS away when it was queued, or the sender died
          before it recorded the acknowledgement: the outbox's case), ``older_than_s`` after it was sent;
        - it was claimed before and given back (its worker died, stalled or failed): its message may have been
          settled by the worker that lost the run (a stalled one acks once fenced out), so after ``older_than_s``
          since its last send or heartbeat, doubling with each re-send up to 16 times (a redelivery of a message
          still held, due within the ack wait or a retry's backoff, usually claims it first); or
        - the work queue holds nothing at all (``work_queue_empty``: the runs' consumer has no message pending
          and none waiting for an ack or a redelivery), so no message can bring it to a worker any more (deleted
          or purged from the stream, aged out, past its delivery bound), ``older_than_s`` after it was last seen.

        A run waiting its turn (acknowledged, never claimed) is never re-sent while the queue holds work. A run
        claimed here counts as unacknowledged until the re-send's acknowledgement is recorded
        (run_messages_published). For a QUEUED run, ``heartbeat_time`` is its last send or its worker's last
        heartbeat (claims and re-sends set it), ``create_time`` before either."""
        last_seen = func.coalesce(runs.c.heartbeat_time, runs.c.create_time)
        lost = _message_may_be_lost(
            unacknowledged=runs.c.published_time.is_(None),
            sent_at=last_seen,
            last_seen=last_seen,
            publishes=runs.c.publishes,
            attempts=runs.c.attempts,
            older_than_s=older_than_s,
            work_queue_empty=work_queue_empty,
        )
        async with self.engine.begin() as conn:
            rows = await conn.execute(
                update(runs)
                .where(
                    runs.c.id.in_(
                        select(runs.c.id)
                        .where(runs.c.state == RunState.QUEUED.value, lost)
                        .order_by(last_seen)
                        .limit(limit)
                        .with_for_update(skip_locked=True)
                    )
                )
                .values(publishes=runs.c.publishes + 1, heartbeat_time=func.now(), published_time=None)
                .returning(runs.c.id, runs.c.publishes)
            )
            return [(r[0], r[1]) for r in rows]

    async def count_by_state(self) -> dict[str, int]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(select(runs.c.state, func.count()).group_by(runs.c.state))
            return {r[0]: int(r[1]) for r in rows}


def _message_may_be_lost(
    *,
    unacknowledged: ColumnElement[bool],
    sent_at: Any,
    last_seen: Any,
    publishes: Any,
    attempts: Any,
    older_than_s: float,
    work_queue_empty: bool,
) -> ColumnElement[bool]:
    """The re-send rule of a QUEUED run's or chunk step's message (queued_needing_publish, chunks_needing_publish
    say it in full): its latest send never acknowledged, ``older_than_s`` after ``sent_at``; or claimed before and
    given back, ``older_than_s`` after ``last_seen`` doubled per re-send (up to 16 times); or, when the work queue
    holds nothing at all, ``older_than_s`` after ``last_seen``."""
    now = func.now()
    wait = func.make_interval(0, 0, 0, 0, 0, 0, older_than_s)
    doubled = func.make_interval(0, 0, 0, 0, 0, 0, older_than_s * func.power(2, func.least(publishes, 4)))
    lost = (unacknowledged & (sent_at < now - wait)) | ((attempts > 0) & (last_seen < now - doubled))
    return lost | (last_seen < now - wait) if work_queue_empty else lost


def _attempt(run: AnalysisRun) -> ColumnElement[bool]:
    """This attempt of the run: a later claim (a new attempt) fences out whoever holds an older one."""
    return (runs.c.id == run.id) & (runs.c.attempts == run.attempts)


def _silent(stale_after_s: float) -> ColumnElement[bool]:
    """Runs whose worker has not heartbeated for ``stale_after_s``: presumed dead. A run analysed in chunks (its
    attempt has steps) is never silent as a whole: its steps are claimed, re-driven and fenced one by one
    (chunk_claim, requeue_stale_chunks), and a step that keeps failing FAILS the run."""
    chunked = exists(
        select(run_chunks.c.idx).where(run_chunks.c.run_id == runs.c.id, run_chunks.c.run_attempt == runs.c.attempts)
    )
    return (runs.c.heartbeat_time < func.now() - dt.timedelta(seconds=stale_after_s)) & ~chunked


def _chunk_silent(stale_after_s: float) -> ColumnElement[bool]:
    """Steps whose worker has not heartbeated for ``stale_after_s``: presumed dead."""
    return run_chunks.c.heartbeat_time < func.now() - dt.timedelta(seconds=stale_after_s)


def _chunk_mine(chunk: RunChunk) -> ColumnElement[bool]:
    """The fence of a step: only the worker holding this attempt of it, RUNNING, may write to it."""
    return (
        (run_chunks.c.run_id == chunk.run_id)
        & (run_chunks.c.idx == chunk.index)
        & (run_chunks.c.run_attempt == chunk.run_attempt)
        & (run_chunks.c.attempts == chunk.attempts)
        & (run_chunks.c.state == ChunkState.RUNNING.value)
    )


async def _hold_run(conn: AsyncConnection, run: AnalysisRun) -> bool:
    """Lock the run's row until commit if it is still RUNNING in this attempt: the run's fence for its steps, and
    what serialises their completions (exactly one of them sees the last chunk DONE)."""
    found = await conn.execute(
        select(runs.c.id).where(_attempt(run), runs.c.state == RunState.RUNNING.value).with_for_update()
    )
    return found.first() is not None


async def _sum_progress(conn: AsyncConnection, run: AnalysisRun) -> None:
    """The run's progress is the sum over its chunks; recording it is the run's heartbeat."""
    chunk_sum = select(
        func.coalesce(func.sum(run_chunks.c.bytes_done), 0), func.coalesce(func.sum(run_chunks.c.lines_done), 0)
    ).where(run_chunks.c.run_id == run.id, run_chunks.c.run_attempt == run.attempts, ~run_chunks.c.merge)
    bytes_done, lines_done = (await conn.execute(chunk_sum)).one()
    await conn.execute(
        update(runs)
        .where(_attempt(run))
        .values(heartbeat_time=func.now(), bytes_done=bytes_done, lines_done=lines_done)
    )


def _times(target: RunState) -> dict[str, Any]:
    """The times a move sets: a run has a start time once it ran or ended, a finish time once it ended.

    now() is the transaction's start: a cancellation whose transaction began before a claim that committed first
    waits for the row, then finds a start time later than its own now(). The finish time is never before the
    start time (runs_finish_after_start), so it is the later of the two."""
    if target is RunState.QUEUED:
        return {}
    start = func.coalesce(runs.c.start_time, func.now())
    started = {"start_time": start}
    return {**started, "finish_time": func.greatest(func.now(), start)} if target.terminal else started


def _reached(state: RunState, runs_moved: int = 1) -> None:
    """The run-state metric, counted here only: runs reaching ``state`` (created QUEUED, or moved)."""
    if runs_moved:
        metrics.RUNS_BY_STATE.labels(state.value).inc(runs_moved)


async def _lock_log_file(conn: AsyncConnection, log_file_id: str) -> None:
    """Serialise a file's stored and deleted events (two workers may hold one each) until commit."""
    await conn.execute(select(func.pg_advisory_xact_lock(func.hashtext("analysis.log_file:" + log_file_id))))


async def _lock_owner(conn: AsyncConnection, owner: str) -> None:
    """Serialise the run-quota checks of one owner until commit."""
    await conn.execute(select(func.pg_advisory_xact_lock(func.hashtext("analysis.owner:" + owner))))


async def _run_usage(conn: AsyncConnection, owner: str) -> RunUsage:
    now = (await conn.execute(select(func.now()))).scalar_one()
    active = (
        await conn.execute(select(func.count()).where(runs.c.owner == owner, runs.c.state.in_(ACTIVE)))
    ).scalar_one()
    requested, oldest = (
        await conn.execute(
            select(func.count(), func.min(runs.c.create_time)).where(
                runs.c.owner == owner, runs.c.requested, runs.c.create_time > now - HOUR
            )
        )
    ).one()
    return RunUsage(active_runs=int(active), requested_last_hour=int(requested), oldest_requested=oldest, now=now)


async def _open_watches(conn: AsyncConnection, owner: str) -> int:
    found = await conn.execute(
        select(func.count()).where(watch_slots.c.owner == owner, watch_slots.c.expire_time >= func.now())
    )
    return int(found.scalar_one())
