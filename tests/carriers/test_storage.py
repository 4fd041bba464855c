"""The carrier tables on both backends, created by the migrations."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from carriers import status as rules
from carriers.enrollment import Transmission, TransmissionState
from carriers.messages import CarrierMessage, Severity
from carriers.schedule import schedule_from_json
from carriers.status import DisabledReason, Employer, Status
from carriers.storage import repository as carrier_repo
from carriers.storage.repository import GroupNotConnected, NotFoundError

from .conftest import migrated_factory

NOW = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)


def test_integration_round_trip(database_url: str) -> None:
    factory = migrated_factory(database_url)
    schedule = schedule_from_json({"frequency": "weekly", "days": ["tue", "fri"], "time": "02:00",
                                   "timezone": "America/New_York"})
    with factory.begin() as session:
        stored = carrier_repo.add_integration(session, rules.configure(
            group_id="grp_001", carrier_name="Cigna", group_number="77-1", now=NOW,
            plan_name="Open Access Plus", plan_type="medical", renewal_date=date(2027, 1, 1)))
    assert stored.group_id == "grp_001"
    changed = replace(stored, status=Status.DISABLED, disabled_reason=DisabledReason.INACTIVITY,
                      schedule=schedule, last_synced_at=NOW + timedelta(days=1), coverage_period_id="cp_9",
                      enrollment_watermark="w-3", remote_change=None)
    with factory.begin() as session:
        carrier_repo.save_integration(session, changed, exchange_group_id="g_4")
    with factory() as session:
        assert carrier_repo.get_integration(session, stored.id or 0) == changed
        assert carrier_repo.all_integrations(session) == [changed]
        assert carrier_repo.find_integration(session, "grp_001", "Cigna") == changed
        assert carrier_repo.find_integration(session, "grp_001", "Aetna") is None
        assert carrier_repo.get_exchange_group_id(session, stored.id or 0) == "g_4"
        assert carrier_repo.get_employer(session, "grp_001") == Employer(
            group_id="grp_001", name="Acme Widgets", external_identifier="group-1")
        with pytest.raises(NotFoundError, match="integration 999"):
            carrier_repo.get_integration(session, 999)


def test_a_group_that_is_not_connected_is_named(database_url: str) -> None:
    factory = migrated_factory(database_url)
    with factory() as session:
        with pytest.raises(GroupNotConnected, match="'grp_404' is not connected"):
            carrier_repo.get_employer(session, "grp_404")
        with pytest.raises(GroupNotConnected, match="'grp_404' is not connected"):
            carrier_repo.add_integration(session, rules.configure(
                group_id="grp_404", carrier_name="Aetna", group_number="1", now=NOW))


def test_one_integration_per_group_and_carrier(database_url: str) -> None:
    factory = migrated_factory(database_url)
    integration = rules.configure(group_id="grp_001", carrier_name="Aetna", group_number="1", now=NOW)
    with factory.begin() as session:
        carrier_repo.add_integration(session, integration)
    with pytest.raises(IntegrityError), factory.begin() as session:
        carrier_repo.add_integration(session, integration)


def test_messages_upsert_by_exchange_id_and_attempts(database_url: str) -> None:
    factory = migrated_factory(database_url)
    with factory.begin() as session:
        integration = carrier_repo.add_integration(session, rules.configure(
            group_id="grp_001", carrier_name="Aetna", group_number="1", now=NOW))
        message = CarrierMessage(id=None, integration_id=integration.id or 0, exchange_id="e_1",
                                 member_external_id="m_9", severity=Severity.FAILURE, code="ssn_mismatch",
                                 text="SSN does not match", open=True, created_at=NOW)
        first, created = carrier_repo.upsert_message(session, message)
        again, created_again = carrier_repo.upsert_message(session, replace(message, open=False))
        carrier_repo.record_attempt(session, integration.id or 0, operation="transmit", at=NOW,
                                    error="HTTP 503")
    assert (created, created_again, first.id == again.id) == (True, False, True)
    with factory() as session:
        assert [m.open for m in carrier_repo.find_messages(session, failures_only=True)] == [False]
        [attempt] = carrier_repo.attempts_since(session, integration.id or 0, NOW - timedelta(hours=1))
        assert (attempt.ok, attempt.error, attempt.at) == (False, "HTTP 503", NOW)


def test_a_transmission_is_prepared_then_marked_sent(database_url: str) -> None:
    factory = migrated_factory(database_url)
    with factory.begin() as session:
        integration = carrier_repo.add_integration(session, rules.configure(
            group_id="grp_001", carrier_name="Aetna", group_number="1", now=NOW))
        prepared = carrier_repo.add_transmission(session, Transmission(
            id=None, integration_id=integration.id or 0, external_identifier="tx-1", since_watermark=None,
            until_watermark="2", change_count=2, state=TransmissionState.PREPARED, prepared_at=NOW))
    with factory.begin() as session:
        assert carrier_repo.unsent_transmission(session, integration.id or 0) == prepared
        sent = carrier_repo.mark_transmission_sent(session, prepared.id or 0, exchange_id="t_1", at=NOW)
    assert sent == replace(prepared, state=TransmissionState.SENT, exchange_id="t_1", sent_at=NOW)
    with factory() as session:
        assert carrier_repo.unsent_transmission(session, integration.id or 0) is None
        assert carrier_repo.find_transmissions(session, integration.id or 0) == [sent]
