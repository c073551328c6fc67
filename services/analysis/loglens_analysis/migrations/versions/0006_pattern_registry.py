"""The pattern registry: per owner and service, every template seen in a SUCCEEDED run, across runs.

``service_registries`` has one row per (owner, service): its counts, and it is the row a run's merge locks first
(so merges of one service queue behind each other for the few milliseconds of their upserts, and never deadlock).
``service_runs`` numbers the contributing runs of a service (``seq``, the order "new since a run" is judged by).
``patterns`` holds the totals (additive columns, upserted with ON CONFLICT DO UPDATE), ``pattern_runs`` each run's
contribution, which is what deleting a log file subtracts and what a pattern's history is read from.
``log_files.service`` comes from ingest's stored event (empty for files stored before it carried one).

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

SCHEMA = "analysis"


def upgrade() -> None:
    op.add_column("log_files", sa.Column("service", sa.String(128), nullable=False, server_default=""), schema=SCHEMA)
    op.create_table(
        "service_registries",
        sa.Column("owner", sa.String(64), primary_key=True),
        sa.Column("service", sa.String(128), primary_key=True),
        sa.Column("pattern_count", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("run_count", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("evicted_count", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("create_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("update_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_table(
        "service_runs",
        sa.Column("seq", sa.BigInteger, sa.Identity(), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("service", sa.String(128), nullable=False),
        sa.Column(
            "run_id", sa.String(32), sa.ForeignKey(f"{SCHEMA}.runs.id", ondelete="CASCADE"), nullable=False, unique=True
        ),
        sa.Column("log_file_id", sa.String(32), nullable=False),
        sa.Column("record_time", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        schema=SCHEMA,
    )
    op.create_index("service_runs_by_service", "service_runs", ["owner", "service", "seq"], schema=SCHEMA)
    op.create_index("service_runs_by_log_file", "service_runs", ["log_file_id"], schema=SCHEMA)
    op.create_table(
        "patterns",
        sa.Column("owner", sa.String(64), primary_key=True),
        sa.Column("service", sa.String(128), primary_key=True),
        sa.Column("template_id", sa.String(32), primary_key=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("token_count", sa.Integer, nullable=False),
        sa.Column("lineage", pg.ARRAY(sa.String(32)), nullable=False, server_default="{}"),
        sa.Column("level_counts", pg.ARRAY(sa.BigInteger), nullable=False),
        sa.Column("max_level", sa.SmallInteger, nullable=False, server_default="0"),
        sa.Column("first_seq", sa.BigInteger, nullable=False),
        sa.Column("first_record_time", sa.DateTime(timezone=True)),
        sa.Column("first_line", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("last_seq", sa.BigInteger, nullable=False),
        sa.Column("run_count", sa.BigInteger, nullable=False),
        sa.Column("total_count", sa.BigInteger, nullable=False),
        sa.Column("labels", pg.JSONB, nullable=False, server_default="{}"),
        sa.Column("note", sa.Text, nullable=False, server_default=""),
        sa.Column("state", sa.String(16), nullable=False, server_default="UNREVIEWED"),
        sa.Column("state_expire_time", sa.DateTime(timezone=True)),
        sa.Column("update_time", sa.DateTime(timezone=True)),
        schema=SCHEMA,
    )
    # One index per ListPatterns order, with the keyset's tie-break.
    for name, column in (("last_seen", "last_seq"), ("total_count", "total_count"), ("first_seen", "first_seq")):
        op.create_index(
            f"patterns_by_{name}",
            "patterns",
            ["owner", "service", sa.text(f"{column} DESC"), sa.text("template_id DESC")],
            schema=SCHEMA,
        )
    op.create_table(
        "pattern_runs",
        sa.Column(
            "seq", sa.BigInteger, sa.ForeignKey(f"{SCHEMA}.service_runs.seq", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column("template_id", sa.String(32), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=False),
        sa.Column("service", sa.String(128), nullable=False),
        sa.Column("count", sa.BigInteger, nullable=False),
        sa.Column("level_counts", pg.ARRAY(sa.BigInteger), nullable=False),
        sa.Column("max_level", sa.SmallInteger, nullable=False),
        sa.Column("first_line", sa.BigInteger, nullable=False),
        sa.Column("first_record_time", sa.DateTime(timezone=True)),
        sa.Column("placeholders", pg.JSONB, nullable=False, server_default="[]"),
        schema=SCHEMA,
    )
    op.create_index(
        "pattern_runs_by_pattern", "pattern_runs", ["owner", "service", "template_id", "seq"], schema=SCHEMA
    )


def downgrade() -> None:
    op.drop_table("pattern_runs", schema=SCHEMA)
    op.drop_table("patterns", schema=SCHEMA)
    op.drop_table("service_runs", schema=SCHEMA)
    op.drop_table("service_registries", schema=SCHEMA)
    op.drop_column("log_files", "service", schema=SCHEMA)
