"""Run chunks: when JetStream acknowledged a step's latest message (NULL: not acknowledged, or none sent), so the
reconciler re-sends only messages that may be lost, not every chunk waiting its turn.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

SCHEMA = "analysis"


def upgrade() -> None:
    # Steps planned before this column are unacknowledged: the reconciler sends their messages once more (at least
    # once), and records the acknowledgement then.
    op.add_column("run_chunks", sa.Column("published_time", sa.DateTime(timezone=True)), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("run_chunks", "published_time", schema=SCHEMA)
