"""diagnose: each cause of "not syncing", in order, with what to do, from stored facts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from carriers.diagnose import Attempt, Cause, Facts, diagnose
from carriers.schedule import schedule_from_json
from carriers.status import DisabledReason, Integration, Status

NOW = datetime(2026, 3, 10, 12, tzinfo=UTC)
DAILY = schedule_from_json({"frequency": "daily", "time": "02:00", "timezone": "America/New_York"})


def _integration(**changes) -> Integration:  # type: ignore[no-untyped-def]
    base = {"id": 1, "group_id": "grp_001", "carrier_name": "Aetna", "group_number": "0123456-00",
            "status": Status.ACTIVE, "status_since": NOW - timedelta(days=5), "schedule": DAILY,
            "last_synced_at": NOW - timedelta(hours=10), "coverage_period_id": "cp_1"}
    return Integration(**{**base, **changes})


def _causes(integration: Integration, facts: Facts | None = None) -> list[Cause]:
    return [finding.cause for finding in diagnose(integration, facts or Facts(), NOW)]


def test_pending_says_to_keep_managing_manually() -> None:
    [finding] = diagnose(_integration(status=Status.PENDING), Facts(), NOW)
    assert finding.cause is Cause.PENDING and "manually" in finding.what_to_do


def test_disabled_says_to_toggle_on_with_the_group_number() -> None:
    [finding] = diagnose(_integration(status=Status.DISABLED, disabled_reason=DisabledReason.INACTIVITY),
                         Facts(), NOW)
    assert finding.cause is Cause.DISABLED and "inactivity" in finding.detail
    assert "re-enter the group number" in finding.what_to_do


def test_rejected_group_number_says_to_verify_it() -> None:
    [finding] = diagnose(_integration(status=Status.DISABLED,
                                      disabled_reason=DisabledReason.GROUP_NUMBER_REJECTED), Facts(), NOW)
    assert finding.cause is Cause.GROUP_NUMBER_REJECTED and "Verify the group number" in finding.what_to_do


def test_not_yet_due_names_the_next_window() -> None:
    sent = _integration(last_transmission_at=NOW - timedelta(hours=1))
    [finding] = diagnose(sent, Facts(), NOW)
    assert finding.cause is Cause.NOT_YET_DUE and "2026-03-11 06:00 UTC" in finding.detail
    assert _causes(_integration(), Facts(resolutions_pending=1)) == [Cause.NOT_YET_DUE]


def test_blocking_failures_and_api_errors_in_order() -> None:
    facts = Facts(blocking_failures=2, attempts=[
        Attempt(at=NOW - timedelta(hours=1), operation="transmit", ok=False, error="HTTP 503"),
        Attempt(at=NOW - timedelta(days=3), operation="transmit", ok=False, error="old"),
        Attempt(at=NOW - timedelta(minutes=5), operation="get_coverage_period", ok=True)])
    findings = diagnose(_integration(last_transmission_at=NOW - timedelta(hours=1)), facts, NOW)
    assert [f.cause for f in findings] == [Cause.NOT_YET_DUE, Cause.BLOCKING_FAILURES, Cause.API_ERRORS]
    assert "1 failed call" in findings[2].detail and "Operations Team" in findings[2].what_to_do


def test_healthy_integration_has_no_findings() -> None:
    assert _causes(_integration()) == []
