"""Plan sync: group connections, plan links with baselines, runs, change log, conflicts, caches."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "group_connections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("perfectquote_group_id", sa.String(64), nullable=False),
        sa.Column("perfectquote_group_name", sa.String(255), nullable=False),
        sa.Column("benefitpoint_account_id", sa.String(64), nullable=False),
        sa.Column("benefitpoint_account_name", sa.String(255), nullable=False),
        sa.Column("conflict_policy", sa.String(32), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_group_connections"),
        sa.UniqueConstraint("perfectquote_group_id", name="uq_group_connections_perfectquote_group_id"),
        sa.UniqueConstraint("benefitpoint_account_id", name="uq_group_connections_benefitpoint_account_id"),
    )
    op.create_table(
        "plan_links",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("group_connection_id", sa.Integer(), nullable=False),
        sa.Column("choice", sa.String(16), nullable=False),
        sa.Column("source_of_truth", sa.String(16), nullable=True),
        sa.Column("perfectquote_plan_id", sa.String(64), nullable=True),
        sa.Column("benefitpoint_plan_id", sa.String(64), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("baseline_perfectquote", sa.JSON(), nullable=True),
        sa.Column("baseline_benefitpoint", sa.JSON(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_error_at", _utc(), nullable=True),
        sa.Column("create_intent", sa.JSON(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["group_connection_id"], ["group_connections.id"],
                                name="fk_plan_links_group_connection_id_group_connections"),
        sa.PrimaryKeyConstraint("id", name="pk_plan_links"),
        sa.UniqueConstraint("perfectquote_plan_id", name="uq_plan_links_perfectquote_plan_id"),
        sa.UniqueConstraint("benefitpoint_plan_id", name="uq_plan_links_benefitpoint_plan_id"),
    )
    op.create_index("ix_plan_links_group_connection_id", "plan_links", ["group_connection_id"])
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_connection_id", sa.Integer(), nullable=True),
        sa.Column("trigger", sa.String(32), nullable=False),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("finished_at", _utc(), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("read_count", sa.Integer(), nullable=False),
        sa.Column("created_count", sa.Integer(), nullable=False),
        sa.Column("updated_count", sa.Integer(), nullable=False),
        sa.Column("conflict_count", sa.Integer(), nullable=False),
        sa.Column("orphaned_count", sa.Integer(), nullable=False),
        sa.Column("error_count", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["group_connection_id"], ["group_connections.id"],
                                name="fk_sync_runs_group_connection_id_group_connections"),
        sa.PrimaryKeyConstraint("id", name="pk_sync_runs"),
    )
    op.create_index("ix_sync_runs_group_connection_id", "sync_runs", ["group_connection_id"])
    op.create_table(
        "change_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.String(64), nullable=False),
        sa.Column("direction", sa.String(8), nullable=False),
        sa.Column("field_path", sa.String(255), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("recorded_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["plan_links.id"], name="fk_change_log_link_id_plan_links"),
        sa.ForeignKeyConstraint(["run_id"], ["sync_runs.id"], name="fk_change_log_run_id_sync_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_change_log"),
    )
    op.create_index("ix_change_log_link_id", "change_log", ["link_id"])
    op.create_index("ix_change_log_run_id", "change_log", ["run_id"])
    op.create_table(
        "conflicts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("link_id", sa.String(64), nullable=False),
        sa.Column("run_id", sa.Integer(), nullable=False),
        sa.Column("field_path", sa.String(255), nullable=False),
        sa.Column("baseline_value", sa.JSON(), nullable=True),
        sa.Column("perfectquote_value", sa.JSON(), nullable=True),
        sa.Column("benefitpoint_value", sa.JSON(), nullable=True),
        sa.Column("winner", sa.String(16), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("settled_side", sa.String(16), nullable=True),
        sa.Column("settled_at", _utc(), nullable=True),
        sa.Column("recorded_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["link_id"], ["plan_links.id"], name="fk_conflicts_link_id_plan_links"),
        sa.ForeignKeyConstraint(["run_id"], ["sync_runs.id"], name="fk_conflicts_run_id_sync_runs"),
        sa.PrimaryKeyConstraint("id", name="pk_conflicts"),
    )
    op.create_index("ix_conflicts_link_id", "conflicts", ["link_id"])
    op.create_index("ix_conflicts_run_id", "conflicts", ["run_id"])
    op.create_index("ix_conflicts_status", "conflicts", ["status"])
    op.create_table(
        "account_cache",
        sa.Column("account_id", sa.String(64), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("refreshed_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name="pk_account_cache"),
    )
    op.create_index("ix_account_cache_name", "account_cache", ["name"])
    op.create_table(
        "feed_watermarks",
        sa.Column("system", sa.String(32), nullable=False),
        sa.Column("watermark", sa.String(255), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("system", name="pk_feed_watermarks"),
    )


def downgrade() -> None:
    for table in ("feed_watermarks", "account_cache", "conflicts", "change_log", "sync_runs",
                  "plan_links", "group_connections"):
        op.drop_table(table)
