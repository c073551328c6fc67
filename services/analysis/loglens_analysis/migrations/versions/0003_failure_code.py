"""A machine-readable code beside each failed run's reason (ENGINE_TIME_LIMIT, INPUT_REFUSED, ...).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "analysis"


def upgrade() -> None:
    # A constant default: no table rewrite, whatever the number of runs. Runs failed before have no code.
    op.add_column("runs", sa.Column("failure_code", sa.String(32), nullable=False, server_default=""), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("runs", "failure_code", schema=SCHEMA)
