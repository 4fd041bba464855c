"""Integrations, messages, transmissions and attempts in and out of the database, as domain values."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from carriers.diagnose import Attempt
from carriers.enrollment import Transmission, TransmissionState
from carriers.messages import CarrierMessage, Severity
from carriers.schedule import schedule_from_json
from carriers.status import DisabledReason, Employer, Integration, RemoteChange, Status
from carriers.storage.tables import AttemptRow, IntegrationRow, MessageRow, TransmissionRow
from reconciliation.storage.tables import GroupRow

# Every function takes the session first and never commits (a flush only where an id is needed):
# the service layer owns each transaction.


class NotFoundError(LookupError):
    """An integration or message that does not exist; the message names it."""


class GroupNotConnected(NotFoundError):
    """A PerfectQuote group id with no group connection; the message names it."""


def _not_connected(group_id: str) -> GroupNotConnected:
    return GroupNotConnected(f"PerfectQuote group {group_id!r} is not connected; "
                             "connect it with 'plansync groups connect'")


def _integration(row: IntegrationRow, group_id: str) -> Integration:
    return Integration(
        id=row.id, group_id=group_id, carrier_name=row.carrier_name,
        group_number=row.group_number, plan_name=row.plan_name, plan_type=row.plan_type,
        renewal_date=row.renewal_date, status=Status(row.status), status_since=row.status_since,
        disabled_reason=DisabledReason(row.disabled_reason) if row.disabled_reason else None,
        schedule=schedule_from_json(row.sync_schedule) if row.sync_schedule else None,
        last_synced_at=row.last_synced_at, coverage_period_id=row.coverage_period_id,
        enrollment_watermark=row.enrollment_watermark, last_transmission_at=row.last_transmission_at,
        remote_change=RemoteChange(row.remote_change) if row.remote_change else None)


def _integrations() -> Select[Any]:
    """Integration rows with their group id: the PerfectQuote id of the connection they belong to."""
    return (select(IntegrationRow, GroupRow.perfectquote_group_id)
            .join(GroupRow, GroupRow.id == IntegrationRow.group_connection_id)
            .order_by(IntegrationRow.id))


def _message(row: MessageRow) -> CarrierMessage:
    return CarrierMessage(id=row.id, integration_id=row.integration_id, exchange_id=row.exchange_id,
                          member_external_id=row.member_external_id, severity=Severity(row.severity),
                          code=row.code, text=row.text, open=row.open, created_at=row.created_at,
                          resolution_message=row.resolution_message, resolved_at=row.resolved_at)


def _transmission(row: TransmissionRow) -> Transmission:
    return Transmission(id=row.id, integration_id=row.integration_id,
                        external_identifier=row.external_identifier, since_watermark=row.since_watermark,
                        until_watermark=row.until_watermark, change_count=row.change_count,
                        state=TransmissionState(row.state), prepared_at=row.prepared_at,
                        exchange_id=row.exchange_id, sent_at=row.sent_at)


def _group_row(session: Session, group_id: str) -> GroupRow:
    row = session.scalars(select(GroupRow).where(GroupRow.perfectquote_group_id == group_id)).one_or_none()
    if row is None:
        raise _not_connected(group_id)
    return row


def get_employer(session: Session, group_id: str) -> Employer:
    row = _group_row(session, group_id)
    # The exchange has known our employers by the connection's row id since the first coverage period.
    return Employer(group_id=row.perfectquote_group_id, name=row.perfectquote_group_name,
                    external_identifier=f"group-{row.id}")


def _integration_row(session: Session, integration_id: int) -> IntegrationRow:
    row = session.get(IntegrationRow, integration_id)
    if row is None:
        raise NotFoundError(f"carrier integration {integration_id} does not exist")
    return row


def get_integration(session: Session, integration_id: int) -> Integration:
    found = session.execute(_integrations().where(IntegrationRow.id == integration_id)).one_or_none()
    if found is None:
        raise NotFoundError(f"carrier integration {integration_id} does not exist")
    return _integration(*found)


def all_integrations(session: Session) -> list[Integration]:
    return [_integration(*found) for found in session.execute(_integrations())]


def find_integration(session: Session, group_id: str, carrier_name: str) -> Integration | None:
    """The group's integration with that carrier, if it has one."""
    found = session.execute(_integrations().where(GroupRow.perfectquote_group_id == group_id,
                                                  IntegrationRow.carrier_name == carrier_name)).one_or_none()
    return _integration(*found) if found else None


def add_integration(session: Session, integration: Integration) -> Integration:
    group = _group_row(session, integration.group_id)
    row = IntegrationRow(group_connection_id=group.id, carrier_name=integration.carrier_name,
                         group_number=integration.group_number, status=integration.status.value)
    session.add(row)
    _copy(row, integration)
    session.flush()
    return _integration(row, group.perfectquote_group_id)


def save_integration(session: Session, integration: Integration, *,
                     exchange_group_id: str | None = None) -> None:
    if integration.id is None:
        raise ValueError("save_integration needs a stored integration (id is None); use add_integration")
    row = _integration_row(session, integration.id)
    _copy(row, integration)
    if exchange_group_id is not None:
        row.exchange_group_id = exchange_group_id


def get_exchange_group_id(session: Session, integration_id: int) -> str | None:
    return _integration_row(session, integration_id).exchange_group_id


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


def find_messages(session: Session, *, integration_id: int | None = None,
                  failures_only: bool = False) -> list[CarrierMessage]:
    query = select(MessageRow).order_by(MessageRow.created_at, MessageRow.id)
    if integration_id is not None:
        query = query.where(MessageRow.integration_id == integration_id)
    if failures_only:
        query = query.where(MessageRow.severity == Severity.FAILURE.value)
    return [_message(row) for row in session.scalars(query)]


def _message_row(session: Session, message_id: int) -> MessageRow:
    row = session.get(MessageRow, message_id)
    if row is None:
        raise NotFoundError(f"carrier message {message_id} does not exist")
    return row


def get_message(session: Session, message_id: int) -> CarrierMessage:
    return _message(_message_row(session, message_id))


def upsert_message(session: Session, message: CarrierMessage) -> tuple[CarrierMessage, bool]:
    """Store or refresh a message by its exchange id; True when it is new."""
    row = session.scalar(select(MessageRow).where(MessageRow.exchange_id == message.exchange_id))
    created = row is None
    if row is None:
        row = MessageRow(integration_id=message.integration_id, exchange_id=message.exchange_id)
        session.add(row)
    row.member_external_id, row.severity = message.member_external_id, message.severity.value
    row.code, row.text, row.open = message.code, message.text, message.open
    row.created_at = message.created_at
    if message.resolved_at is not None or created:
        row.resolution_message, row.resolved_at = message.resolution_message, message.resolved_at
    session.flush()
    return _message(row), created


def record_resolution(session: Session, message_id: int, *, text: str, at: datetime) -> CarrierMessage:
    """The message as resolved by a user: closed, with what was corrected and when."""
    row = _message_row(session, message_id)
    row.resolution_message, row.resolved_at, row.open = text, at, False
    return _message(row)


def record_attempt(session: Session, integration_id: int, *, operation: str, at: datetime,
                   error: str | None = None) -> None:
    session.add(AttemptRow(integration_id=integration_id, operation=operation, at=at,
                           ok=error is None, error=error))


def attempts_since(session: Session, integration_id: int, since: datetime) -> list[Attempt]:
    rows = session.scalars(select(AttemptRow).where(AttemptRow.integration_id == integration_id,
                                                    AttemptRow.at >= since))
    return [Attempt(at=row.at, operation=row.operation, ok=row.ok, error=row.error) for row in rows]


def unsent_transmission(session: Session, integration_id: int) -> Transmission | None:
    """The transmission prepared for the integration and not yet confirmed sent, if any."""
    row = session.scalar(select(TransmissionRow).where(
        TransmissionRow.integration_id == integration_id,
        TransmissionRow.state == TransmissionState.PREPARED.value))
    return _transmission(row) if row else None


def add_transmission(session: Session, transmission: Transmission) -> Transmission:
    row = TransmissionRow(integration_id=transmission.integration_id,
                          external_identifier=transmission.external_identifier,
                          since_watermark=transmission.since_watermark,
                          until_watermark=transmission.until_watermark,
                          change_count=transmission.change_count, state=transmission.state.value,
                          exchange_id=transmission.exchange_id, prepared_at=transmission.prepared_at,
                          sent_at=transmission.sent_at)
    session.add(row)
    session.flush()
    return _transmission(row)


def mark_transmission_sent(session: Session, transmission_id: int, *, exchange_id: str,
                           at: datetime) -> Transmission:
    row = session.get(TransmissionRow, transmission_id)
    if row is None:
        raise NotFoundError(f"carrier transmission {transmission_id} does not exist")
    row.state, row.sent_at, row.exchange_id = TransmissionState.SENT.value, at, exchange_id
    return _transmission(row)


def find_transmissions(session: Session, integration_id: int) -> list[Transmission]:
    return [_transmission(row) for row in session.scalars(select(TransmissionRow).where(
        TransmissionRow.integration_id == integration_id).order_by(TransmissionRow.id))]


def integration_counts_by_status(session: Session) -> dict[str, int]:
    """How many integrations are in each status (statuses with none are absent)."""
    query = select(IntegrationRow.status, func.count()).group_by(IntegrationRow.status)
    return {status: count for status, count in session.execute(query).all()}


def open_message_count(session: Session) -> int:
    """Carrier messages not resolved yet, across every integration."""
    return session.scalar(select(func.count()).select_from(MessageRow).where(MessageRow.open.is_(True))) or 0
