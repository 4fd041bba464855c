"""Bringing the exchange in line with a user's change: create, enable, disable, group number."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from carriers.status import Integration, RemoteChange, Status
from carriers.storage.repository import CarrierRepository
from config.logging import get_logger
from connectors.exchange.connector import CarrierExchangeConnector

log = get_logger(__name__)


def _create_period(repo: CarrierRepository, exchange: CarrierExchangeConnector,
                   integration: Integration) -> Integration:
    if integration.id is None:
        raise ValueError("the integration must be stored before its coverage period is created")
    employer = repo.employer(integration.group_id)
    group_id = repo.exchange_group_id(integration.id) or exchange.ensure_group(
        external_identifier=f"group-{employer.group_id}", name=employer.name)
    repo.save(integration, exchange_group_id=group_id)
    # The exchange finds a period by our integration id, so a create retried after a crash is harmless.
    period = exchange.create_coverage_period(
        group_id, external_identifier=f"integration-{integration.id}", carrier_name=integration.carrier_name,
        carrier_group_number=integration.group_number,
        coverage_start_date=integration.renewal_date.isoformat() if integration.renewal_date else None)
    log.info("carrier.coverage_period.created", integration_id=integration.id,
             coverage_period_id=period.id, carrier=integration.carrier_name)
    return replace(integration, coverage_period_id=period.id)


def push_remote_change(repo: CarrierRepository, exchange: CarrierExchangeConnector,
                       integration: Integration, *, now: datetime) -> Integration:
    """Send the integration's outstanding change to the exchange and clear it; saved by the caller."""
    change = integration.remote_change
    if change is None:
        return integration
    if integration.coverage_period_id is None:
        if change is RemoteChange.DISABLE or integration.status is Status.DISABLED:
            return replace(integration, remote_change=None)  # Nothing exists at the exchange to turn off.
        integration = _create_period(repo, exchange, integration)
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
