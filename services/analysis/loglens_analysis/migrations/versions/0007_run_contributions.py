"""A run's contribution to its service's registry as one row (a JSON object by template id) instead of one row per
template; the patterns table keeps its primary key only, with room on each page for in-place (HOT) updates.

Measured with make bench-registry (a 5,000-template run into a service of 20,000 patterns): 5,000 rows into
pattern_runs with its two indexes, plus 5,000 upserts each writing four index entries, took 400-600 ms; one
contribution row, HOT upserts and JSON parameters (psycopg's text-array quoting cost more than the statements)
bring the update under 200 ms. ListPatterns sorts a service's patterns instead
of reading an index in order: 20,000 patterns are sorted in a few milliseconds (the cap is 50,000).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql as pg

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

SCHEMA = "analysis"


def upgrade() -> None:
    op.drop_table("pattern_runs", schema=SCHEMA)
    for name in ("last_seen", "total_count", "first_seen"):
        op.drop_index(f"patterns_by_{name}", "patterns", schema=SCHEMA)
    op.execute(f"ALTER TABLE {SCHEMA}.patterns SET (fillfactor = 70)")
    # The run's templates: template id -> [count, [8 counts by level], most severe level, first line, first record
    # time (RFC 3339 or null), placeholders (base64 of a report Template holding only them)].
    op.add_column(
        "service_runs",
        sa.Column("contribution", pg.JSONB, nullable=False, server_default="{}"),
        schema=SCHEMA,
    )


def downgrade() -> None:
    op.drop_column("service_runs", "contribution", schema=SCHEMA)
    op.execute(f"ALTER TABLE {SCHEMA}.patterns RESET (fillfactor)")
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
