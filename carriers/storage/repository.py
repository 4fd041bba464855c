"""Integrations, messages, transmissions and attempts in and out of the database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from carriers.diagnose import Attempt
from carriers.messages import CarrierMessage, Severity
from carriers.schedule import schedule_from_json
from carriers.status import DisabledReason, Integration, RemoteChange, Status
from carriers.storage.tables import AttemptRow, IntegrationRow, MessageRow, TransmissionRow
from reconciliation.storage.tables import GroupConnection


class NotFoundError(LookupError):
    """An integration, message or group that does not exist; the message names it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Employer:
    group_id: int
    perfectquote_group_id: str
    name: str


def _integration(row: IntegrationRow) -> Integration:
    return Integration(
        id=row.id, group_id=row.group_connection_id, carrier_name=row.carrier_name,
        group_number=row.group_number, plan_name=row.plan_name, plan_type=row.plan_type,
        renewal_date=row.renewal_date, status=Status(row.status), status_since=row.status_since,
        disabled_reason=DisabledReason(row.disabled_reason) if row.disabled_reason else None,
        schedule=schedule_from_json(row.sync_schedule) if row.sync_schedule else None,
        last_synced_at=row.last_synced_at, coverage_period_id=row.coverage_period_id,
        enrollment_watermark=row.enrollment_watermark, last_transmission_at=row.last_transmission_at,
        remote_change=RemoteChange(row.remote_change) if row.remote_change else None)


def _message(row: MessageRow) -> CarrierMessage:
    return CarrierMessage(id=row.id, integration_id=row.integration_id, exchange_id=row.exchange_id,
                          member_external_id=row.member_external_id, severity=Severity(row.severity),
                          code=row.code, text=row.text, open=row.open, created_at=row.created_at,
                          resolution_message=row.resolution_message, resolved_at=row.resolved_at)


class CarrierRepository:
    """One session's view of the carrier tables; the caller commits."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def employer(self, group_id: int) -> Employer:
        row = self.session.get(GroupConnection, group_id)
        if row is None:
            raise NotFoundError(f"connected group {group_id} does not exist (see `plansync groups`)")
        return Employer(group_id=row.id, perfectquote_group_id=row.perfectquote_group_id,
                        name=row.perfectquote_group_name)

    def _row(self, integration_id: int) -> IntegrationRow:
        row = self.session.get(IntegrationRow, integration_id)
        if row is None:
            raise NotFoundError(f"carrier integration {integration_id} does not exist")
        return row

    def get(self, integration_id: int) -> Integration:
        return _integration(self._row(integration_id))

    def all(self) -> list[Integration]:
        rows = self.session.scalars(select(IntegrationRow).order_by(IntegrationRow.id))
        return [_integration(row) for row in rows]

    def exchange_group_id(self, integration_id: int) -> str | None:
        return self._row(integration_id).exchange_group_id

    def add(self, integration: Integration) -> Integration:
        row = IntegrationRow(group_connection_id=integration.group_id, carrier_name=integration.carrier_name,
                             group_number=integration.group_number, status=integration.status.value)
        self.session.add(row)
        self._copy(row, integration)
        self.session.flush()
        return _integration(row)

    def save(self, integration: Integration, *, exchange_group_id: str | None = None) -> None:
        if integration.id is None:
            raise ValueError("save needs a stored integration (id is None); use add")
        row = self._row(integration.id)
        self._copy(row, integration)
        if exchange_group_id is not None:
            row.exchange_group_id = exchange_group_id

    @staticmethod
    def _copy(row: IntegrationRow, integration: Integration) -> None:
        row.group_number = integration.group_number
        row.plan_name, row.plan_type = integration.plan_name, integration.plan_type
        row.renewal_date = integration.renewal_date
        row.status, row.status_since = integration.status.value, integration.status_since
        row.disabled_reason = integration.disabled_reason.value if integration.disabled_reason else None
        row.sync_schedule = integration.schedule.to_json() if integration.schedule else None
        row.last_synced_at = integration.last_synced_at
        row.coverage_period_id = integration.coverage_period_id
        row.enrollment_watermark = integration.enrollment_watermark
        row.last_transmission_at = integration.last_transmission_at
        row.remote_change = integration.remote_change.value if integration.remote_change else None

    def messages(self, *, integration_id: int | None = None,
                 failures_only: bool = False) -> list[CarrierMessage]:
        query = select(MessageRow).order_by(MessageRow.created_at, MessageRow.id)
        if integration_id is not None:
            query = query.where(MessageRow.integration_id == integration_id)
        if failures_only:
            query = query.where(MessageRow.severity == Severity.FAILURE.value)
        return [_message(row) for row in self.session.scalars(query)]

    def message(self, message_id: int) -> CarrierMessage:
        row = self.session.get(MessageRow, message_id)
        if row is None:
            raise NotFoundError(f"carrier message {message_id} does not exist")
        return _message(row)

    def upsert_message(self, message: CarrierMessage) -> tuple[CarrierMessage, bool]:
        """Store or refresh a message by its exchange id; True when it is new."""
        row = self.session.scalar(select(MessageRow).where(MessageRow.exchange_id == message.exchange_id))
        created = row is None
        if row is None:
            row = MessageRow(integration_id=message.integration_id, exchange_id=message.exchange_id)
            self.session.add(row)
        row.member_external_id, row.severity = message.member_external_id, message.severity.value
        row.code, row.text, row.open = message.code, message.text, message.open
        row.created_at = message.created_at
        if message.resolved_at is not None or created:
            row.resolution_message, row.resolved_at = message.resolution_message, message.resolved_at
        self.session.flush()
        return _message(row), created

    def record_resolution(self, message_id: int, *, text: str, at: datetime) -> None:
        row = self.session.get(MessageRow, message_id)
        if row is None:
            raise NotFoundError(f"carrier message {message_id} does not exist")
        row.resolution_message, row.resolved_at, row.open = text, at, False

    def record_attempt(self, integration_id: int, *, operation: str, at: datetime,
                       error: str | None = None) -> None:
        self.session.add(AttemptRow(integration_id=integration_id, operation=operation, at=at,
                                    ok=error is None, error=error))

    def attempts_since(self, integration_id: int, since: datetime) -> list[Attempt]:
        rows = self.session.scalars(select(AttemptRow).where(AttemptRow.integration_id == integration_id,
                                                             AttemptRow.at >= since))
        return [Attempt(at=row.at, operation=row.operation, ok=row.ok, error=row.error) for row in rows]

    def unsent_transmission(self, integration_id: int) -> TransmissionRow | None:
        return self.session.scalar(select(TransmissionRow).where(
            TransmissionRow.integration_id == integration_id, TransmissionRow.state == "prepared"))

    def add_transmission(self, row: TransmissionRow) -> TransmissionRow:
        self.session.add(row)
        self.session.flush()
        return row

    def transmissions(self, integration_id: int) -> list[TransmissionRow]:
        return list(self.session.scalars(select(TransmissionRow).where(
            TransmissionRow.integration_id == integration_id).order_by(TransmissionRow.id)))
