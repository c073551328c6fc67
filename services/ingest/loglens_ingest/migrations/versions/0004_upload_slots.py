"""Upload slots: one row per upload in progress, the reservation that makes per-owner quotas race-safe.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = "ingest"


def upgrade() -> None:
    op.create_table(
        "upload_slots",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("reserved_bytes", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("expire_time", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index("upload_slots_owner", "upload_slots", ["owner"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("upload_slots", schema=SCHEMA)
