"""The upload's time hints: a zone (IANA name) for zone-less times and a year for year-less ones.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "ingest"


def upgrade() -> None:
    # A constant default and a nullable column: no table rewrite. Files uploaded before carry no hints.
    # The ranges are checked where every upload rule is, in loglens_ingest.domain.
    op.add_column("log_files", sa.Column("time_zone", sa.String(64), nullable=False, server_default=""), schema=SCHEMA)
    op.add_column("log_files", sa.Column("year", sa.Integer), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("log_files", "year", schema=SCHEMA)
    op.drop_column("log_files", "time_zone", schema=SCHEMA)
