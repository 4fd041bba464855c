"""Fenced runs: the token of the latest run of each group, checked before every write."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("group_connections") as batch:
        batch.add_column(sa.Column("fence_token", sa.BigInteger(), nullable=False, server_default="0"))
    with op.batch_alter_table("sync_runs") as batch:
        batch.add_column(sa.Column("fence_token", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sync_runs") as batch:
        batch.drop_column("fence_token")
    with op.batch_alter_table("group_connections") as batch:
        batch.drop_column("fence_token")
