"""Carrier messages end to end: a Failure, a wrong resolution that reappears, a right one that clears."""

from __future__ import annotations

import pytest

from carriers.diagnose import Cause
from carriers.messages import MessageFlag, Severity
from worker.service import carriers as service
from worker.service.carrier_jobs import check_statuses, run_carrier_cycle

from .conftest import Exchange, ListEnrollment, member_change
from .test_lifecycle import _activate


def _failure_after_sync(factory, exchange: Exchange):  # type: ignore[no-untyped-def]
    source = ListEnrollment([member_change("m_1"), member_change("m_9", ssn="666-12-3456")])
    _activate(factory, exchange)
    run_carrier_cycle(factory, exchange.connector, source, now=exchange.now())
    exchange.advance(days=1)
    run_carrier_cycle(factory, exchange.connector, source, now=exchange.now())
    return source, service.list_messages(factory, now=exchange.now(), failures_only=True)


def _next_sync(factory, exchange: Exchange, source: ListEnrollment) -> None:  # type: ignore[no-untyped-def]
    exchange.advance(days=1)
    run_carrier_cycle(factory, exchange.connector, source, now=exchange.now())


def test_a_bad_ssn_raises_a_blocking_failure(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    _, failures = _failure_after_sync(factory, exchange)
    assert [(v.message.severity, v.message.code, v.message.member_external_id) for v in failures] == [
        (Severity.FAILURE, "ssn_mismatch", "m_9")]
    assert failures[0].message.blocking and failures[0].flags == []


def test_wrong_resolution_is_pending_then_reappears(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    source, failures = _failure_after_sync(factory, exchange)
    first = failures[0].message
    service.resolve(factory, exchange.connector, first.id, text="Checked the SSN", now=exchange.now(),
                    changes={"ssn": "666-12-3456"})
    views = service.list_messages(factory, now=exchange.now())
    assert views[0].flags == [MessageFlag.RESOLUTION_PENDING]
    _next_sync(factory, exchange, source)
    views = {v.message.exchange_id: v for v in service.list_messages(factory, now=exchange.now())}
    assert MessageFlag.RESOLUTION_PENDING not in views[first.exchange_id].flags
    again = [v for v in views.values() if v.message.exchange_id != first.exchange_id and v.message.open]
    assert [(v.message.code, v.message.member_external_id) for v in again] == [("ssn_mismatch", "m_9")]
    assert again[0].flags == [MessageFlag.REAPPEARED]
    exchange.advance(days=7)
    flags = next(v.flags for v in service.list_messages(factory, now=exchange.now())
                 if v.message.exchange_id == again[0].message.exchange_id)
    assert flags == [MessageFlag.REAPPEARED, MessageFlag.REVIEW]


def test_right_resolution_clears(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    source, failures = _failure_after_sync(factory, exchange)
    service.resolve(factory, exchange.connector, failures[0].message.id, text="Corrected SSN",
                    now=exchange.now(), changes={"ssn": "123-45-6780"})
    _next_sync(factory, exchange, source)
    _next_sync(factory, exchange, source)
    views = service.list_messages(factory, now=exchange.now(), failures_only=True)
    assert len(views) == 1 and not views[0].message.open and views[0].flags == []


def test_resolution_needs_a_message(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    _, failures = _failure_after_sync(factory, exchange)
    with pytest.raises(ValueError, match="needs a message"):
        service.resolve(factory, exchange.connector, failures[0].message.id, text=" ", now=exchange.now())


def test_diagnose_from_stored_failures_and_api_errors(factory, exchange: Exchange) -> None:  # type: ignore[no-untyped-def]
    _, failures = _failure_after_sync(factory, exchange)
    integration_id = failures[0].message.integration_id
    exchange.faults.configure(error_rate=1.0)
    check_statuses(factory, exchange.connector, now=exchange.now())
    _, findings = service.diagnose_integration(factory, integration_id, now=exchange.now())
    assert [f.cause for f in findings] == [Cause.BLOCKING_FAILURES, Cause.API_ERRORS]
    assert "get_coverage_period" in findings[1].detail and "HTTP 502" in findings[1].detail
