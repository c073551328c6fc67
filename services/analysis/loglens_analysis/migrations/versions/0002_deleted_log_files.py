"""Deleted log files: a tombstone per id, so a stored event redelivered after the deleted event is ignored.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "analysis"


def upgrade() -> None:
    op.create_table(
        "deleted_log_files",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("delete_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("deleted_log_files", schema=SCHEMA)
