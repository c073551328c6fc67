"""The analysis run an upload started: ingest names it, so the uploader learns it from the upload's answer.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

SCHEMA = "ingest"


def upgrade() -> None:
    # Nullable, no default: no table rewrite. NULL for analyze=false and for files uploaded before.
    op.add_column("log_files", sa.Column("analysis_run_id", sa.String(32)), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("log_files", "analysis_run_id", schema=SCHEMA)
