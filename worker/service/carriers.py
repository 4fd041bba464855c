"""The operations users call on carrier integrations, and bringing the exchange in line with them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from carriers import status as rules
from carriers.diagnose import RECENT_ATTEMPTS, Facts, Finding, diagnose
from carriers.messages import CarrierMessage, MessageFlag, message_flags
from carriers.schedule import next_sync_after
from carriers.status import Integration, RemoteChange, Status, StatusChange
from carriers.storage import repository as carrier_repo
from config.crosswalk import Crosswalk, load_crosswalk
from config.logging import get_logger
from connectors.errors import ConnectorError, ValidationFailed
from connectors.ports import CarrierExchange

log = get_logger(__name__)


def log_status_change(integration: Integration, change: StatusChange | None) -> None:
    if change is not None:
        log.info("carrier.status_changed", integration_id=integration.id, carrier=integration.carrier_name,
                 before=change.before.value if change.before else None, after=change.after.value,
                 since=change.since, reason=change.reason.value if change.reason else None,
                 source=change.source)


def _create_period(session: Session, exchange: CarrierExchange, integration: Integration) -> Integration:
    if integration.id is None:
        raise ValueError("the integration must be stored before its coverage period is created")
    employer = carrier_repo.get_employer(session, integration.group_id)
    exchange_group_id = carrier_repo.get_exchange_group_id(session, integration.id) or exchange.ensure_group(
        external_identifier=employer.external_identifier, name=employer.name)
    carrier_repo.save_integration(session, integration, exchange_group_id=exchange_group_id)
    # The exchange finds a period by our integration id, so a create retried after a crash is harmless.
    period = exchange.create_coverage_period(
        exchange_group_id, external_identifier=f"integration-{integration.id}",
        carrier_name=integration.carrier_name, carrier_group_number=integration.group_number,
        coverage_start_date=integration.renewal_date.isoformat() if integration.renewal_date else None)
    log.info("carrier.coverage_period.created", integration_id=integration.id,
             coverage_period_id=period.id, carrier=integration.carrier_name)
    return replace(integration, coverage_period_id=period.id)


def push_remote_change(session: Session, exchange: CarrierExchange, integration: Integration, *,
                       now: datetime) -> Integration:
    """Send the integration's outstanding change to the exchange and clear it; saved by the caller."""
    change = integration.remote_change
    if change is None:
        return integration
    if integration.coverage_period_id is None:
        if change is RemoteChange.DISABLE or integration.status is Status.DISABLED:
            return replace(integration, remote_change=None)  # Nothing exists at the exchange to turn off.
        integration = _create_period(session, exchange, integration)
    else:
        period_id = integration.coverage_period_id
        if change is RemoteChange.DISABLE:
            exchange.set_enabled(period_id, False)
        elif change is RemoteChange.ENABLE:
            exchange.set_enabled(period_id, True, group_number=integration.group_number)
        else:
            exchange.set_group_number(period_id, integration.group_number)
    log.info("carrier.remote_change.sent", integration_id=integration.id, change=change.value,
             carrier=integration.carrier_name)
    return replace(integration, remote_change=None)


def _push_or_defer(session: Session, exchange: CarrierExchange | None, integration: Integration, *,
                   now: datetime) -> Integration:
    """Try to tell the exchange now; if it cannot be reached, the status check tries again."""
    if exchange is None or integration.id is None:
        return integration
    try:
        integration = push_remote_change(session, exchange, integration, now=now)
    except ConnectorError as error:
        carrier_repo.record_attempt(session, integration.id, operation=error.operation, at=now,
                                    error=str(error))
        log.warning("carrier.api_error", integration_id=integration.id, operation=error.operation,
                    status=error.status, error=error.message)
        return integration
    carrier_repo.save_integration(session, integration)
    return integration


def configure(factory: sessionmaker[Session], *, group_id: str, carrier_code: str,
              group_number: str | None, now: datetime, plan_name: str | None = None,
              plan_type: str | None = None, renewal_date: date | None = None,
              crosswalk: Crosswalk | None = None) -> Integration:
    """A new integration of a connected group, Pending; the next status check creates its coverage period.
    `crosswalk`: the agency's carriers (None: the shipped table)."""
    carrier = (crosswalk or load_crosswalk()).by_code(carrier_code)
    with factory.begin() as session:
        carrier_repo.get_employer(session, group_id)
        existing = carrier_repo.find_integration(session, group_id, carrier.name)
        if existing is not None:
            raise rules.StatusError(f"group {group_id} already has an integration with {carrier.name} "
                                    f"(id {existing.id}); use enable or set-group-number")
        integration = carrier_repo.add_integration(session, rules.configure(
            group_id=group_id, carrier_name=carrier.name, group_number=group_number, now=now,
            plan_name=plan_name, plan_type=plan_type, renewal_date=renewal_date))
    log.info("carrier.configured", integration_id=integration.id, group_id=group_id,
             carrier=integration.carrier_name)
    log_status_change(integration, StatusChange(before=None, after=Status.PENDING, since=now,
                                                reason=None, source="user"))
    return integration


def disable(factory: sessionmaker[Session], exchange: CarrierExchange | None, integration_id: int, *,
            now: datetime) -> Integration:
    """Stored first, so outbound traffic stops even when the exchange cannot be told yet."""
    with factory.begin() as session:
        integration, change = rules.disable(carrier_repo.get_integration(session, integration_id), now=now)
        carrier_repo.save_integration(session, integration)
    log_status_change(integration, change)
    with factory.begin() as session:
        return _push_or_defer(session, exchange, integration, now=now)


def enable(factory: sessionmaker[Session], exchange: CarrierExchange | None, integration_id: int, *,
           group_number: str | None, now: datetime) -> Integration:
    with factory.begin() as session:
        integration, change = rules.enable(carrier_repo.get_integration(session, integration_id),
                                           group_number=group_number, now=now)
        carrier_repo.save_integration(session, integration)
    log_status_change(integration, change)
    with factory.begin() as session:
        return _push_or_defer(session, exchange, integration, now=now)


def set_group_number(factory: sessionmaker[Session], exchange: CarrierExchange | None, integration_id: int,
                     group_number: str | None, *, now: datetime) -> Integration:
    with factory.begin() as session:
        integration = rules.change_group_number(carrier_repo.get_integration(session, integration_id),
                                                group_number=group_number)
        carrier_repo.save_integration(session, integration)
    log.info("carrier.group_number_changed", integration_id=integration.id, carrier=integration.carrier_name)
    with factory.begin() as session:
        return _push_or_defer(session, exchange, integration, now=now)


@dataclass(frozen=True, slots=True, kw_only=True)
class IntegrationView:
    integration: Integration
    next_sync_at: datetime | None


def list_integrations(factory: sessionmaker[Session], *, now: datetime) -> list[IntegrationView]:
    """The Configure table: each integration with the carrier's next expected sync."""
    with factory() as session:
        integrations = carrier_repo.all_integrations(session)
    return [IntegrationView(integration=integration,
                            next_sync_at=next_sync_after(integration.schedule, now)
                            if integration.schedule and integration.status is Status.ACTIVE else None)
            for integration in integrations]


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageView:
    message: CarrierMessage
    carrier_name: str
    flags: list[MessageFlag]


def list_messages(factory: sessionmaker[Session], *, now: datetime, failures_only: bool = False,
                  integration_id: int | None = None) -> list[MessageView]:
    """The Manage tab: carrier messages with what their resolutions imply."""
    with factory() as session:
        integrations = {integration.id: integration for integration in carrier_repo.all_integrations(session)}
        every = carrier_repo.find_messages(session, integration_id=integration_id)
    wanted = [m for m in every if not failures_only or m.severity.value == "Failure"]
    return [MessageView(message=m, carrier_name=integrations[m.integration_id].carrier_name,
                        flags=message_flags(m, others=every, now=now,
                                            last_synced_at=integrations[m.integration_id].last_synced_at))
            for m in wanted]


def resolve(factory: sessionmaker[Session], exchange: CarrierExchange, message_id: int, *,
            text: str, now: datetime, changes: dict[str, Any] | None = None) -> CarrierMessage:
    """Send the correction; it reaches the carrier at its next scheduled sync."""
    if not text.strip():
        raise ValueError("a resolution needs a message saying what was corrected")
    with factory.begin() as session:
        message = carrier_repo.get_message(session, message_id)
    try:
        exchange.resolve_error(message.exchange_id, text, changes)
    except ValidationFailed as error:
        # A retried resolution whose first attempt landed is refused as already resolved: that is success.
        if "already resolved" not in str(error.details):
            raise
    with factory.begin() as session:
        message = carrier_repo.record_resolution(session, message_id, text=text, at=now)
    log.info("carrier.message.resolved", integration_id=message.integration_id, message_id=message_id,
             exchange_id=message.exchange_id, code=message.code)
    return message


def diagnose_integration(factory: sessionmaker[Session], integration_id: int, *,
                         now: datetime) -> tuple[Integration, list[Finding]]:
    """Why isn't this integration syncing? From what is stored, without calling anyone."""
    with factory() as session:
        integration = carrier_repo.get_integration(session, integration_id)
        messages = carrier_repo.find_messages(session, integration_id=integration_id)
        attempts = carrier_repo.attempts_since(session, integration_id, now - RECENT_ATTEMPTS)
    pending = [m for m in messages if MessageFlag.RESOLUTION_PENDING in
               message_flags(m, others=messages, last_synced_at=integration.last_synced_at, now=now)]
    facts = Facts(blocking_failures=sum(1 for m in messages if m.blocking),
                  resolutions_pending=len(pending), attempts=attempts)
    return integration, diagnose(integration, facts, now)
