"""Log files known to analysis, analysis runs, reports.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SCHEMA = "analysis"
STATES = "('QUEUED','RUNNING','SUCCEEDED','FAILED','CANCELLED')"


def upgrade() -> None:
    op.create_table(
        "log_files",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("bucket", sa.String(63), nullable=False),
        sa.Column("object_key", sa.String(255), nullable=False),
        sa.Column("size_bytes", sa.BigInteger, nullable=False),
        sa.Column("gzip", sa.Boolean, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_table(
        "runs",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(
            "log_file_id",
            sa.String(32),
            sa.ForeignKey(f"{SCHEMA}.log_files.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("start_time", sa.DateTime(timezone=True)),
        sa.Column("finish_time", sa.DateTime(timezone=True)),
        sa.Column("heartbeat_time", sa.DateTime(timezone=True)),
        sa.Column("bytes_done", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("bytes_total", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("lines_done", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("failure_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("engine_version", sa.String(64), nullable=False, server_default=""),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("publishes", sa.Integer, nullable=False, server_default="0"),
        sa.CheckConstraint(f"state IN {STATES}", name="runs_state_known"),
        sa.CheckConstraint(
            "finish_time IS NULL OR start_time IS NULL OR finish_time >= start_time",
            name="runs_finish_after_start",
        ),
        sa.CheckConstraint("bytes_done >= 0 AND lines_done >= 0", name="runs_progress_positive"),
        schema=SCHEMA,
    )
    # At most one active run per log file: the database is the fence.
    op.create_index(
        "runs_one_active_per_log_file",
        "runs",
        ["log_file_id"],
        unique=True,
        schema=SCHEMA,
        postgresql_where=sa.text("state IN ('QUEUED','RUNNING')"),
    )
    op.create_index(
        "runs_by_log_file_newest",
        "runs",
        ["log_file_id", sa.text("create_time DESC"), sa.text("id DESC")],
        schema=SCHEMA,
    )
    op.create_index(
        "runs_active",
        "runs",
        ["state"],
        schema=SCHEMA,
        postgresql_where=sa.text("state IN ('QUEUED','RUNNING')"),
    )
    op.create_table(
        "reports",
        sa.Column(
            "run_id",
            sa.String(32),
            sa.ForeignKey(f"{SCHEMA}.runs.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("report", sa.LargeBinary, nullable=False),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_table("reports", schema=SCHEMA)
    op.drop_table("runs", schema=SCHEMA)
    op.drop_table("log_files", schema=SCHEMA)
