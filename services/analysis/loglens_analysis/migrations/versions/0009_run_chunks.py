"""Run chunks: the steps of a run analysed in chunks (one per chunk, then the merge), with their partial results.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

SCHEMA = "analysis"


def upgrade() -> None:
    op.create_table(
        "run_chunks",
        sa.Column("run_id", sa.String(32), sa.ForeignKey(f"{SCHEMA}.runs.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("idx", sa.Integer, primary_key=True),
        sa.Column("run_attempt", sa.Integer, nullable=False),
        sa.Column("start_byte", sa.BigInteger, nullable=False),
        sa.Column("end_byte", sa.BigInteger, nullable=False),
        sa.Column("merge", sa.Boolean, nullable=False, server_default="false"),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("heartbeat_time", sa.DateTime(timezone=True)),
        sa.Column("publish_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("publishes", sa.Integer, nullable=False, server_default="0"),
        sa.Column("bytes_done", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("lines_done", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("partial", sa.LargeBinary),
        schema=SCHEMA,
    )
    # The reconciler's scans: stalled steps, and queued steps whose message may be lost.
    op.create_index("run_chunks_state", "run_chunks", ["state", "heartbeat_time"], schema=SCHEMA)


def downgrade() -> None:
    op.drop_table("run_chunks", schema=SCHEMA)
