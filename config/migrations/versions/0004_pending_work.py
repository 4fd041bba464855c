"""Pending work: the plans a change feed named, kept until the run that reconciles them."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "pending_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_connection_id", sa.Integer(), nullable=False),
        sa.Column("side", sa.String(16), nullable=False),
        sa.Column("plan_id", sa.String(64), nullable=False),
        sa.Column("first_seen_at", _utc(), nullable=False),
        sa.Column("due_at", _utc(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("claimed_by_run", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["group_connection_id"], ["group_connections.id"],
                                name="fk_pending_plans_group_connection_id_group_connections"),
        sa.PrimaryKeyConstraint("id", name="pk_pending_plans"),
        sa.UniqueConstraint("group_connection_id", "side", "plan_id",
                            name="uq_pending_plans_group_connection_id"),
    )
    op.create_index("ix_pending_plans_due_at", "pending_plans", ["due_at"])
    op.create_table(
        "unreadable_changes",
        sa.Column("system", sa.String(32), nullable=False),
        sa.Column("entity_type", sa.String(64), nullable=False),
        sa.Column("entity_id", sa.String(64), nullable=False),
        sa.Column("first_seen_at", _utc(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("system", "entity_type", "entity_id", name="pk_unreadable_changes"),
    )


def downgrade() -> None:
    op.drop_table("unreadable_changes")
    op.drop_index("ix_pending_plans_due_at", table_name="pending_plans")
    op.drop_table("pending_plans")
