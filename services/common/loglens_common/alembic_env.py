"""The body of every service's Alembic env.py: its own schema, its own version table."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from loglens_common.db import HIDE_PARAMETERS


def run_migrations() -> None:
    cfg = context.config
    schema = cfg.attributes["schema"]
    engine = create_engine(cfg.get_main_option("sqlalchemy.url") or "", hide_parameters=HIDE_PARAMETERS)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            version_table_schema=schema,
            include_schemas=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()
