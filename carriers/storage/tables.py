"""The carrier-integration tables: integrations, carrier messages, transmissions, attempts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from config.column_types import UtcDateTime, json_column, utcnow
from config.db import Base
from reconciliation.storage.agency_scope import AgencyScoped

ID_LENGTH = 64
NAME_LENGTH = 255


class IntegrationRow(AgencyScoped, Base):
    """One connected group's integration with one carrier, as shown on the Configure tab."""

    __tablename__ = "carrier_integrations"
    __table_args__ = (UniqueConstraint("group_connection_id", "carrier_name",
                                       name="uq_carrier_integrations_group_carrier"),
                      UniqueConstraint("agency_id", "coverage_period_id",
                                       name="uq_carrier_integrations_coverage_period"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_connection_id: Mapped[int] = mapped_column(ForeignKey("group_connections.id"), index=True)
    carrier_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    group_number: Mapped[str] = mapped_column(String(ID_LENGTH))
    plan_name: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    plan_type: Mapped[str | None] = mapped_column(String(32))
    renewal_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    status_since: Mapped[datetime | None] = mapped_column(UtcDateTime)
    disabled_reason: Mapped[str | None] = mapped_column(String(32))
    sync_schedule: Mapped[Any | None] = mapped_column(json_column())
    last_synced_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    exchange_group_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    coverage_period_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    enrollment_watermark: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    last_transmission_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    remote_change: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class MessageRow(AgencyScoped, Base):
    """A carrier message; the member is referenced by external id only."""

    __tablename__ = "carrier_messages"
    __table_args__ = (UniqueConstraint("agency_id", "exchange_id", name="uq_carrier_messages_exchange"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("carrier_integrations.id"), index=True)
    exchange_id: Mapped[str] = mapped_column(String(ID_LENGTH))
    member_external_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    severity: Mapped[str] = mapped_column(String(16))
    code: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    open: Mapped[bool] = mapped_column(Boolean)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolution_message: Mapped[str | None] = mapped_column(Text)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class TransmissionRow(AgencyScoped, Base):
    """One transmission, stored before it is sent so a retry reuses its external identifier."""

    __tablename__ = "carrier_transmissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("carrier_integrations.id"), index=True)
    external_identifier: Mapped[str] = mapped_column(String(ID_LENGTH), unique=True)
    since_watermark: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    until_watermark: Mapped[str | None] = mapped_column(String(NAME_LENGTH))
    change_count: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))
    exchange_id: Mapped[str | None] = mapped_column(String(ID_LENGTH))
    prepared_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class AttemptRow(AgencyScoped, Base):
    """A job's call to the exchange for an integration; failed ones feed `diagnose`."""

    __tablename__ = "carrier_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    integration_id: Mapped[int] = mapped_column(ForeignKey("carrier_integrations.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    operation: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(Boolean)
    error: Mapped[str | None] = mapped_column(Text)
