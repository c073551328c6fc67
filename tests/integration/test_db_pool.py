"""The services' connection pool on a real PostgreSQL: a connection that sat idle is checked before use (so one
that lived through a database restart is replaced, not handed to a call), a busy one is not, and the
single-statement reads run outside a transaction without leaving their connection that way for writes."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy.exc
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from loglens_common import db
from loglens_common.db import async_engine, single_statements
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
    postgres.kill()
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
