"""The carrier tables on both backends, created by the migrations."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from carriers import status as rules
from carriers.messages import CarrierMessage, Severity
from carriers.schedule import schedule_from_json
from carriers.status import DisabledReason, Status
from carriers.storage.repository import CarrierRepository, NotFoundError

from .conftest import migrated_factory

NOW = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)


def test_integration_round_trip(database_url: str) -> None:
    factory = migrated_factory(database_url)
    schedule = schedule_from_json({"frequency": "weekly", "days": ["tue", "fri"], "time": "02:00",
                                   "timezone": "America/New_York"})
    with factory.begin() as session:
        stored = CarrierRepository(session).add(rules.configure(
            group_id=1, carrier_name="Cigna", group_number="77-1", now=NOW, plan_name="Open Access Plus",
            plan_type="medical", renewal_date=date(2027, 1, 1)))
    changed = replace(stored, status=Status.DISABLED, disabled_reason=DisabledReason.INACTIVITY,
                      schedule=schedule, last_synced_at=NOW + timedelta(days=1), coverage_period_id="cp_9",
                      enrollment_watermark="w-3", remote_change=None)
    with factory.begin() as session:
        CarrierRepository(session).save(changed, exchange_group_id="g_4")
    with factory() as session:
        repo = CarrierRepository(session)
        assert repo.get(stored.id or 0) == changed
        assert repo.exchange_group_id(stored.id or 0) == "g_4"
        assert repo.employer(1).perfectquote_group_id == "grp_001"
        with pytest.raises(NotFoundError, match="integration 999"):
            repo.get(999)


def test_one_integration_per_group_and_carrier(database_url: str) -> None:
    factory = migrated_factory(database_url)
    integration = rules.configure(group_id=1, carrier_name="Aetna", group_number="1", now=NOW)
    with factory.begin() as session:
        CarrierRepository(session).add(integration)
    with pytest.raises(IntegrityError), factory.begin() as session:
        CarrierRepository(session).add(integration)


def test_messages_upsert_by_exchange_id_and_attempts(database_url: str) -> None:
    factory = migrated_factory(database_url)
    with factory.begin() as session:
        repo = CarrierRepository(session)
        integration = repo.add(rules.configure(group_id=1, carrier_name="Aetna", group_number="1", now=NOW))
        message = CarrierMessage(id=None, integration_id=integration.id or 0, exchange_id="e_1",
                                 member_external_id="m_9", severity=Severity.FAILURE, code="ssn_mismatch",
                                 text="SSN does not match", open=True, created_at=NOW)
        first, created = repo.upsert_message(message)
        again, created_again = repo.upsert_message(replace(message, open=False))
        repo.record_attempt(integration.id or 0, operation="transmit", at=NOW, error="HTTP 503")
    assert (created, created_again, first.id == again.id) == (True, False, True)
    with factory() as session:
        repo = CarrierRepository(session)
        assert [m.open for m in repo.messages(failures_only=True)] == [False]
        [attempt] = repo.attempts_since(integration.id or 0, NOW - timedelta(hours=1))
        assert (attempt.ok, attempt.error, attempt.at) == (False, "HTTP 503", NOW)
