"""The pattern registry's storage on a real PostgreSQL: a run's report merged in the transaction that stores it,
concurrent runs of one service without lost updates, a deleted log file's runs taken back out, the cap."""

from __future__ import annotations

import asyncio
import uuid

import psycopg
from sqlalchemy import text

from loglens.v1 import report_pb2
from loglens_analysis.adapters.pattern_registry import PatternFilter, PatternRegistryStore
from loglens_analysis.adapters.repository import RunRepository
from loglens_analysis.domain import AnalysisRun, StoredLogFile
from loglens_analysis.engine.miner import template_id
from loglens_common.db import async_engine


def report(counts: dict[str, int], level: int = report_pb2.LEVEL_INFO) -> bytes:
    rep = report_pb2.AnalysisReport(record_count=sum(counts.values()))
    for i, (message, n) in enumerate(counts.items()):
        rep.templates.add(
            id=template_id(message),
            text=message,
            count=n,
            levels=[report_pb2.LevelCount(level=level, count=n)],
            max_level=level,
            first_line=i + 1,
            last_line=i + 1 + n,
        )
    return rep.SerializeToString()


async def succeed_run(repository: RunRepository, owner: str, service: str, data: bytes, cap: int = 50_000) -> str:
    log_file = StoredLogFile(uuid.uuid4().hex, owner, "b", uuid.uuid4().hex, 10, False, service=service)
    assert await repository.remember_log_file(log_file)
    run, _ = await repository.create_run(log_file, 10)
    claimed = await repository.claim(run.id, 60, "test")
    assert isinstance(claimed, AnalysisRun)
    assert await repository.succeed(claimed, data, 10, 10, service, cap)
    return log_file.id


def totals(url: str, owner: str, service: str) -> dict[str, tuple[int, int]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT text, total_count, run_count FROM analysis.patterns WHERE owner = %s AND service = %s",
            (owner, service),
        ).fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def test_runs_merge_and_reports_are_marked_against_the_registry(database: str) -> None:
    owner = uuid.uuid4().hex

    async def scenario() -> list[report_pb2.AnalysisReport]:
        engine = async_engine(database, pool_size=2)
        try:
            repository = RunRepository(engine)
            await succeed_run(repository, owner, "api", report({"start <*>": 3, "stop <*>": 1}))
            await succeed_run(repository, owner, "api", report({"start <*>": 2, "cache miss key=<*>": 5}))
            out = []
            async with engine.connect() as conn:
                rows = await conn.execute(text("SELECT report FROM analysis.reports ORDER BY create_time"))
                for (data,) in rows:
                    out.append(report_pb2.AnalysisReport.FromString(data))
            return out
        finally:
            await engine.dispose()

    first, second = asyncio.run(scenario())
    assert first.service_memory.earlier_runs == 0 and not any(t.new_to_service for t in first.templates)
    assert second.service_memory.earlier_runs == 1 and second.service_memory.new_templates == 1
    assert [t.text for t in second.templates if t.new_to_service] == ["cache miss key=<*>"]
    assert totals(database, owner, "api") == {"start <*>": (5, 2), "stop <*>": (1, 1), "cache miss key=<*>": (5, 1)}


def test_twenty_concurrent_runs_of_one_service_lose_no_update(database: str) -> None:
    owner = uuid.uuid4().hex
    shared = {f"request {i} served in <*> ms": 1 for i in range(200)}
    runs = [{**{k: v * (r + 1) for k, v in shared.items()}, f"only in run {r} <*>": r + 1} for r in range(20)]

    async def scenario() -> None:
        engine = async_engine(database, pool_size=20)
        try:
            repository = RunRepository(engine)
            await asyncio.gather(*(succeed_run(repository, owner, "svc", report(c)) for c in runs))
        finally:
            await engine.dispose()

    asyncio.run(scenario())
    got = totals(database, owner, "svc")
    expected: dict[str, tuple[int, int]] = {}
    for counts in runs:
        for message, n in counts.items():
            total, seen = expected.get(message, (0, 0))
            expected[message] = (total + n, seen + 1)
    assert got == expected
    with psycopg.connect(database) as conn:
        assert conn.execute(
            "SELECT run_count, pattern_count FROM analysis.service_registries WHERE owner = %s", (owner,)
        ).fetchone() == (20, 220)


def test_deleting_a_log_file_takes_its_runs_contributions_back_out(database: str) -> None:
    owner = uuid.uuid4().hex

    async def scenario() -> None:
        engine = async_engine(database, pool_size=2)
        try:
            repository = RunRepository(engine)
            await succeed_run(repository, owner, "web", report({"GET <*> 200": 10, "GET <*> 404": 2}))
            await succeed_run(repository, owner, "web", report({"GET <*> 200": 7}, report_pb2.LEVEL_WARN))
            before = totals(database, owner, "web")
            third = await succeed_run(repository, owner, "web", report({"GET <*> 200": 4, "POST <*> 500": 1}))
            assert totals(database, owner, "web") != before
            await repository.forget_log_file(owner, third)
            assert totals(database, owner, "web") == before
            with psycopg.connect(database) as conn:
                row = conn.execute(
                    "SELECT level_counts, max_level, last_seq = (SELECT max(seq) FROM analysis.service_runs"
                    " WHERE owner = %s) FROM analysis.patterns WHERE owner = %s AND text = 'GET <*> 200'",
                    (owner, owner),
                ).fetchone()
                assert row == ([0, 0, 0, 10, 0, 7, 0, 0], report_pb2.LEVEL_WARN, True)
                assert conn.execute(
                    "SELECT run_count, pattern_count FROM analysis.service_registries WHERE owner = %s", (owner,)
                ).fetchone() == (2, 2)
            # Every run gone: the service's registry is gone too.
            for f in [
                r[0]
                for r in psycopg.connect(database).execute(
                    "SELECT id FROM analysis.log_files WHERE owner = %s", (owner,)
                )
            ]:
                await repository.forget_log_file(owner, f)
            assert totals(database, owner, "web") == {}
            store = PatternRegistryStore(engine)
            assert await store.list_services(owner, 10, None) == []
        finally:
            await engine.dispose()

    asyncio.run(scenario())


def test_the_cap_evicts_the_least_recently_seen_unreviewed_patterns(database: str) -> None:
    owner = uuid.uuid4().hex

    async def scenario() -> None:
        engine = async_engine(database, pool_size=2)
        try:
            repository = RunRepository(engine)
            store = PatternRegistryStore(engine)
            await succeed_run(repository, owner, "s", report({f"old {i} <*>": 1 for i in range(100)}), cap=150)
            await succeed_run(repository, owner, "s", report({f"new {i} <*>": 1 for i in range(80)}), cap=150)
            (service,) = await store.list_services(owner, 10, None)
            assert (service.pattern_count, service.evicted_count) == (150, 30)
            left = await store.list_patterns(owner, "s", PatternFilter(text_contains="old"), "last_seen", 1000, None)
            assert len(left) == 70
        finally:
            await engine.dispose()

    asyncio.run(scenario())
