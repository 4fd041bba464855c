"""Carrier integrations: integrations, carrier messages, transmissions, exchange attempts."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _integration_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["integration_id"], ["carrier_integrations.id"],
                                   name=f"fk_{table}_integration_id_carrier_integrations")


def upgrade() -> None:
    op.create_table(
        "carrier_integrations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_connection_id", sa.Integer(), nullable=False),
        sa.Column("carrier_name", sa.String(255), nullable=False),
        sa.Column("group_number", sa.String(64), nullable=False),
        sa.Column("plan_name", sa.String(255), nullable=True),
        sa.Column("plan_type", sa.String(32), nullable=True),
        sa.Column("renewal_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_since", _utc(), nullable=True),
        sa.Column("disabled_reason", sa.String(32), nullable=True),
        sa.Column("sync_schedule", sa.JSON(none_as_null=True), nullable=True),
        sa.Column("last_synced_at", _utc(), nullable=True),
        sa.Column("exchange_group_id", sa.String(64), nullable=True),
        sa.Column("coverage_period_id", sa.String(64), nullable=True),
        sa.Column("enrollment_watermark", sa.String(255), nullable=True),
        sa.Column("last_transmission_at", _utc(), nullable=True),
        sa.Column("remote_change", sa.String(16), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["group_connection_id"], ["group_connections.id"],
                                name="fk_carrier_integrations_group_connection_id_group_connections"),
        sa.PrimaryKeyConstraint("id", name="pk_carrier_integrations"),
        sa.UniqueConstraint("group_connection_id", "carrier_name",
                            name="uq_carrier_integrations_group_carrier"),
        sa.UniqueConstraint("coverage_period_id", name="uq_carrier_integrations_coverage_period_id"),
    )
    op.create_index("ix_carrier_integrations_group_connection_id", "carrier_integrations",
                    ["group_connection_id"])
    op.create_table(
        "carrier_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("exchange_id", sa.String(64), nullable=False),
        sa.Column("member_external_id", sa.String(64), nullable=True),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("code", sa.String(64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("open", sa.Boolean(), nullable=False),
        sa.Column("created_at", _utc(), nullable=False),
        sa.Column("resolution_message", sa.Text(), nullable=True),
        sa.Column("resolved_at", _utc(), nullable=True),
        _integration_fk("carrier_messages"),
        sa.PrimaryKeyConstraint("id", name="pk_carrier_messages"),
        sa.UniqueConstraint("exchange_id", name="uq_carrier_messages_exchange_id"),
    )
    op.create_index("ix_carrier_messages_integration_id", "carrier_messages", ["integration_id"])
    op.create_table(
        "carrier_transmissions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("external_identifier", sa.String(64), nullable=False),
        sa.Column("since_watermark", sa.String(255), nullable=True),
        sa.Column("until_watermark", sa.String(255), nullable=True),
        sa.Column("change_count", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("exchange_id", sa.String(64), nullable=True),
        sa.Column("prepared_at", _utc(), nullable=False),
        sa.Column("sent_at", _utc(), nullable=True),
        _integration_fk("carrier_transmissions"),
        sa.PrimaryKeyConstraint("id", name="pk_carrier_transmissions"),
        sa.UniqueConstraint("external_identifier", name="uq_carrier_transmissions_external_identifier"),
    )
    op.create_index("ix_carrier_transmissions_integration_id", "carrier_transmissions",
                    ["integration_id"])
    op.create_table(
        "carrier_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("integration_id", sa.Integer(), nullable=False),
        sa.Column("at", _utc(), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        _integration_fk("carrier_attempts"),
        sa.PrimaryKeyConstraint("id", name="pk_carrier_attempts"),
    )
    op.create_index("ix_carrier_attempts_integration_id", "carrier_attempts", ["integration_id"])
    op.create_index("ix_carrier_attempts_at", "carrier_attempts", ["at"])


def downgrade() -> None:
    for table in ("carrier_attempts", "carrier_transmissions", "carrier_messages"):
        op.drop_table(table)
    op.drop_index("ix_carrier_integrations_group_connection_id", table_name="carrier_integrations")
    op.drop_table("carrier_integrations")
