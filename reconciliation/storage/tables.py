"""The plan-sync tables: connections, links with baselines, runs, change log, conflicts, caches, snapshots."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column

from config.column_types import UtcDateTime, json_column, utcnow
from config.db import Base
from reconciliation.storage.agency_scope import AgencyScoped

ID_LENGTH = 64
NAME_LENGTH = 255


class GroupRow(AgencyScoped, Base):
    """A PerfectQuote group connected to a BenefitPoint account, one to one both ways."""

    __tablename__ = "group_connections"
    __table_args__ = (
        UniqueConstraint("agency_id", "perfectquote_group_id", name="uq_group_connections_group"),
        UniqueConstraint("agency_id", "benefitpoint_account_id", name="uq_group_connections_account"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    perfectquote_group_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    perfectquote_group_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    benefitpoint_account_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    benefitpoint_account_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    conflict_policy: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The fence token of the group's latest run; a run holding a lower one writes nothing more.
    fence_token: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")


class LinkRow(AgencyScoped, Base):
    """A user's choice for one plan (or a pair), and what each side held after the last sync."""

    __tablename__ = "plan_links"
    __table_args__ = (
        UniqueConstraint("agency_id", "perfectquote_plan_id", name="uq_plan_links_perfectquote_plan"),
        UniqueConstraint("agency_id", "benefitpoint_plan_id", name="uq_plan_links_benefitpoint_plan"),
    )

    # Generated before any call: it travels with creates as the idempotency key.
    id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    group_connection_id: Mapped[int] = mapped_column(ForeignKey("group_connections.id"), index=True)
    choice: Mapped[str] = mapped_column(String(16))
    source_of_truth: Mapped[str | None] = mapped_column(String(16))
    perfectquote_plan_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    benefitpoint_plan_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    state: Mapped[str] = mapped_column(String(16))
    baseline_perfectquote: Mapped[dict[str, Any] | None] = mapped_column(json_column())
    baseline_benefitpoint: Mapped[dict[str, Any] | None] = mapped_column(json_column())
    last_error: Mapped[str | None] = mapped_column(Text)
    last_error_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    create_intent: Mapped[dict[str, Any] | None] = mapped_column(json_column())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    version: Mapped[int] = mapped_column(Integer)

    # Optimistic concurrency: an update of a row another session changed since it was read fails.
    __mapper_args__ = {"version_id_col": version}


class RunRow(AgencyScoped, Base):
    """One run: a group's sync, or a whole cycle when no group is set."""

    __tablename__ = "sync_runs"
    # The runs still running, by group (a few at most, of a history that grows by a row a run).
    __table_args__ = (Index("ix_sync_runs_running", "group_connection_id",
                            postgresql_where=text("outcome = 'running'"),
                            sqlite_where=text("outcome = 'running'")),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_connection_id: Mapped[int | None] = mapped_column(ForeignKey("group_connections.id"), index=True)
    trigger: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    outcome: Mapped[str] = mapped_column(String(16))
    read_count: Mapped[int] = mapped_column(Integer, default=0)
    created_count: Mapped[int] = mapped_column(Integer, default=0)
    updated_count: Mapped[int] = mapped_column(Integer, default=0)
    conflict_count: Mapped[int] = mapped_column(Integer, default=0)
    orphaned_count: Mapped[int] = mapped_column(Integer, default=0)
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    # Only a run that listed the whole group knows it; a run of changed links leaves it empty.
    unreviewed_count: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    # The fence token the run registered when it started (none for a dry run or a cycle).
    fence_token: Mapped[int | None] = mapped_column(BigInteger)


class ChangeRow(AgencyScoped, Base):
    """One field written to one side: the value it had before and the value it has now."""

    __tablename__ = "change_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_runs.id"), index=True)
    link_id: Mapped[str] = mapped_column(ForeignKey("plan_links.id"), index=True)
    direction: Mapped[str] = mapped_column(String(8))
    field_path: Mapped[str] = mapped_column(String(NAME_LENGTH))
    before: Mapped[Any] = mapped_column(json_column(), nullable=True)
    after: Mapped[Any] = mapped_column(json_column(), nullable=True)
    # False: the write was confirmed but the system did not take this field (it still holds `before`).
    applied: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class ConflictRow(AgencyScoped, Base):
    """Both sides changed one field to different values; `winner` None means held for review."""

    __tablename__ = "conflicts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[str] = mapped_column(ForeignKey("plan_links.id"), index=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("sync_runs.id"), index=True)
    field_path: Mapped[str] = mapped_column(String(NAME_LENGTH))
    baseline_value: Mapped[Any] = mapped_column(json_column(), nullable=True)
    perfectquote_value: Mapped[Any] = mapped_column(json_column(), nullable=True)
    benefitpoint_value: Mapped[Any] = mapped_column(json_column(), nullable=True)
    winner: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    settled_side: Mapped[str | None] = mapped_column(String(16))
    settled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AccountRow(AgencyScoped, Base):
    """A BenefitPoint account as last listed, for the connect-a-group search."""

    __tablename__ = "account_cache"
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True, autoincrement=False)

    account_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), index=True)
    active: Mapped[bool] = mapped_column(Boolean)
    refreshed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class WatermarkRow(AgencyScoped, Base):
    """Where a system's change feed was last read to, advanced only after a successful cycle."""

    __tablename__ = "feed_watermarks"
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True, autoincrement=False)

    system: Mapped[str] = mapped_column(String(32), primary_key=True)
    watermark: Mapped[str] = mapped_column(String(NAME_LENGTH))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class PendingPlanRow(AgencyScoped, Base):
    """A plan a change feed named for a group, kept until the run that reconciles its link removes it."""

    __tablename__ = "pending_plans"
    __table_args__ = (UniqueConstraint("group_connection_id", "side", "plan_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_connection_id: Mapped[int] = mapped_column(ForeignKey("group_connections.id"))
    side: Mapped[str] = mapped_column(String(16))
    plan_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # When the sweeper nudges the group again if the row is still here (its nudge was lost, or it failed).
    due_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    # The run that took it on; a feed naming the plan again clears it, so that run cannot remove it.
    claimed_by_run: Mapped[int | None] = mapped_column(Integer)


class UnreadableChangeRow(AgencyScoped, Base):
    """An entity of a change feed whose plan could not be found out; the next cycle asks again."""

    __tablename__ = "unreadable_changes"
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True, autoincrement=False)

    system: Mapped[str] = mapped_column(String(32), primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    last_error: Mapped[str] = mapped_column(Text)


class PlanSnapshotRow(AgencyScoped, Base):
    """A plan as last read or written, in its system's own record, so an unchanged plan is not read again."""

    __tablename__ = "plan_snapshots"
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True, autoincrement=False)

    system: Mapped[str] = mapped_column(String(16), primary_key=True)
    plan_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    version: Mapped[str] = mapped_column(String(NAME_LENGTH))
    native: Mapped[dict[str, Any]] = mapped_column(json_column())
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class RemoteEntityRow(AgencyScoped, Base):
    """One entity of a plan (a BenefitPoint product, summary or rate; a PerfectQuote plan): the plan it
    belongs to, the version its snapshot holds (`known`) and the version a change feed last named."""

    __tablename__ = "remote_entities"
    __table_args__ = (Index("ix_remote_entities_plan", "agency_id", "system", "plan_id"),)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True, autoincrement=False)

    system: Mapped[str] = mapped_column(String(16), primary_key=True)
    entity_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    entity_id: Mapped[str] = mapped_column(String(ID_LENGTH), primary_key=True)
    plan_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    owner_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    known_version: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    named_version: Mapped[str | None] = mapped_column(String(NAME_LENGTH))


class AgencyRow(Base):
    """One agency: a PerfectQuote tenant, a BenefitPoint instance and its carrier-exchange key.

    The token, password and API key columns hold Fernet tokens, never the secret itself."""

    __tablename__ = "agencies"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(Text, unique=True)
    perfectquote_url: Mapped[str | None] = mapped_column(Text)
    perfectquote_token: Mapped[str | None] = mapped_column(Text)
    benefitpoint_url: Mapped[str | None] = mapped_column(Text)
    benefitpoint_username: Mapped[str | None] = mapped_column(Text)
    benefitpoint_password: Mapped[str | None] = mapped_column(Text)
    benefitpoint_link_field_id: Mapped[int | None] = mapped_column(Integer)
    benefitpoint_rates_writable: Mapped[bool | None] = mapped_column(Boolean)
    carrier_exchange_url: Mapped[str | None] = mapped_column(Text)
    carrier_exchange_api_key: Mapped[str | None] = mapped_column(Text)
    disabled_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class AgencyCatalogueRow(Base):
    """The catalogue mapping applied to an agency's BenefitPoint, as canonical JSON."""

    __tablename__ = "agency_catalogues"

    agency_id: Mapped[int] = mapped_column(ForeignKey("agencies.id"), primary_key=True, autoincrement=False)
    mapping: Mapped[str] = mapped_column(Text)
    applied_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
