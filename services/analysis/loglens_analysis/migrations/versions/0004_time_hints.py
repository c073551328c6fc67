"""The upload's time hints on each known log file: zone (IANA name), year, and the upload time they refer to.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

SCHEMA = "analysis"


def upgrade() -> None:
    # Constant defaults and a nullable column: no table rewrite. Files stored before carry no hints.
    op.add_column("log_files", sa.Column("time_zone", sa.String(64), nullable=False, server_default=""), schema=SCHEMA)
    op.add_column("log_files", sa.Column("year", sa.Integer), schema=SCHEMA)
    # The upload time of a file stored before is the nearest thing known: when its stored event was recorded
    # here (milliseconds after the upload, normally), not the time of this migration.
    op.add_column("log_files", sa.Column("upload_time", sa.DateTime(timezone=True)), schema=SCHEMA)
    op.execute(f"UPDATE {SCHEMA}.log_files SET upload_time = create_time")
    op.alter_column("log_files", "upload_time", nullable=False, server_default=sa.func.now(), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("log_files", "upload_time", schema=SCHEMA)
    op.drop_column("log_files", "year", schema=SCHEMA)
    op.drop_column("log_files", "time_zone", schema=SCHEMA)
