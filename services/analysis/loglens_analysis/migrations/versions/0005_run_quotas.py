"""Quotas on runs: which runs a caller asked for (CreateAnalysisRun), and indexes for counting an owner's runs.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

SCHEMA = "analysis"


def upgrade() -> None:
    # A constant default: no table rewrite. Runs made before were started by uploads or not counted.
    op.add_column("runs", sa.Column("requested", sa.Boolean, nullable=False, server_default=sa.false()), schema=SCHEMA)
    # runs_per_hour counts an owner's requested runs of the last hour; concurrent_runs their active runs.
    op.create_index(
        "runs_requested_by_owner",
        "runs",
        ["owner", "create_time"],
        schema=SCHEMA,
        postgresql_where=sa.text("requested"),
    )
    op.create_index(
        "runs_active_by_owner",
        "runs",
        ["owner"],
        schema=SCHEMA,
        postgresql_where=sa.text("state IN ('QUEUED','RUNNING')"),
    )


def downgrade() -> None:
    op.drop_index("runs_active_by_owner", "runs", schema=SCHEMA)
    op.drop_index("runs_requested_by_owner", "runs", schema=SCHEMA)
    op.drop_column("runs", "requested", schema=SCHEMA)
