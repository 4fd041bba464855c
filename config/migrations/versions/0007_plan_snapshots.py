"""Plan snapshots and the versions of their parts, so a plan the feeds did not name is not read again."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "plan_snapshots",
        sa.Column("system", sa.String(16), nullable=False),
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("version", sa.String(255), nullable=False),
        sa.Column("native", sa.JSON(none_as_null=True), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("system", "plan_id", name="pk_plan_snapshots"),
    )
    op.create_table(
        "remote_entities",
        sa.Column("system", sa.String(16), nullable=False),
        sa.Column("entity_type", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("plan_id", sa.String(64), nullable=True),
        sa.Column("owner_id", sa.String(64), nullable=True),
        sa.Column("known_version", sa.String(255), nullable=True),
        sa.Column("named_version", sa.String(255), nullable=True),
        sa.PrimaryKeyConstraint("system", "entity_type", "entity_id", name="pk_remote_entities"),
    )
    op.create_index("ix_remote_entities_plan", "remote_entities", ["system", "plan_id"])


def downgrade() -> None:
    op.drop_index("ix_remote_entities_plan", table_name="remote_entities")
    op.drop_table("remote_entities")
    op.drop_table("plan_snapshots")
