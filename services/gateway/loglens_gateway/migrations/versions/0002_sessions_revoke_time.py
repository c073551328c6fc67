"""users.sessions_revoke_time: access tokens issued before it are refused (LogoutAll, ChangePassword).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

SCHEMA = "gateway"


def upgrade() -> None:
    op.add_column("users", sa.Column("sessions_revoke_time", sa.DateTime(timezone=True)), schema=SCHEMA)


def downgrade() -> None:
    op.drop_column("users", "sessions_revoke_time", schema=SCHEMA)
