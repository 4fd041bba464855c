"""Agencies with their encrypted credentials, and the catalogue mapping applied to each."""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "agencies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("perfectquote_url", sa.Text(), nullable=True),
        sa.Column("perfectquote_token", sa.Text(), nullable=True),
        sa.Column("benefitpoint_url", sa.Text(), nullable=True),
        sa.Column("benefitpoint_username", sa.Text(), nullable=True),
        sa.Column("benefitpoint_password", sa.Text(), nullable=True),
        sa.Column("benefitpoint_link_field_id", sa.Integer(), nullable=True),
        sa.Column("benefitpoint_rates_writable", sa.Boolean(), nullable=True),
        sa.Column("carrier_exchange_url", sa.Text(), nullable=True),
        sa.Column("carrier_exchange_api_key", sa.Text(), nullable=True),
        sa.Column("disabled_at", _utc(), nullable=True),
        sa.Column("created_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_agencies"),
        sa.UniqueConstraint("name", name="uq_agencies_name"),
    )
    op.create_table(
        "agency_catalogues",
        sa.Column("agency_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("mapping", sa.Text(), nullable=False),
        sa.Column("applied_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(["agency_id"], ["agencies.id"],
                                name="fk_agency_catalogues_agency_id_agencies"),
        sa.PrimaryKeyConstraint("agency_id", name="pk_agency_catalogues"),
    )


def downgrade() -> None:
    op.drop_table("agency_catalogues")
    op.drop_table("agencies")
