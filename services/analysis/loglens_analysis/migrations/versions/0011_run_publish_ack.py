"""Runs: when JetStream acknowledged a QUEUED run's latest message (NULL: not acknowledged, or none sent), so the
reconciler re-sends only messages that may be lost, not every run waiting its turn in a backlog.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

SCHEMA = "analysis"


def upgrade() -> None:
    # Runs queued before this column are unacknowledged: the reconciler sends their messages once more (at least
    # once), and records the acknowledgement then.
    op.add_column("runs", sa.Column("published_time", sa.DateTime(timezone=True)), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("runs", "published_time", schema=SCHEMA)
