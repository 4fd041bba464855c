"""Status transitions and transmissions against the exchange sandbox over real HTTP."""

from __future__ import annotations

from datetime import timedelta

import pytest

from carriers.status import DisabledReason, Status, StatusError
from carriers.storage import repository as carrier_repo
from config.crosswalk import Carrier, Crosswalk, UnknownCarrier
from worker.service import carriers as service
from worker.service.carrier_jobs import check_statuses, run_carrier_cycle, transmit_due

from .conftest import Exchange, ListEnrollment, member_change, transmissions


def _configure(factory, exchange: Exchange, group_number: str = "0123456-00") -> int:  # type: ignore[no-untyped-def]
    integration = service.configure(factory, group_id="grp_001", carrier_code="aetna",
                                    group_number=group_number, now=exchange.now(),
                                    plan_name="Aetna Choice POS II", plan_type="medical")
    assert integration.id is not None
    return integration.id


def _get(factory, integration_id: int):  # type: ignore[no-untyped-def]
    with factory() as session:
        return carrier_repo.get_integration(session, integration_id)


def _activate(factory, exchange: Exchange) -> int:  # type: ignore[no-untyped-def]
    integration_id = _configure(factory, exchange)
    check_statuses(factory, exchange.connector, now=exchange.now())
    exchange.advance(seconds=10)
    check_statuses(factory, exchange.connector, now=exchange.now())
    return integration_id


def test_configure_needs_a_group_number(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(StatusError, match="group number is required"):
        _configure(factory, exchange, group_number="  ")


def test_an_agency_configures_the_carriers_of_its_own_catalogue(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    """A carrier only the agency's applied catalogue knows: configured by it, unknown to the shipped table."""
    agency = Crosswalk(carriers=(Carrier(code="REGENCE", name="Regence BlueShield", benefitpoint_id=7301),),
                       remedy="map it: plansync catalogue apply --agency acme FILE")
    with pytest.raises(UnknownCarrier, match="carrier code 'regence' is not in the crosswalk"):
        service.configure(factory, group_id="grp_001", carrier_code="regence", group_number="1",
                          now=exchange.now())
    integration = service.configure(factory, group_id="grp_001", carrier_code="regence", group_number="1",
                                    now=exchange.now(), crosswalk=agency)
    assert integration.carrier_name == "Regence BlueShield"
    with pytest.raises(UnknownCarrier, match="plansync catalogue apply --agency acme"):
        service.configure(factory, group_id="grp_001", carrier_code="aetna", group_number="1",
                          now=exchange.now(), crosswalk=agency)


def test_one_integration_per_group_and_carrier(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    integration_id = _configure(factory, exchange)
    with pytest.raises(StatusError, match=f"already has an integration with Aetna \\(id {integration_id}\\)"):
        _configure(factory, exchange)


def test_pending_then_active_with_its_date(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    integration_id = _configure(factory, exchange)
    check_statuses(factory, exchange.connector, now=exchange.now())
    pending = _get(factory, integration_id)
    assert pending.status is Status.PENDING and pending.coverage_period_id is not None
    exchange.advance(seconds=10)
    check_statuses(factory, exchange.connector, now=exchange.now())
    active = _get(factory, integration_id)
    assert active.status is Status.ACTIVE
    assert active.status_since == exchange.store.periods[active.coverage_period_id].activated_at
    assert active.schedule is not None and active.schedule.timezone == "America/New_York"


def test_nothing_is_transmitted_while_pending(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    source = ListEnrollment([member_change("m_1")])
    _configure(factory, exchange)
    run_carrier_cycle(factory, exchange.connector, source, now=exchange.now())
    assert transmissions(exchange) == [] and source.calls == []


def test_disable_stops_traffic_and_enable_needs_the_group_number(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    source = ListEnrollment([member_change("m_1")])
    integration_id = _activate(factory, exchange)
    disabled = service.disable(factory, exchange.connector, integration_id, now=exchange.now())
    assert disabled.status is Status.DISABLED and disabled.disabled_reason is DisabledReason.MANUAL
    period = exchange.store.periods[disabled.coverage_period_id or ""]
    assert (period.status, period.disabled_reason) == ("disabled", "manual")
    exchange.advance(days=2)
    run_carrier_cycle(factory, exchange.connector, source, now=exchange.now())
    assert transmissions(exchange) == []
    with pytest.raises(StatusError, match="group number is required"):
        service.enable(factory, exchange.connector, integration_id, group_number="", now=exchange.now())
    enabled = service.enable(factory, exchange.connector, integration_id, group_number="0123456-01",
                             now=exchange.now())
    assert enabled.status is Status.PENDING
    assert (period.status, period.carrier_group_number) == ("pending", "0123456-01")


def test_a_disable_the_exchange_missed_is_sent_again(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    integration_id = _activate(factory, exchange)
    service.disable(factory, None, integration_id, now=exchange.now())
    period = exchange.store.periods[_get(factory, integration_id).coverage_period_id]
    assert period.status == "active"
    check_statuses(factory, exchange.connector, now=exchange.now())
    assert period.status == "disabled"
    assert _get(factory, integration_id).status is Status.DISABLED


def test_rejected_group_number_disables(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    integration_id = _configure(factory, exchange, group_number="REJECT-42")
    check_statuses(factory, exchange.connector, now=exchange.now())
    exchange.advance(seconds=10)
    check_statuses(factory, exchange.connector, now=exchange.now())
    integration = _get(factory, integration_id)
    assert (integration.status, integration.disabled_reason) == (Status.DISABLED,
                                                                 DisabledReason.GROUP_NUMBER_REJECTED)


def test_changed_group_number_is_sent_and_can_be_rejected(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    integration_id = _activate(factory, exchange)
    service.set_group_number(factory, exchange.connector, integration_id, "REJECT-7", now=exchange.now())
    period = exchange.store.periods[_get(factory, integration_id).coverage_period_id]
    assert period.carrier_group_number == "REJECT-7"
    exchange.advance(days=1)
    check_statuses(factory, exchange.connector, now=exchange.now())
    assert _get(factory, integration_id).disabled_reason is DisabledReason.GROUP_NUMBER_REJECTED


def test_inactivity_disables_after_ninety_days(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    integration_id = _activate(factory, exchange)
    exchange.advance(days=89)
    check_statuses(factory, exchange.connector, now=exchange.now())
    assert _get(factory, integration_id).status is Status.ACTIVE
    exchange.advance(days=2)
    check_statuses(factory, exchange.connector, now=exchange.now())
    integration = _get(factory, integration_id)
    assert (integration.status, integration.disabled_reason) == (Status.DISABLED, DisabledReason.INACTIVITY)


def test_transmits_only_when_due_and_last_sync_moves_at_the_window(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    source = ListEnrollment([member_change("m_1")])
    integration_id = _activate(factory, exchange)
    assert transmit_due(factory, exchange.connector, source, now=exchange.now()) == {"sent": 1}
    assert source.calls == [("grp_001", None)]
    source.changes.append(member_change("m_2"))
    exchange.advance(hours=1)
    assert transmit_due(factory, exchange.connector, source, now=exchange.now()) == {"sent": 0}
    assert len(transmissions(exchange)) == 1
    exchange.advance(days=1)
    check_statuses(factory, exchange.connector, now=exchange.now())
    integration = _get(factory, integration_id)
    assert integration.last_synced_at is not None
    assert integration.last_synced_at.hour == 7 and integration.last_synced_at <= exchange.now()
    assert transmissions(exchange)[0]["status"] == "delivered"
    assert transmit_due(factory, exchange.connector, source, now=exchange.now()) == {"sent": 1}
    second = transmissions(exchange)[1]
    assert [c["member_external_id"] for c in second["changes"]] == ["m_2"]
    assert integration.last_synced_at > exchange.now() - timedelta(days=1)
