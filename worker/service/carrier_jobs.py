"""The carrier jobs the worker's actors call: status check, due transmissions, carrier messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from carriers import status as rules
from carriers.enrollment import Transmission, TransmissionState, transmission_identifier, transmission_is_due
from carriers.messages import CarrierMessage, Severity, earlier_resolution
from carriers.schedule import ScheduleError, schedule_from_json
from carriers.status import DisabledReason, Integration, Status
from carriers.storage import repository as carrier_repo
from config.logging import get_logger
from connectors.errors import BadResponse, ConnectorError
from connectors.ports import CarrierExchange, EnrollmentSource
from worker.service.carriers import log_status_change, push_remote_change

log = get_logger(__name__)
Factory = sessionmaker[Session]


def _each(factory: Factory, *, now: datetime, operation: str,
          work: Callable[[Session, Integration], None]) -> tuple[int, int]:
    """Run `work` per integration, one transaction each; an exchange error is recorded, not raised."""
    with factory() as session:
        ids = [integration.id for integration in carrier_repo.all_integrations(session) if integration.id]
    done = failed = 0
    for integration_id in ids:
        with factory() as session:
            try:
                work(session, carrier_repo.get_integration(session, integration_id))
                session.commit()
                done += 1
            except ConnectorError as error:
                session.rollback()
                failed += 1
                carrier_repo.record_attempt(session, integration_id, operation=error.operation, at=now,
                                            error=str(error))
                session.commit()
                log.warning("carrier.api_error", integration_id=integration_id, job=operation,
                            operation=error.operation, status=error.status, error=error.message)
    return done, failed


def check_statuses(factory: Factory, exchange: CarrierExchange, *, now: datetime) -> dict[str, int]:
    """Send outstanding user changes, then read every coverage period: status, schedule, Last Sync."""
    def work(session: Session, integration: Integration) -> None:
        integration = push_remote_change(session, exchange, integration, now=now)
        carrier_repo.save_integration(session, integration)
        if integration.coverage_period_id is None:
            return
        period = exchange.get_coverage_period(integration.coverage_period_id)
        try:
            schedule = schedule_from_json(period.sync_schedule) if period.sync_schedule else None
        except ScheduleError as error:
            raise BadResponse(system="carrier_exchange", operation="get_coverage_period",
                              field="coverage_period.sync_schedule", message=str(error)) from None
        updated, change = rules.apply_remote(
            integration, status=Status(period.status), activated_at=period.activated_at, now=now,
            disabled_reason=DisabledReason(period.disabled_reason) if period.disabled_reason else None)
        updated = replace(updated, schedule=schedule or updated.schedule,
                          last_synced_at=period.last_synced_at or updated.last_synced_at)
        carrier_repo.save_integration(session, updated)
        carrier_repo.record_attempt(session, updated.id or 0, operation="get_coverage_period", at=now)
        log_status_change(updated, change)

    checked, failed = _each(factory, now=now, operation="check_statuses", work=work)
    return {"checked": checked, "failed": failed}


def transmit_due(factory: Factory, exchange: CarrierExchange, source: EnrollmentSource, *,
                 now: datetime) -> dict[str, int]:
    """Transmit each due Active integration's enrollment changes since its last transmission."""
    sent = 0

    def work(session: Session, integration: Integration) -> None:
        nonlocal sent
        if not transmission_is_due(integration, now) or integration.id is None \
                or integration.coverage_period_id is None:
            return
        unsent = carrier_repo.unsent_transmission(session, integration.id)
        since = unsent.since_watermark if unsent else integration.enrollment_watermark
        changes, watermark = source.enrollment_changes(integration.group_id, since)
        if not changes and unsent is None:
            return
        if unsent is None:
            unsent = _prepare(session, integration, since=since, until=watermark, count=len(changes), now=now)
        result = exchange.transmit(integration.coverage_period_id, unsent.external_identifier, changes)
        carrier_repo.mark_transmission_sent(session, unsent.id or 0, exchange_id=result.id, at=now)
        # A replay means the exchange holds the first payload: advance only as far as that one went.
        reached = unsent.until_watermark if result.replayed else watermark
        carrier_repo.save_integration(session, replace(integration, enrollment_watermark=reached,
                                                       last_transmission_at=now))
        sent += 1
        log.info("carrier.transmission.sent", integration_id=integration.id, carrier=integration.carrier_name,
                 external_identifier=unsent.external_identifier, transmission_id=result.id,
                 change_count=len(changes), replayed=result.replayed)

    _each(factory, now=now, operation="transmit_due", work=work)
    return {"sent": sent}


def _prepare(session: Session, integration: Integration, *, since: str | None, until: str | None,
             count: int, now: datetime) -> Transmission:
    """Stored and committed before the call, so a crash and retry reuse the same identifier."""
    integration_id = integration.id or 0
    prepared = carrier_repo.add_transmission(session, Transmission(
        id=None, integration_id=integration_id,
        external_identifier=transmission_identifier(integration_id, since, until),
        since_watermark=since, until_watermark=until, change_count=count,
        state=TransmissionState.PREPARED, prepared_at=now))
    session.commit()
    log.info("carrier.transmission.prepared", integration_id=integration.id,
             external_identifier=prepared.external_identifier, change_count=count)
    return prepared


def pull_messages(factory: Factory, exchange: CarrierExchange, *, now: datetime) -> dict[str, int]:
    """Store every carrier message; a new one that repeats a resolved issue is flagged."""
    received = 0

    def work(session: Session, integration: Integration) -> None:
        nonlocal received
        if integration.coverage_period_id is None or integration.id is None:
            return
        for remote in exchange.list_errors(integration.coverage_period_id):
            message, created = carrier_repo.upsert_message(session, CarrierMessage(
                id=None, integration_id=integration.id, exchange_id=remote.id,
                member_external_id=remote.member_external_id, severity=Severity(remote.severity),
                code=remote.code, text=remote.message, open=remote.status == "unresolved",
                created_at=remote.created_at, resolution_message=remote.resolution_message,
                resolved_at=remote.resolved_at))
            if not created:
                continue
            received += 1
            fields = {"integration_id": integration.id, "message_id": message.id, "exchange_id": remote.id,
                      "severity": remote.severity, "code": remote.code,
                      "member_external_id": remote.member_external_id}
            log.info("carrier.message.received", **fields)
            previous = earlier_resolution(message, carrier_repo.find_messages(session,
                                                                              integration_id=integration.id))
            if previous is not None:
                log.warning("carrier.message.reappeared", previous_message_id=previous.id,
                            resolved_at=previous.resolved_at, **fields)

    _each(factory, now=now, operation="pull_messages", work=work)
    return {"received": received}


def run_carrier_cycle(factory: Factory, exchange: CarrierExchange, source: EnrollmentSource, *,
                      now: datetime) -> dict[str, int]:
    """The three carrier jobs in order: statuses first, so nothing goes to a period just disabled."""
    summary = {**check_statuses(factory, exchange, now=now),
               **transmit_due(factory, exchange, source, now=now),
               **pull_messages(factory, exchange, now=now)}
    log.info("carrier.cycle.finished", **summary)
    return summary
