"""The operations users and the worker call on carrier integrations: thin over the pure rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from carriers import status as rules
from carriers.diagnose import RECENT_ATTEMPTS, Facts, Finding, diagnose
from carriers.messages import CarrierMessage, MessageFlag, message_flags
from carriers.schedule import next_sync_after
from carriers.status import Integration, Status, StatusChange
from carriers.storage.repository import CarrierRepository
from config.crosswalk import load_crosswalk
from config.logging import get_logger
from connectors.errors import ConnectorError, ValidationFailed
from connectors.exchange.connector import CarrierExchangeConnector
from worker.service.carrier_remote import push_remote_change

log = get_logger(__name__)


def log_status_change(integration: Integration, change: StatusChange | None) -> None:
    if change is not None:
        log.info("carrier.status_changed", integration_id=integration.id, carrier=integration.carrier_name,
                 before=change.before.value if change.before else None, after=change.after.value,
                 since=change.since, reason=change.reason.value if change.reason else None,
                 source=change.source)


def _push(session: Session, exchange: CarrierExchangeConnector | None, integration: Integration, *,
          now: datetime) -> Integration:
    """Try to tell the exchange now; if it cannot be reached, the status check tries again."""
    if exchange is None or integration.id is None:
        return integration
    repo = CarrierRepository(session)
    try:
        integration = push_remote_change(repo, exchange, integration, now=now)
    except ConnectorError as error:
        repo.record_attempt(integration.id, operation=error.operation, at=now, error=str(error))
        log.warning("carrier.api_error", integration_id=integration.id, operation=error.operation,
                    status=error.status, error=error.message)
        return integration
    repo.save(integration)
    return integration


def configure(factory: sessionmaker[Session], *, group_id: int, carrier_code: str,
              group_number: str | None, now: datetime, plan_name: str | None = None,
              plan_type: str | None = None, renewal_date: date | None = None) -> Integration:
    """A new integration, Pending; its coverage period is created by the next status check."""
    carrier = load_crosswalk().by_code(carrier_code)
    with factory.begin() as session:
        repo = CarrierRepository(session)
        repo.employer(group_id)
        existing = [i for i in repo.all() if i.group_id == group_id and i.carrier_name == carrier.name]
        if existing:
            raise rules.StatusError(f"group {group_id} already has an integration with {carrier.name} "
                                    f"(id {existing[0].id}); use enable or set-group-number")
        integration = repo.add(rules.configure(group_id=group_id, carrier_name=carrier.name,
                                               group_number=group_number, now=now, plan_name=plan_name,
                                               plan_type=plan_type, renewal_date=renewal_date))
    log.info("carrier.configured", integration_id=integration.id, group_id=group_id,
             carrier=integration.carrier_name)
    log_status_change(integration, StatusChange(before=None, after=Status.PENDING, since=now,
                                                reason=None, source="user"))
    return integration


def disable(factory: sessionmaker[Session], exchange: CarrierExchangeConnector | None,
            integration_id: int, *, now: datetime) -> Integration:
    """Stored first, so outbound traffic stops even when the exchange cannot be told yet."""
    with factory.begin() as session:
        integration, change = rules.disable(CarrierRepository(session).get(integration_id), now=now)
        CarrierRepository(session).save(integration)
    log_status_change(integration, change)
    with factory.begin() as session:
        return _push(session, exchange, integration, now=now)


def enable(factory: sessionmaker[Session], exchange: CarrierExchangeConnector | None,
           integration_id: int, *, group_number: str | None, now: datetime) -> Integration:
    with factory.begin() as session:
        integration, change = rules.enable(CarrierRepository(session).get(integration_id),
                                           group_number=group_number, now=now)
        CarrierRepository(session).save(integration)
    log_status_change(integration, change)
    with factory.begin() as session:
        return _push(session, exchange, integration, now=now)


def set_group_number(factory: sessionmaker[Session], exchange: CarrierExchangeConnector | None,
                     integration_id: int, group_number: str | None, *, now: datetime) -> Integration:
    with factory.begin() as session:
        integration = rules.change_group_number(CarrierRepository(session).get(integration_id),
                                                group_number=group_number)
        CarrierRepository(session).save(integration)
    log.info("carrier.group_number_changed", integration_id=integration.id, carrier=integration.carrier_name)
    with factory.begin() as session:
        return _push(session, exchange, integration, now=now)


@dataclass(frozen=True, slots=True, kw_only=True)
class IntegrationView:
    integration: Integration
    next_sync_at: datetime | None


def list_integrations(factory: sessionmaker[Session], *, now: datetime) -> list[IntegrationView]:
    """The Configure table: each integration with the carrier's next expected sync."""
    with factory() as session:
        integrations = CarrierRepository(session).all()
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
        repo = CarrierRepository(session)
        integrations = {integration.id: integration for integration in repo.all()}
        every = repo.messages(integration_id=integration_id)
    wanted = [m for m in every if not failures_only or m.severity.value == "Failure"]
    return [MessageView(message=m, carrier_name=integrations[m.integration_id].carrier_name,
                        flags=message_flags(m, others=every, now=now,
                                            last_synced_at=integrations[m.integration_id].last_synced_at))
            for m in wanted]


def resolve(factory: sessionmaker[Session], exchange: CarrierExchangeConnector, message_id: int, *,
            text: str, now: datetime, changes: dict[str, Any] | None = None) -> CarrierMessage:
    """Send the correction; it reaches the carrier at its next scheduled sync."""
    if not text.strip():
        raise ValueError("a resolution needs a message saying what was corrected")
    with factory.begin() as session:
        message = CarrierRepository(session).message(message_id)
    try:
        exchange.resolve_error(message.exchange_id, text, changes)
    except ValidationFailed as error:
        # A retried resolution whose first attempt landed is refused as already resolved: that is success.
        if "already resolved" not in str(error.details):
            raise
    with factory.begin() as session:
        CarrierRepository(session).record_resolution(message_id, text=text, at=now)
        message = CarrierRepository(session).message(message_id)
    log.info("carrier.message.resolved", integration_id=message.integration_id, message_id=message_id,
             exchange_id=message.exchange_id, code=message.code)
    return message


def diagnose_integration(factory: sessionmaker[Session], integration_id: int, *,
                         now: datetime) -> tuple[Integration, list[Finding]]:
    """Why isn't this integration syncing? From what is stored, without calling anyone."""
    with factory() as session:
        repo = CarrierRepository(session)
        integration = repo.get(integration_id)
        messages = repo.messages(integration_id=integration_id)
        attempts = repo.attempts_since(integration_id, now - RECENT_ATTEMPTS)
    pending = [m for m in messages if MessageFlag.RESOLUTION_PENDING in
               message_flags(m, others=messages, last_synced_at=integration.last_synced_at, now=now)]
    facts = Facts(blocking_failures=sum(1 for m in messages if m.blocking),
                  resolutions_pending=len(pending), attempts=attempts)
    return integration, diagnose(integration, facts, now)
