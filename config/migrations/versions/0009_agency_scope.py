"""Every row belongs to an agency: the stored `default` agency (id 0) takes every row stored before."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

DEFAULT_AGENCY_ID = 0
# Tables whose rows gain an agency beside their own id.
BY_ID = ("group_connections", "plan_links", "sync_runs", "change_log", "conflicts", "pending_plans",
         "carrier_integrations", "carrier_messages", "carrier_transmissions", "carrier_attempts")
# Tables keyed by what a system calls a thing: the agency joins the key.
BY_KEY = {
    "account_cache": ("account_id",),
    "feed_watermarks": ("system",),
    "unreadable_changes": ("system", "entity_type", "entity_id"),
    "plan_snapshots": ("system", "plan_id"),
    "remote_entities": ("system", "entity_type", "entity_id"),
}
# Unique across the service before; unique within an agency now (old name, new name, columns).
UNIQUES = {
    "group_connections": [("uq_group_connections_perfectquote_group_id", "uq_group_connections_group",
                           "perfectquote_group_id"),
                          ("uq_group_connections_benefitpoint_account_id", "uq_group_connections_account",
                           "benefitpoint_account_id")],
    "plan_links": [("uq_plan_links_perfectquote_plan_id", "uq_plan_links_perfectquote_plan",
                    "perfectquote_plan_id"),
                   ("uq_plan_links_benefitpoint_plan_id", "uq_plan_links_benefitpoint_plan",
                    "benefitpoint_plan_id")],
    "carrier_integrations": [("uq_carrier_integrations_coverage_period_id",
                              "uq_carrier_integrations_coverage_period", "coverage_period_id")],
    "carrier_messages": [("uq_carrier_messages_exchange_id", "uq_carrier_messages_exchange", "exchange_id")],
}


def _default_agency() -> None:
    agencies = sa.table("agencies", sa.column("id", sa.Integer), sa.column("name", sa.Text),
                        sa.column("created_at", sa.DateTime(timezone=True)))
    bind = op.get_bind()
    if bind.execute(sa.select(agencies.c.id).where(agencies.c.id == DEFAULT_AGENCY_ID)).first() is None:
        op.execute(agencies.insert().values(id=DEFAULT_AGENCY_ID, name="default", created_at=sa.func.now()))


def _agency_column(*, primary_key: bool = False) -> sa.Column:
    # The server default moves every stored row into the default agency; it is dropped right after.
    return sa.Column("agency_id", sa.Integer(), nullable=False, server_default=str(DEFAULT_AGENCY_ID),
                     primary_key=primary_key)


def upgrade() -> None:
    _default_agency()
    for table in BY_ID:
        with op.batch_alter_table(table) as batch:
            batch.add_column(_agency_column())
            for old, new, column in UNIQUES.get(table, []):
                batch.drop_constraint(old, type_="unique")
                batch.create_unique_constraint(new, ["agency_id", column])
        with op.batch_alter_table(table) as batch:
            batch.alter_column("agency_id", server_default=None, existing_type=sa.Integer(),
                               existing_nullable=False)
            batch.create_foreign_key(f"fk_{table}_agency_id_agencies", "agencies", ["agency_id"], ["id"])
            batch.create_index(f"ix_{table}_agency_id", ["agency_id"])
    op.drop_index("ix_remote_entities_plan", table_name="remote_entities")
    for table, key in BY_KEY.items():
        with op.batch_alter_table(table) as batch:
            batch.add_column(_agency_column())
        with op.batch_alter_table(table) as batch:
            batch.alter_column("agency_id", server_default=None, existing_type=sa.Integer(),
                               existing_nullable=False)
            batch.drop_constraint(f"pk_{table}", type_="primary")
            batch.create_primary_key(f"pk_{table}", ["agency_id", *key])
            batch.create_foreign_key(f"fk_{table}_agency_id_agencies", "agencies", ["agency_id"], ["id"])
    op.create_index("ix_remote_entities_plan", "remote_entities", ["agency_id", "system", "plan_id"])
    bind = op.get_bind()
    if bind.dialect.name == "postgresql" and bind.execute(sa.text("SELECT EXISTS (SELECT 1 FROM "
                                                                  "group_connections)")).scalar():
        # Fresh statistics: without them the planner takes the new agency index (one value, every row
        # today) for queries by run or link, and a prune or a history read scans whole tables. Not on a
        # new database: statistics of empty tables would hold until autovacuum came round, and the
        # planner would meanwhile plan for empty tables (nested loops of whole-table scans).
        op.execute("ANALYZE")


def downgrade() -> None:
    op.drop_index("ix_remote_entities_plan", table_name="remote_entities")
    for table, key in BY_KEY.items():
        with op.batch_alter_table(table) as batch:
            batch.drop_constraint(f"fk_{table}_agency_id_agencies", type_="foreignkey")
            batch.drop_constraint(f"pk_{table}", type_="primary")
            batch.create_primary_key(f"pk_{table}", list(key))
            batch.drop_column("agency_id")
    op.create_index("ix_remote_entities_plan", "remote_entities", ["system", "plan_id"])
    for table in BY_ID:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_agency_id")
            batch.drop_constraint(f"fk_{table}_agency_id_agencies", type_="foreignkey")
            for old, new, column in UNIQUES.get(table, []):
                batch.drop_constraint(new, type_="unique")
                batch.create_unique_constraint(old, [column])
            batch.drop_column("agency_id")
    op.execute(sa.text("DELETE FROM agencies WHERE id = :id").bindparams(id=DEFAULT_AGENCY_ID))
