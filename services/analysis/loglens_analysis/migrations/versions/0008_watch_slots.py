"""Watch slots: one row per open WatchAnalysisRun stream, so the per-owner quota holds across replicas.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

SCHEMA = "analysis"


def upgrade() -> None:
    op.create_table(
        "watch_slots",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("expire_time", sa.DateTime(timezone=True), nullable=False),
        schema=SCHEMA,
    )
    op.create_index("watch_slots_owner", "watch_slots", ["owner"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("watch_slots", schema=SCHEMA)
