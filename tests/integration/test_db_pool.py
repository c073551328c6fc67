"""The services' connection pools on a real PostgreSQL: a connection that sat idle is checked before use (so one
that lived through a database restart is replaced, not handed to a call), a busy one is not, and the
single-statement reads run outside a transaction without leaving their connection that way for writes. The same
for PointReads (the API's point reads on psycopg connections of their own), which also keeps to its size and is
closed with its engine."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
import sqlalchemy.exc
from sqlalchemy import Integer, bindparam, func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from loglens_common import db
from loglens_common.db import async_engine, compiled_sql, point_reads, single_statements
from loglens_common.outages import dependency_down
from loglens_devstack.servers import Postgres


@pytest.fixture(scope="module")
def postgres() -> Iterator[Postgres]:
    root = Path(tempfile.mkdtemp(prefix="loglens-db-pool-"))
    server = Postgres(root)
    try:
        server.start()
        yield server
    finally:
        server.stop()
        shutil.rmtree(root, ignore_errors=True)


def restart(postgres: Postgres) -> None:
    url = postgres.url
    postgres.kill()
    # The server is really away (the chaos suite's outage hangs on it): a new connection is refused.
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(url, connect_timeout=5).close()
    postgres.start()


def test_an_idle_connection_that_outlived_a_restart_is_replaced_before_use(
    postgres: Postgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # every pooled connection counts as idle

    async def read(engine: AsyncEngine, n: int) -> int:
        async with engine.connect() as conn:
            await asyncio.sleep(0.05)  # held a moment, so that concurrent reads use different connections
            return int((await conn.execute(text(f"SELECT {n}"))).scalar_one())

    async def scenario() -> list[int]:
        engine = async_engine(postgres.url, pool_size=2)
        try:
            await asyncio.gather(read(engine, 0), read(engine, 0))  # two connections in the pool
            await asyncio.to_thread(restart, postgres)
            # Both pooled connections are dead: found out by a ping at checkout and replaced before a read uses them.
            return list(await asyncio.gather(read(engine, 1), read(engine, 2)))
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == [1, 2]


def test_a_busy_connection_is_not_pinged_and_a_broken_one_fails_as_unavailable_once(
    postgres: Postgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 3600.0)  # no pooled connection counts as idle

    async def scenario() -> tuple[str | None, int]:
        engine = async_engine(postgres.url, pool_size=1)
        try:
            async with engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            await asyncio.to_thread(restart, postgres)
            down = None
            try:
                async with engine.connect() as conn:
                    await conn.execute(text("SELECT 1"))
            except sqlalchemy.exc.DBAPIError as exc:
                down = dependency_down(exc)  # what the interceptor answers: UNAVAILABLE, retry shortly
            async with engine.connect() as conn:  # the pool was replaced: the next call works
                return down, int((await conn.execute(text("SELECT 2"))).scalar_one())
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == ("database", 2)


def test_single_statement_reads_run_on_their_own_and_leave_the_connection_transactional(postgres: Postgres) -> None:
    async def scenario() -> tuple[bool, bool, list[int]]:
        engine = async_engine(postgres.url, pool_size=1)  # one connection: the reads and the write share it
        try:
            async with engine.begin() as conn:
                await conn.execute(text("CREATE TABLE IF NOT EXISTS pool_probe (n int)"))
            async with single_statements(engine).connect() as conn:
                first = (await conn.execute(text("SELECT now()"))).scalar_one()
                await asyncio.sleep(0.01)
                second = (await conn.execute(text("SELECT now()"))).scalar_one()
                own_transactions = first != second  # now() is the transaction's start: two transactions
            async with engine.connect() as conn:
                first = (await conn.execute(text("SELECT now()"))).scalar_one()
                await asyncio.sleep(0.01)
                second = (await conn.execute(text("SELECT now()"))).scalar_one()
                one_transaction = first == second
            with pytest.raises(RuntimeError):
                async with engine.begin() as conn:
                    await conn.execute(text("INSERT INTO pool_probe VALUES (1)"))
                    raise RuntimeError("roll back")
            async with single_statements(engine).connect() as conn:
                rows = [int(r[0]) for r in await conn.execute(text("SELECT n FROM pool_probe"))]
            return own_transactions, one_transaction, rows
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == (True, True, [])


# PointReads: the API's one-statement reads on psycopg connections of their own, under the same rules.


async def _backends(postgres: Postgres, application: str) -> int:
    """How many connections of ``application`` the server has open."""
    async with await psycopg.AsyncConnection.connect(postgres.url, autocommit=True) as admin:
        cursor = await admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s", (application,)
        )
        row = await cursor.fetchone()
        assert row is not None
        return int(row[0])


def _engine(postgres: Postgres, application: str, pool_size: int) -> AsyncEngine:
    separator = "&" if "?" in postgres.url else "?"
    return async_engine(f"{postgres.url}{separator}application_name={application}", pool_size=pool_size)


def test_point_reads_keep_to_the_pool_size_and_are_closed_with_the_engine(postgres: Postgres) -> None:
    async def scenario() -> tuple[list[int], int, int, int, int]:
        engine = _engine(postgres, "point-reads-size", pool_size=2)
        reads = point_reads(engine)
        assert point_reads(engine) is reads  # one per engine
        # held a moment, so that the reads overlap
        sql = compiled_sql(select(bindparam("n", type_=Integer).label("n"), func.pg_sleep(bindparam("pause"))))
        try:
            rows = await asyncio.gather(*(reads.one(sql, {"n": n, "pause": 0.02}) for n in range(10)))
            open_while_serving = await _backends(postgres, "point-reads-size")
        finally:
            await engine.dispose()
        open_after_dispose = await _backends(postgres, "point-reads-size")
        # As the engine itself after dispose(): usable again, on a new connection, closed by the next dispose().
        again = await reads.one(sql, {"n": 10, "pause": 0})
        assert again is not None
        open_again = await _backends(postgres, "point-reads-size")
        await engine.dispose()
        return (
            [int(r["n"]) for r in [*rows, again] if r is not None],
            open_while_serving,
            open_after_dispose,
            open_again,
            await _backends(postgres, "point-reads-size"),
        )

    values, open_while_serving, open_after_dispose, open_again, open_at_end = asyncio.run(scenario())
    assert values == list(range(11))  # ten concurrent reads, served in turn by two connections, then one more
    assert (open_while_serving, open_after_dispose, open_again, open_at_end) == (2, 0, 1, 0)


def test_point_reads_replace_idle_connections_that_outlived_a_restart(
    postgres: Postgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 0.0)  # every pooled connection counts as idle

    async def scenario() -> list[int]:
        engine = async_engine(postgres.url, pool_size=2)
        reads = point_reads(engine)
        sql = "SELECT %(n)s::int AS n FROM pg_sleep(0.05)"  # held a moment: concurrent reads use two connections
        try:
            await asyncio.gather(reads.one(sql, {"n": 0}), reads.one(sql, {"n": 0}))
            await asyncio.to_thread(restart, postgres)
            rows = await asyncio.gather(reads.one(sql, {"n": 1}), reads.one(sql, {"n": 2}))
            return [int(r["n"]) for r in rows if r is not None]
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == [1, 2]


def test_a_point_read_on_a_broken_connection_fails_as_unavailable_once(
    postgres: Postgres, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "PING_AFTER_IDLE_S", 3600.0)  # no pooled connection counts as idle: no ping saves it

    async def scenario() -> tuple[str | None, int]:
        engine = async_engine(postgres.url, pool_size=1)
        reads = point_reads(engine)
        try:
            await reads.one("SELECT 1 AS n", {})
            await asyncio.to_thread(restart, postgres)
            down = None
            try:
                await reads.one("SELECT 1 AS n", {})
            except psycopg.Error as exc:
                down = dependency_down(exc)  # what the interceptor answers: UNAVAILABLE, retry shortly
            row = await reads.one("SELECT 2 AS n", {})  # a new connection: the next call works
            assert row is not None
            return down, int(row["n"])
        finally:
            await engine.dispose()

    assert asyncio.run(scenario()) == ("database", 2)


def test_a_point_read_that_fails_on_its_statement_keeps_its_connection(postgres: Postgres) -> None:
    async def scenario() -> tuple[int, int]:
        engine = _engine(postgres, "point-reads-error", pool_size=1)
        reads = point_reads(engine)
        try:
            pid = (await reads.one("SELECT pg_backend_pid() AS pid", {}) or {})["pid"]
            with pytest.raises(psycopg.errors.DivisionByZero):
                await reads.one("SELECT 1 / %(zero)s::int AS n", {"zero": 0})
            again = (await reads.one("SELECT pg_backend_pid() AS pid", {}) or {})["pid"]
            return pid, again
        finally:
            await engine.dispose()

    pid, again = asyncio.run(scenario())
    assert pid == again
